package io.albireo.nsm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.IntegrityException;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.ManifestSamples;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager.Delete;
import io.albireo.api.metadata.NamespaceManager.ObjectIndexEntry;
import io.albireo.api.metadata.NamespaceManager.Put;
import io.albireo.api.object.Overwrite;
import io.albireo.metadata.rocksdb.internal.RocksMetadataStore;
import io.albireo.testing.golden.GoldenFile;

/** The object index (docs/MANIFEST.md): kept by nsm.apply, backfilled for older namespaces, swept with tombstones. */
class ObjectIndexTest {
    private static final String NS = "ns";
    private static final NsmKeys KEYS = new NsmKeys(7);

    @TempDir
    Path dir;
    private RocksMetadataStore store;
    private NamespaceManagerService nsm;
    private final SplittableRandom random = new SplittableRandom(5);

    @BeforeEach
    void open() {
        ApplyOperation op = new ApplyOperation();
        store = RocksMetadataStore.open(dir, RocksMetadataStore.Settings.DEFAULT,
                name -> ApplyOperation.NAME.equals(name) ? op : null);
        Map<String, Namespace> known = Map.of(NS, new Namespace(NS, 7, "default", "local", Namespace.State.ACTIVE));
        nsm = new NamespaceManagerService(store, name -> Optional.ofNullable(known.get(name)));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private Manifest manifest(String name) {
        return ManifestSamples.example(name, random.nextLong());
    }

    private static Manifest withId(Manifest m, String id) {
        return new Manifest(m.name(), id, m.version(), m.size(), m.checksum(), m.policy(), m.compressor(),
                m.cipher(), m.keyId(), m.fragmentChecksum(), m.erasureCodec(), m.blockSize(), m.chunks());
    }

    /** @return every object index entry of the namespace, by object id */
    private Map<String, ObjectIndexEntry> index() {
        Map<String, ObjectIndexEntry> all = new HashMap<>();
        Bytes prefix = KEYS.objectIndex("00000000000000000000000000000000").slice(0, 13);
        for (Entry e : store.range(KeyRange.prefix(prefix), 1_000_000, false)) {
            Bytes id = e.key().slice(14, e.key().length());
            String objectId = e.key().byteAt(13) == 1 ? HexFormat.of().formatHex(id.toByteArray()) : id.utf8();
            all.put(objectId, ObjectIndex.decode(e.value()));
        }
        return all;
    }

    /** @return every current manifest's object id -> name */
    private Map<String, String> held() {
        Map<String, String> out = new HashMap<>();
        for (Entry e : store.range(KeyRange.prefix(KEYS.manifests()), 1_000_000, false)) {
            Manifest m = NsmKeys.stored(e.value()).manifest();
            out.put(m.objectId(), m.name());
        }
        return out;
    }

    private void assertIndexIsExact() {
        Map<String, ObjectIndexEntry> index = new HashMap<>(index());
        index.values().removeIf(ObjectIndexEntry::swept);
        Map<String, ObjectIndexEntry> expected = new HashMap<>();
        held().forEach((id, name) -> expected.put(id, ObjectIndex.held(name)));
        assertEquals(expected, index);
    }

    @Test
    void putsOverwritesRepairsAndDeletesKeepTheIndex() {
        Manifest a = nsm.put(NS, manifest("a"), Overwrite.NONE);
        assertTrue(nsm.objectIndexComplete(NS), "the namespace's first apply marks its index complete");
        assertEquals(Optional.of("a"), nsm.nameOf(NS, a.objectId()));
        Manifest a2 = nsm.put(NS, manifest("a"), Overwrite.previous(a.objectId()));
        assertEquals(Optional.empty(), nsm.nameOf(NS, a.objectId()));
        assertEquals(Optional.of("a"), nsm.nameOf(NS, a2.objectId()));
        // A repair keeps the id: the entry stays as it is.
        nsm.put(NS, a2, Overwrite.version(a2.objectId(), a2.version()));
        assertEquals(Optional.of("a"), nsm.nameOf(NS, a2.objectId()));
        assertIndexIsExact();
        nsm.delete(NS, "a", Overwrite.UNCONDITIONAL);
        assertEquals(Map.of(), nsm.objectIndex(NS, List.of(a.objectId(), a2.objectId())));
        assertEquals(Map.of(), index());
    }

    @Test
    void oneApplyOfSeveralChangesSeesItsOwnIndexWrites() {
        Manifest a1 = manifest("a");
        Manifest b = manifest("b");
        Manifest a2 = manifest("a");
        Manifest c = manifest("c");
        nsm.apply(NS, List.of(new Put(a1, Overwrite.NONE), new Put(b, Overwrite.NONE), new Put(a2,
                Overwrite.previous(a1.objectId())), new Delete("b", Overwrite.EXISTING), new Put(c, Overwrite.NONE),
                new Delete("c", Overwrite.EXISTING), new Put(withId(manifest("c"), c.objectId()),
                Overwrite.NONE)));
        assertEquals(Map.of(a2.objectId(), ObjectIndex.held("a"), c.objectId(), ObjectIndex.held("c")), index());
        assertIndexIsExact();
    }

    @Test
    void anIdSharedByTwoNamesStaysHeldUntilBothAreGone() {
        Manifest a = nsm.put(NS, manifest("a"), Overwrite.NONE);
        nsm.put(NS, withId(manifest("b"), a.objectId()), Overwrite.NONE);
        assertEquals(new ObjectIndexEntry(false, 2, ""), nsm.objectIndex(NS, List.of(a.objectId())).get(
                a.objectId()));
        assertEquals(Optional.empty(), nsm.nameOf(NS, a.objectId()), "not known for sure");
        nsm.delete(NS, "a", Overwrite.UNCONDITIONAL);
        assertEquals(new ObjectIndexEntry(false, 1, ""), nsm.objectIndex(NS, List.of(a.objectId())).get(
                a.objectId()));
        assertEquals(Set.of(), nsm.sweepObjectIds(NS, List.of(a.objectId())), "b still holds it");
        nsm.delete(NS, "b", Overwrite.UNCONDITIONAL);
        assertEquals(Map.of(), index());
    }

    @Test
    void aSweptIdIsNeverRegisteredAndAHeldOneIsNeverSwept() {
        Manifest a = nsm.put(NS, manifest("a"), Overwrite.NONE);
        Manifest late = manifest("late"); // a put whose fragments are written, its manifest not yet
        Manifest inFlight = manifest("in-flight");
        nsm.put(NS, inFlight, Overwrite.NONE); // registered before the sweep
        Set<String> swept = nsm.sweepObjectIds(NS, List.of(a.objectId(), late.objectId(), inFlight.objectId()));
        assertEquals(Set.of(late.objectId()), swept);
        assertEquals(Set.of(late.objectId()), nsm.sweepObjectIds(NS, List.of(late.objectId())), "idempotent");
        AssertFailedException refused = assertThrows(AssertFailedException.class, () -> nsm.apply(NS, List.of(
                new Put(manifest("x"), Overwrite.NONE), new Put(late, Overwrite.NONE))));
        assertEquals(1, refused.index());
        assertEquals(KEYS.objectIndex(late.objectId()), refused.key());
        assertEquals(Optional.empty(), nsm.get(NS, "late"));
        assertEquals(Optional.empty(), nsm.get(NS, "x"), "nothing of the apply was written");
        assertEquals(3, index().size());
        assertEquals(Optional.of("a"), nsm.nameOf(NS, a.objectId()));
    }

    /** Sweeps of the same ids at once (two agents' candidates of one object on two OSDs): each sees them swept. */
    @Test
    void concurrentSweepsOfTheSameIdsEachReturnThem() throws Exception {
        nsm.put(NS, manifest("a"), Overwrite.NONE);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ids.add(manifest("x").objectId());
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Set<String>>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                List<String> mine = new ArrayList<>(ids);
                java.util.Collections.shuffle(mine, new java.util.Random(t));
                results.add(pool.submit(() -> nsm.sweepObjectIds(NS, mine)));
            }
            for (Future<Set<String>> f : results) {
                assertEquals(Set.copyOf(ids), f.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    /** A namespace written before the index: its manifests and statistics, no index, no marker. */
    private List<Manifest> legacyNamespace(int n) {
        List<Manifest> all = new ArrayList<>();
        for (int i = 0; i < n; i += 10) {
            List<io.albireo.api.metadata.NamespaceManager.Change> batch = new ArrayList<>();
            for (int j = i; j < Math.min(n, i + 10); j++) {
                Manifest m = manifest(String.format("n%04d", j));
                all.add(m);
                batch.add(new Put(m, Overwrite.NONE));
            }
            nsm.apply(NS, batch);
        }
        List<Update> forget = new ArrayList<>();
        for (Entry e : store.range(KeyRange.prefix(KEYS.objectIndex(all.get(0).objectId()).slice(0, 13)),
                1_000_000, false)) {
            forget.add(Update.delete(e.key()));
        }
        forget.add(Update.delete(KEYS.objectIndexComplete()));
        store.apply(List.of(), forget);
        return all;
    }

    @Test
    void aNamespaceWrittenBeforeTheIndexIsIncompleteUntilBackfilledAndSweepsNothing() {
        List<Manifest> all = legacyNamespace(25);
        assertFalse(nsm.objectIndexComplete(NS));
        assertThrows(IllegalStateException.class, () -> nsm.sweepObjectIds(NS, List.of(all.get(0).objectId())));
        assertEquals(Map.of(), index());
        String cursor = null;
        int pages = 0;
        do {
            cursor = nsm.backfillObjectIndex(NS, cursor, 10);
            pages++;
            assertEquals(cursor == null, nsm.objectIndexComplete(NS));
        } while (cursor != null);
        assertEquals(3, pages);
        assertIndexIsExact();
        assertEquals(ObjectIndex.FROM_BACKFILL, ObjectIndex.markerOrigin(store.get(KEYS.objectIndexComplete())
                .orElseThrow()));
        // Done again (an agent resuming from an older checkpoint): nothing changes.
        Map<String, ObjectIndexEntry> before = index();
        assertEquals(null, nsm.backfillObjectIndex(NS, null, 100));
        assertEquals(before, index());
    }

    @Test
    void aBackfillRacingPutsOverwritesAndDeletesLeavesTheIndexExact() throws Exception {
        List<Manifest> all = legacyNamespace(300);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<Integer> writes = writer.submit(() -> {
            SplittableRandom r = new SplittableRandom(9);
            int n = 0;
            while (!stop.get() || n < 50) {
                String name = String.format("n%04d", r.nextInt(320));
                switch (r.nextInt(3)) {
                    case 0 -> nsm.put(NS, ManifestSamples.example(name, r.nextLong()), Overwrite.UNCONDITIONAL);
                    case 1 -> nsm.delete(NS, name, Overwrite.UNCONDITIONAL);
                    default -> nsm.get(NS, name).ifPresent(m -> nsm.put(NS, m, Overwrite.version(m.objectId(),
                            m.version()))); // a repair: the id kept
                }
                n++;
            }
            return n;
        });
        String cursor = null;
        do {
            cursor = nsm.backfillObjectIndex(NS, cursor, 7);
            Thread.yield();
        } while (cursor != null);
        stop.set(true);
        int n = writes.get();
        writer.shutdown();
        assertTrue(n >= 50);
        assertTrue(nsm.objectIndexComplete(NS));
        assertIndexIsExact();
        assertEquals(held().size(), index().size());
        assertTrue(all.size() > 0);
    }

    // Golden files: the entry, the tombstone, the marker and the keys.

    private static final String RAW_ID = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";

    @Test
    void theStoredFormsArePinned() {
        Bytes entry = ObjectIndex.encode(ObjectIndex.held("vol/a/000"));
        GoldenFile.of("nsm-object-index-v1").assertMatches(entry.toByteArray(),
                "nsm/ID i OBJECT-ID: the object index entry of an id that vol/a/000 holds (one name).");
        assertEquals(ObjectIndex.held("vol/a/000"), ObjectIndex.decode(Bytes.of(GoldenFile.of("nsm-object-index-v1")
                .bytes())));
        GoldenFile.of("nsm-object-index-v1-swept").assertMatches(ObjectIndex.encode(ObjectIndex.swept())
                .toByteArray(), "nsm/ID i OBJECT-ID: the tombstone of an object id swept as a put's leftover.");
        assertEquals(ObjectIndex.swept(), ObjectIndex.decode(Bytes.of(GoldenFile.of("nsm-object-index-v1-swept")
                .bytes())));
        GoldenFile.of("nsm-object-index-v1-shared").assertMatches(ObjectIndex.encode(new ObjectIndexEntry(false,
                2, "")).toByteArray(), "nsm/ID i OBJECT-ID: an object id two names hold, so no name is known for"
                + " sure.");
        assertEquals(new ObjectIndexEntry(false, 2, ""), ObjectIndex.decode(Bytes.of(GoldenFile.of(
                "nsm-object-index-v1-shared").bytes())));
        GoldenFile.of("nsm-object-index-marker-v1").assertMatches(ObjectIndex.marker(ObjectIndex.FROM_BACKFILL)
                .toByteArray(), "nsm/ID e: the object index is complete, since a backfill.");
        assertEquals(ObjectIndex.FROM_BACKFILL, ObjectIndex.markerOrigin(Bytes.of(GoldenFile.of(
                "nsm-object-index-marker-v1").bytes())));
        byte[] keys = concat(KEYS.objectIndex(RAW_ID), KEYS.objectIndex("Legacy-Id-7"), KEYS.objectIndexComplete());
        GoldenFile.of("nsm-keys-v1-object-index").assertMatches(keys, "The object index's keys in namespace 7, one"
                + " after the other: a raw (32 hex digits) object id's,\na string object id's (Legacy-Id-7), the"
                + " marker's (beside nsm-keys-v1, which predates them).");
    }

    @Test
    void theApplyWritesTheGoldenForms() {
        MapTransactionRun run = new MapTransactionRun();
        Manifest m = NsmRecordsGoldenTest.volA000();
        run.apply(List.of(new Put(m, Overwrite.NONE)));
        assertEquals(Bytes.of(GoldenFile.of("nsm-object-index-v1").bytes()), run.tx.map.get(KEYS.objectIndex(
                m.objectId())));
        assertEquals(ObjectIndex.FROM_FIRST_APPLY, ObjectIndex.markerOrigin(run.tx.map.get(
                KEYS.objectIndexComplete())));
        assertEquals(RAW_ID, m.objectId());
    }

    private static final class MapTransactionRun {
        final io.albireo.api.metadata.MapTransaction tx = new io.albireo.api.metadata.MapTransaction();

        void apply(List<io.albireo.api.metadata.NamespaceManager.Change> changes) {
            new ApplyOperation().apply(tx, ApplyCodec.encodeArgument(7, changes));
        }
    }

    @Test
    void everyBitFlipTruncationAndForgeryOfTheGoldenFormsIsRefused() {
        for (String name : List.of("nsm-object-index-v1", "nsm-object-index-v1-swept", "nsm-object-index-v1-shared",
                "nsm-object-index-marker-v1")) {
            byte[] value = GoldenFile.of(name).bytes();
            java.util.function.Consumer<byte[]> decode = name.contains("marker")
                    ? b -> ObjectIndex.markerOrigin(Bytes.of(b)) : b -> ObjectIndex.decode(Bytes.of(b));
            for (int bit = 0; bit < value.length * 8; bit++) {
                byte[] flipped = value.clone();
                flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                assertThrows(IntegrityException.class, () -> decode.accept(flipped), name + " bit " + bit);
            }
            for (int n = 0; n < value.length; n++) {
                byte[] cut = Arrays.copyOf(value, n);
                assertThrows(IntegrityException.class, () -> decode.accept(cut), name + " length " + n);
            }
            // Checksummed right, but another version or trailing bytes: refused, not guessed.
            assertThrows(IntegrityException.class, () -> decode.accept(resealed(value, b -> b[0] = 2)));
            assertThrows(IntegrityException.class, () -> decode.accept(resealed(Arrays.copyOf(value,
                    value.length + 1), b -> { })));
        }
        // A held entry of no name, a swept one with names, an unknown state.
        byte[] held = GoldenFile.of("nsm-object-index-v1").bytes();
        assertThrows(IntegrityException.class, () -> ObjectIndex.decode(Bytes.of(resealed(held, b -> b[2] = 0))));
        assertThrows(IntegrityException.class, () -> ObjectIndex.decode(Bytes.of(resealed(held, b -> b[1] = 2))));
        assertThrows(IntegrityException.class, () -> ObjectIndex.decode(Bytes.of(resealed(held, b -> b[1] = 3))));
    }

    private static byte[] resealed(byte[] value, java.util.function.Consumer<byte[]> change) {
        byte[] b = value.clone();
        change.accept(b);
        NsmKeys.putCrc32c(b, 0, b.length - 4);
        return b;
    }

    private static byte[] concat(Bytes... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Bytes p : parts) {
            out.writeBytes(p.toByteArray());
        }
        return out.toByteArray();
    }
}
