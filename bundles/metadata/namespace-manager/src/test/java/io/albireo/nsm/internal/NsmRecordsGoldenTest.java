package io.albireo.nsm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Digest;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.ManifestFormat;
import io.albireo.api.metadata.MapTransaction;
import io.albireo.api.metadata.NamespaceManager.NamespaceStatistics;
import io.albireo.api.metadata.NamespaceManager.OsdStatistics;
import io.albireo.api.metadata.NamespaceManager.Put;
import io.albireo.api.metadata.Policy;
import io.albireo.api.object.Overwrite;
import io.albireo.testing.golden.GoldenFile;

/**
 * Every value the namespace manager writes to the metadata store (docs/MANIFEST.md), pinned in golden files: taken
 * from what {@link ApplyOperation} itself writes for one apply of three puts into namespace 7, and read back as the
 * values they were written from. The manifest inside a manifest key's value is {@link ManifestFormat}'s (its own
 * golden files are in io.albireo.api); here it is pinned with the segment id before it and the version spliced in.
 */
class NsmRecordsGoldenTest {
    private static final long NAMESPACE = 7;
    private static final NsmKeys KEYS = new NsmKeys(NAMESPACE);
    private static final String RAW_ID_A = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";
    private static final String RAW_ID_B = "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

    /** What the apply leaves in the store. */
    private static final Map<Bytes, Bytes> STORE = new TreeMap<>();

    /** vol/a/000: two chunks of RS(2,1); OSD 0 holds fragment 0 of chunk 0 and fragment 2 of chunk 1. */
    static Manifest volA000() {
        return manifest("vol/a/000", RAW_ID_A, new int[][] {{0, 1, 300}, {1, 300, 0}});
    }

    /** vol/a/001: one chunk, shares "vol/a/00" with the name before it in the segment; one fragment unwritten. */
    static Manifest volA001() {
        return manifest("vol/a/001", RAW_ID_B, new int[][] {{1, 0, Manifest.Fragment.NOT_WRITTEN}});
    }

    /** vol/b: an object id that is not 32 lowercase hex digits, so the segment stores it as a string. */
    static Manifest volB() {
        return manifest("vol/b", "Legacy-Id-7", new int[][] {{0, 1, 300}});
    }

    private static Manifest manifest(String name, String objectId, int[][] osds) {
        List<Manifest.Chunk> chunks = new ArrayList<>();
        for (int[] chunk : osds) {
            List<Manifest.Fragment> fragments = new ArrayList<>();
            for (int osd : chunk) {
                fragments.add(new Manifest.Fragment(osd, Bytes.of(new byte[] {1, 2, 3, 4})));
            }
            chunks.add(new Manifest.Chunk(1000, 1000, 500, fragments));
        }
        return new Manifest(name, objectId, 0, 1000L * osds.length, Digest.of("crc32c", new byte[] {5, 6, 7, 8}),
                new Policy(2, 1, 2, 1), "none", "none", "", "crc32c", "rs", 4096, chunks);
    }

    @BeforeAll
    static void applyThreePuts() {
        MapTransaction tx = new MapTransaction();
        List<io.albireo.api.metadata.NamespaceManager.Change> changes = List.of(new Put(volB(), Overwrite.NONE),
                new Put(volA001(), Overwrite.NONE), new Put(volA000(), Overwrite.NONE));
        new ApplyOperation().apply(tx, ApplyCodec.encodeArgument(NAMESPACE, changes));
        STORE.putAll(tx.map);
    }

    private static Bytes stored(Bytes key) {
        Bytes value = STORE.get(key);
        if (value == null) {
            throw new AssertionError("the apply wrote no " + key + "; it wrote " + STORE.keySet());
        }
        return value;
    }

    // The manifest key's value: segment id and manifest.

    @Test
    void aManifestKeysValueIsPinned() {
        GoldenFile.of("nsm-manifest-value-v1").assertMatches(stored(KEYS.manifest("vol/a/000")).toByteArray(),
                "nsm/ID o NAME: the value of vol/a/000's manifest key in namespace 7: its reverse index segment (1)\n"
                + "and its manifest (ManifestFormat v1) as stored, version 1 spliced in.");
    }

    @Test
    void theGoldenManifestValueReadsBack() {
        NsmKeys.Stored s = NsmKeys.stored(Bytes.of(GoldenFile.of("nsm-manifest-value-v1").bytes()));
        assertEquals(1, s.segment());
        assertEquals(volA000().withVersion(1), s.manifest());
    }

