package io.albireo.abm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.google.gson.JsonObject;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.MapTransaction;
import io.albireo.api.metadata.MetadataTransaction;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NsmHost;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.api.metadata.WorkItem;
import io.albireo.api.metadata.WrappedKey;
import io.albireo.testing.golden.GoldenFile;

/**
 * Every value the ALBA manager writes to the metadata store (docs/METADATA.md), pinned in golden files: the values
 * are taken from what {@link AbmOperation} itself writes for a fixed sequence of commands, and each golden file reads
 * back as the record it was written from. The JSON records carry no version and no checksum (see the report in
 * docs/FORMATS.md); the files' names say v1 for the form of today. The wrapped key's record is {@link KeyRecordTest}'s.
 */
class AbmRecordsGoldenTest {
    private static final AbmJson JSON = new AbmJson();
    private static final String LONG_ID = "8d2c3a6e-5f1b-4c7e-9a0d-2b6f4e1c7a93";
    private static final ClaimedOsd OSD = new ClaimedOsd(0, LONG_ID, "node-1", "asd", List.of("10.0.0.5", "fd00::5"),
            8600, ClaimedOsd.State.CLAIMED);
    private static final Preset PRESET = new Preset("default", List.of(new Policy(4, 2, 5, 1), new Policy(2, 1, 2,
            1)), 1 << 20, "lz4", "aes-256-gcm", "xxh64", "rs", "sha-256");
    private static final NsmHost NSM_HOST = new NsmHost("nsm-1", "10.0.0.1:8700", 2);
    private static final Namespace NAMESPACE = new Namespace("vd-0002", 1, "default", "nsm-1",
            Namespace.State.ACTIVE);
    private static final Namespace DELETING = new Namespace("vd-0001", 0, "default", "nsm-1",
            Namespace.State.DELETING);
    private static final WorkItem WORK = new WorkItem(0, "delete-namespace", Bytes.utf8("0"), "maintenance-1",
            1_700_000_060_000L);
    private static final String DEAD_ID = "3f9e0b7c-1a2d-4e5f-8c6b-9d0a1e2f3b4c";
    private static final ClaimedOsd DEAD_OSD = new ClaimedOsd(1, DEAD_ID, "node-2", "asd", List.of("10.0.0.6"), 8601,
            ClaimedOsd.State.DEAD);
    /** Queued by the OSD's death for the one active namespace, and not leased yet. */
    private static final WorkItem REPAIR = new WorkItem(1, "repair-osd",
            Bytes.utf8("{\"namespace\":\"vd-0002\",\"osd\":1}"), "", 0);

    /** What the commands below leave in the store: key to value. */
    private static final Map<Bytes, Bytes> STORE = new TreeMap<>();

    /** The golden files, each with the key it pins the value of and a description of its sample. */
    private record Pinned(String key, String description) {
    }

    private static final Map<String, Pinned> PINNED = Map.ofEntries(
            pinned("abm-backend-v1", "abm/backend", "abm/backend: the backend id, UTF-8 text."),
            pinned("abm-osd-v1", "abm/osd/" + LONG_ID, "abm/osd/LONGID: a claimed OSD (ClaimedOsd), JSON."),
            pinned("abm-preset-v1", "abm/preset/default", "abm/preset/NAME: a preset (Preset), JSON."),
            pinned("abm-default-preset-v1", "abm/default-preset", "abm/default-preset: the default preset's name,"
                    + " UTF-8 text."),
            pinned("abm-namespace-v1", "abm/ns/vd-0002", "abm/ns/NAME: an active namespace (Namespace), JSON."),
            pinned("abm-namespace-v1-deleting", "abm/ns-deleting/0000000000000000", "abm/ns-deleting/ID (16 hex"
                    + " digits): a deleted namespace whose objects are being removed (Namespace), JSON."),
            pinned("abm-nsm-host-v1", "abm/nsm/nsm-1", "abm/nsm/ID: a namespace manager host (NsmHost), JSON; it"
                    + " counts the namespaces given to it, deleted ones until their objects are gone."),
            pinned("abm-work-v1", "abm/work/0000000000000000", "abm/work/ID (16 hex digits, queue order): a leased"
                    + " work item (WorkItem), JSON, its payload base64."),
            pinned("abm-osd-v1-dead", "abm/osd/" + DEAD_ID, "abm/osd/LONGID: an OSD marked dead (ClaimedOsd, state"
                    + " DEAD), JSON."),
            pinned("abm-work-v1-repair-osd", "abm/work/0000000000000001", "abm/work/ID: the repair-osd item that the"
                    + " OSD's death queued for namespace vd-0002 (WorkItem, not leased), JSON; its payload, base64,"
                    + " is the JSON {\"namespace\":\"vd-0002\",\"osd\":1}."),
            pinned("abm-counter-v1", "abm/next/ns", "abm/next/osd, abm/next/ns, abm/next/work: a counter, the next"
                    + " id to give out, decimal UTF-8 text (here abm/next/ns: 2)."),
            pinned("abm-key-current-v1", "abm/key-current/preset-default", "abm/key-current/OWNER: the owner's"
                    + " current key version, decimal UTF-8 text."));