    /** The manifest is checksummed; the segment id before it is not (see docs/FORMATS.md). */
    @Test
    void everyBitFlipAndTruncationOfTheGoldenManifestIsDetected() {
        byte[] value = GoldenFile.of("nsm-manifest-value-v1").bytes();
        int manifestAt = 1; // after the segment id, one varint byte
        for (int bit = manifestAt * 8; bit < value.length * 8; bit++) {
            byte[] flipped = value.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(IntegrityException.class, () -> NsmKeys.stored(Bytes.of(flipped)), "bit " + bit);
        }
        for (int n = 0; n < value.length; n++) {
            byte[] cut = Arrays.copyOf(value, n);
            assertThrows(IntegrityException.class, () -> NsmKeys.stored(Bytes.of(cut)), "length " + n);
        }
    }

    // A reverse index segment.

    @Test
    void aSegmentIsPinned() {
        GoldenFile.of("nsm-segment-v1").assertMatches(stored(KEYS.segment(0, 1)).toByteArray(),
                "nsm/ID f OSD SEGMENT: segment 1 of OSD 0's reverse index in namespace 7: vol/a/000 (raw object id,\n"
                + "fragments (0,0) and (1,2)), vol/a/001 (raw object id, fragment (0,1)), vol/b (a string object"
                + " id, fragment (0,0)).");
    }

    @Test
    void theGoldenSegmentReadsBack() {
        NavigableMap<String, Segment.Entry> entries = Segment.decode(Bytes.of(GoldenFile.of("nsm-segment-v1")
                .bytes())).entries();
        assertEquals(List.of("vol/a/000", "vol/a/001", "vol/b"), List.copyOf(entries.keySet()));
        assertEquals(RAW_ID_A, entries.get("vol/a/000").objectId());
        assertArrayEquals(new long[] {Segment.pair(0, 0), Segment.pair(1, 2)}, entries.get("vol/a/000").pairs());
        assertEquals(RAW_ID_B, entries.get("vol/a/001").objectId());
        assertArrayEquals(new long[] {Segment.pair(0, 1)}, entries.get("vol/a/001").pairs());
        assertEquals("Legacy-Id-7", entries.get("vol/b").objectId());
        assertArrayEquals(new long[] {Segment.pair(0, 0)}, entries.get("vol/b").pairs());
    }

    @Test
    void everyBitFlipAndTruncationOfTheGoldenSegmentIsDetected() {
        byte[] value = GoldenFile.of("nsm-segment-v1").bytes();
        for (int bit = 0; bit < value.length * 8; bit++) {
            byte[] flipped = value.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(IntegrityException.class, () -> Segment.decode(Bytes.of(flipped)), "bit " + bit);
        }
        for (int n = 0; n < value.length; n++) {
            byte[] cut = Arrays.copyOf(value, n);
            assertThrows(IntegrityException.class, () -> Segment.decode(Bytes.of(cut)), "length " + n);
        }
        assertThrows(IntegrityException.class, () -> Segment.decode(Bytes.of(Arrays.copyOf(value,
                value.length + 1))));
    }

    // The segment counter and the statistics.

    @Test
    void theSegmentCounterIsPinned() {
        GoldenFile.of("nsm-segment-counter-v1").assertMatches(stored(KEYS.segmentCounter()).toByteArray(),
                "nsm/ID c: namespace 7's segment counter, the last segment id given out (1).");
        assertEquals(1, ByteBuffer.wrap(GoldenFile.of("nsm-segment-counter-v1").bytes()).getLong());
    }

    @Test
    void theStatisticsArePinned() {
        GoldenFile.of("nsm-statistics-v1").assertMatches(stored(KEYS.statistics()).toByteArray(),
                "nsm/ID s: namespace 7's statistics: 3 objects, 4000 logical bytes, 5500 stored bytes (11 written"
                + " fragments of 500).");
        assertEquals(new NamespaceStatistics(3, 4000, 5500),
                ApplyOperation.statistics(Bytes.of(GoldenFile.of("nsm-statistics-v1").bytes())));
        byte[] golden = GoldenFile.of("nsm-statistics-v1").bytes();
        for (int n : new int[] {0, 8, 23, 25, 32}) {
            byte[] wrong = java.util.Arrays.copyOf(golden, n);
            org.junit.jupiter.api.Assertions.assertThrows(io.albireo.api.IntegrityException.class,
                    () -> ApplyOperation.statistics(Bytes.of(wrong)), n + " bytes");
        }
    }

    // What an OSD holds (version 1, checksummed; the statistics above are the older, unversioned kind).