    private static Map.Entry<String, Pinned> pinned(String golden, String key, String description) {
        return Map.entry(golden, new Pinned(key, description));
    }

    @BeforeAll
    static void runTheCommands() {
        AbmOperation abm = new AbmOperation();
        MapTransaction tx = new MapTransaction();
        run(abm, tx, "init", c -> c.addProperty("backendId", "backend-7f3a"));
        run(abm, tx, "add-nsm-host", c -> {
            c.addProperty("id", "nsm-1");
            c.addProperty("address", "10.0.0.1:8700");
        });
        run(abm, tx, "claim-osd", c -> c.add("osd", JSON.tree(new ClaimedOsd(0, LONG_ID, "node-1", "asd",
                List.of("10.0.0.5", "fd00::5"), 8600, ClaimedOsd.State.CLAIMED))));
        run(abm, tx, "create-preset", c -> c.add("preset", JSON.tree(PRESET)));
        run(abm, tx, "create-namespace", c -> c.addProperty("name", "vd-0001"));
        run(abm, tx, "create-namespace", c -> c.addProperty("name", "vd-0002"));
        run(abm, tx, "delete-namespace", c -> c.addProperty("name", "vd-0001"));
        run(abm, tx, "lease-work", c -> {
            c.addProperty("agent", "maintenance-1");
            c.addProperty("max", 10);
            c.addProperty("now", 1_700_000_000_000L);
            c.addProperty("leaseMillis", 60_000L);
        });
        run(abm, tx, "claim-osd", c -> c.add("osd", JSON.tree(new ClaimedOsd(0, DEAD_ID, "node-2", "asd",
                List.of("10.0.0.6"), 8601, ClaimedOsd.State.CLAIMED))));
        run(abm, tx, "mark-osd-dead", c -> c.addProperty("longId", DEAD_ID));
        WrappedKey second = KeyRecordTest.sample();
        WrappedKey first = new WrappedKey(second.owner(), 1, second.createdMillis() - 1000, second.keyLength(),
                second.wrapping(), second.kekId(), second.wrapped());
        run(abm, tx, "add-key", c -> c.add("key", JSON.tree(first)));
        run(abm, tx, "add-key", c -> c.add("key", JSON.tree(second)));
        STORE.putAll(tx.map);
    }

    private static void run(AbmOperation abm, MetadataTransaction tx, String command,
            java.util.function.Consumer<JsonObject> fields) {
        JsonObject c = new JsonObject();
        c.addProperty("command", command);
        fields.accept(c);
        abm.apply(tx, JSON.encode(c));
    }

    private static Bytes stored(String golden) {
        Bytes key = Bytes.utf8(PINNED.get(golden).key());
        Bytes value = STORE.get(key);
        if (value == null) {
            throw new AssertionError("the commands wrote no " + key.utf8() + "; they wrote " + STORE.keySet()
                    .stream().map(Bytes::utf8).toList());
        }
        return value;
    }