    @Test
    void anOsdsStatisticsArePinned() {
        GoldenFile.of("nsm-osd-statistics-v1").assertMatches(stored(KEYS.osdStatistics(0)).toByteArray(),
                "nsm/ID u OSD: what OSD 0 holds of namespace 7: 4 fragments (vol/a/000's (0,0) and (1,2), vol/a/001's\n"
                + "(0,1), vol/b's (0,0)) of 500 bytes, 2000 bytes.");
        assertEquals(new OsdStatistics(4, 2000), OsdCounter.decode(Bytes.of(GoldenFile.of("nsm-osd-statistics-v1")
                .bytes())));
        // The other OSDs of the apply, and the bytes of all of them add up to the stored bytes.
        assertEquals(new OsdStatistics(4, 2000), OsdCounter.decode(stored(KEYS.osdStatistics(1))));
        assertEquals(new OsdStatistics(3, 1500), OsdCounter.decode(stored(KEYS.osdStatistics(300))));
        assertEquals(3, STORE.keySet().stream().filter(k -> k.startsWith(KEYS.osdStatistics())).count());
    }

    @Test
    void everyBitFlipTruncationAndOtherVersionOfTheGoldenOsdStatisticsIsRefused() {
        byte[] value = GoldenFile.of("nsm-osd-statistics-v1").bytes();
        for (int bit = 0; bit < value.length * 8; bit++) {
            byte[] flipped = value.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(IntegrityException.class, () -> OsdCounter.decode(Bytes.of(flipped)), "bit " + bit);
        }
        for (int n = 0; n < value.length; n++) {
            byte[] cut = Arrays.copyOf(value, n);
            assertThrows(IntegrityException.class, () -> OsdCounter.decode(Bytes.of(cut)), "length " + n);
        }
        // Checksummed right but not version 1, too long, or a negative count: refused, not guessed.
        assertThrows(IntegrityException.class, () -> OsdCounter.decode(resealed(value, b -> b[0] = 2)));
        assertThrows(IntegrityException.class, () -> OsdCounter.decode(resealed(Arrays.copyOf(value,
                value.length + 1), b -> { })));
        assertThrows(IntegrityException.class, () -> OsdCounter.decode(resealed(value, b -> b[1] = (byte) 0x80)));
        assertEquals(new OsdStatistics(4, 2000), OsdCounter.decode(resealed(value, b -> { })));
    }

    /** @return {@code value} changed by {@code change} (before its last 4 bytes) with its CRC32C computed anew */
    private static Bytes resealed(byte[] value, java.util.function.Consumer<byte[]> change) {
        byte[] b = value.clone();
        change.accept(b);
        NsmKeys.putCrc32c(b, 0, b.length - 4);
        return Bytes.of(b);
    }

    @Test
    void theOsdStatisticsKeyIsPinned() {
        GoldenFile.of("nsm-keys-v1-osd-statistics").assertMatches(KEYS.osdStatistics(300).toByteArray(),
                "The key of what OSD 300 holds of namespace 7 (beside nsm-keys-v1, which predates it).");
        Bytes key = Bytes.of(GoldenFile.of("nsm-keys-v1-osd-statistics").bytes());
        assertEquals(KEYS.osdStatistics(300), key);
        assertEquals(300, KEYS.osd(key));
        assertEquals(true, key.startsWith(KEYS.osdStatistics()));
        stored(key);
    }

    // The keys themselves: a changed layout would leave every stored value unreachable.

    @Test
    void theKeysArePinned() {
        List<Bytes> keys = List.of(KEYS.manifest("vol/a/000"), KEYS.segment(300, 1), KEYS.segmentCounter(),
                KEYS.statistics());
        for (Bytes k : keys) {
            stored(k);
        }
        GoldenFile.of("nsm-keys-v1").assertMatches(concat(keys), "The NSM's keys in namespace 7, one after the"
                + " other: vol/a/000's manifest key, the key of segment 1\nof OSD 300, the segment counter's key,"
                + " the statistics' key.");
    }

    @Test
    void theGoldenKeysReadBack() {
        ByteBuffer golden = ByteBuffer.wrap(GoldenFile.of("nsm-keys-v1").bytes());
        Bytes manifest = next(golden, 4 + 8 + 1 + "vol/a/000".length());
        Bytes segment = next(golden, 4 + 8 + 1 + 4 + 8);
        assertEquals("vol/a/000", KEYS.name(manifest));
        assertEquals(KEYS.manifest("vol/a/000"), manifest);
        assertEquals(1, KEYS.segmentId(segment));
        assertEquals(true, segment.startsWith(KEYS.fragmentsOn(300)));
        assertEquals(KEYS.segmentCounter(), next(golden, 4 + 8 + 1));
        assertEquals(KEYS.statistics(), next(golden, 4 + 8 + 1));
        assertEquals(0, golden.remaining());
    }

    private static Bytes next(ByteBuffer b, int length) {
        byte[] out = new byte[length];
        b.get(out);
        return Bytes.of(out);
    }

    private static byte[] concat(List<Bytes> parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Bytes p : parts) {
            out.writeBytes(p.toByteArray());
        }
        return out.toByteArray();
    }
}