    @ParameterizedTest
    @ValueSource(strings = {"abm-backend-v1", "abm-osd-v1", "abm-preset-v1", "abm-default-preset-v1",
        "abm-namespace-v1", "abm-namespace-v1-deleting", "abm-nsm-host-v1", "abm-work-v1", "abm-counter-v1",
        "abm-key-current-v1", "abm-osd-v1-dead", "abm-work-v1-repair-osd"})
    void theAbmWritesTheGoldenBytes(String golden) {
        byte[] value = stored(golden).toByteArray();
        GoldenFile.of(golden).assertMatches(value, PINNED.get(golden).description() + "\nThe text: "
                + new String(value, java.nio.charset.StandardCharsets.UTF_8).replaceAll("\\P{Print}", "."));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abm-backend-v1", "abm-osd-v1", "abm-preset-v1", "abm-default-preset-v1",
        "abm-namespace-v1", "abm-namespace-v1-deleting", "abm-nsm-host-v1", "abm-work-v1", "abm-counter-v1",
        "abm-key-current-v1", "abm-osd-v1-dead", "abm-work-v1-repair-osd"})
    void theGoldenBytesReadBackAsTheRecord(String golden) {
        assertEquals(expected(golden), read(golden, Bytes.of(GoldenFile.of(golden).bytes())));
    }

    /** Records as the ABM stored them before records had a version (bare JSON): they still read as they did. */
    @ParameterizedTest
    @ValueSource(strings = {"abm-osd-v0", "abm-preset-v0", "abm-namespace-v0", "abm-namespace-v0-deleting",
        "abm-nsm-host-v0", "abm-work-v0"})
    void recordsStoredBeforeVersionsStillRead(String golden) {
        String now = golden.replace("-v0", "-v1");
        Bytes bare = Bytes.of(GoldenFile.of(golden).bytes());
        assertEquals('{', bare.toByteArray()[0]);
        assertEquals(expected(now), read(now, bare));
    }

    /** A stored JSON record: every flipped bit and every cut is an IntegrityException, never another record. */
    @ParameterizedTest
    @ValueSource(strings = {"abm-osd-v1", "abm-preset-v1", "abm-namespace-v1", "abm-nsm-host-v1", "abm-work-v1",
        "abm-osd-v1-dead", "abm-work-v1-repair-osd"})
    void everyFlipAndCutOfAJsonRecordIsDetected(String golden) {
        byte[] good = GoldenFile.of(golden).bytes();
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(IntegrityException.class, () -> read(golden, Bytes.of(bad)), golden + " bit " + bit);
        }
        for (int n = 0; n < good.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(good, n);
            assertThrows(IntegrityException.class, () -> read(golden, Bytes.of(cut)), golden + " cut to " + n);
        }
    }

    private static Object expected(String golden) {
        Object expected = switch (golden) {
            case "abm-backend-v1" -> "backend-7f3a";
            case "abm-osd-v1" -> OSD;
            case "abm-preset-v1" -> PRESET;
            case "abm-default-preset-v1" -> "default";
            case "abm-namespace-v1" -> NAMESPACE;
            case "abm-namespace-v1-deleting" -> DELETING;
            case "abm-nsm-host-v1" -> NSM_HOST;
            case "abm-work-v1" -> WORK;
            case "abm-osd-v1-dead" -> DEAD_OSD;
            case "abm-work-v1-repair-osd" -> REPAIR;
            case "abm-counter-v1" -> 2L;
            case "abm-key-current-v1" -> 2;
            default -> throw new IllegalArgumentException(golden);
        };
        return expected;
    }

    /** As AbmOperation and AlbaManagerService read them. */
    private static Object read(String golden, Bytes b) {
        Object read = switch (golden) {
            case "abm-backend-v1", "abm-default-preset-v1" -> b.utf8();
            case "abm-osd-v1", "abm-osd-v1-dead" -> JSON.fromRecord(b, ClaimedOsd.class);
            case "abm-preset-v1" -> JSON.fromRecord(b, Preset.class);
            case "abm-namespace-v1", "abm-namespace-v1-deleting" -> JSON.fromRecord(b, Namespace.class);
            case "abm-nsm-host-v1" -> JSON.fromRecord(b, NsmHost.class);
            case "abm-work-v1", "abm-work-v1-repair-osd" -> JSON.fromRecord(b, WorkItem.class);
            case "abm-counter-v1" -> Long.parseLong(b.utf8());
            case "abm-key-current-v1" -> Integer.parseInt(b.utf8());
            default -> throw new IllegalArgumentException(golden);
        };
        return read;
    }

    /**
     * A preset as the ABM stored it before presets named their object checksum: the same JSON without
     * "objectChecksum". It must still read, as a preset whose objects carry SHA-256 ({@link
     * Preset#OBJECT_CHECKSUM_BEFORE}).
     */
    @org.junit.jupiter.api.Test
    void aPresetStoredBeforeObjectChecksumsReadsAsSha256() {
        JsonObject before = JSON.tree(PRESET).getAsJsonObject();
        before.remove("objectChecksum");
        GoldenFile golden = GoldenFile.of("abm-preset-v0-before-object-checksum");
        golden.assertMatches(JSON.encode(before).toByteArray(), "abm/preset/NAME as written before presets had an"
                + " objectChecksum field (Preset), JSON.\nThe text: " + JSON.encode(before).utf8());
        Preset read = JSON.fromRecord(Bytes.of(golden.bytes()), Preset.class);
        assertEquals(PRESET, read);
        assertEquals(Preset.OBJECT_CHECKSUM_BEFORE, read.objectChecksum());
    }

    /** The backend's KEK id, hex text under abm/kek; and the wrapped key's record, which is key-record-v1. */
    @org.junit.jupiter.api.Test
    void theKekIdAndTheKeyRecordAreWhatTheyPin() {
        assertEquals("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                STORE.get(AbmOperation.KEK).utf8());
        assertEquals(Bytes.of(GoldenFile.of("key-record-v1").bytes()),
                STORE.get(Bytes.utf8("abm/key/preset-default@v2")));
    }
}
