package io.albireo.asd.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.albireo.api.Bytes;
import io.albireo.api.Update;

/**
 * The ASD's segment files: values share files, are read back exactly, free their space when superseded (a punched
 * hole, then the whole file), and what a crash leaves behind in them is freed at the next start, but only after a scan
 * of the keys that was certain. Readers racing overwrites never see a freed range. Old blob files stay readable.
 */
class SegmentsTest {
    private static final int THRESHOLD = 1024;

    @TempDir
    Path dir;

    private AsdStore open(long segmentBytes, boolean directIo) {
        return AsdStore.open(dir, new AsdStore.Settings(0, THRESHOLD, "fsync", 256, directIo,
                (int) Math.min(AsdStore.Settings.SEGMENT_VALUE_MAX, segmentBytes), segmentBytes));
    }

    private AsdStore open() {
        return open(AsdStore.Settings.SEGMENT_BYTES, true);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void valuesOfAnySizeShareSegmentsAndReadBackExactlyWholeAndBySlices(boolean directIo) {
        int a = DirectIo.ALIGNMENT;
        int[] sizes = {THRESHOLD + 1, a, a + 1, DirectIo.STAGING - 1, DirectIo.STAGING, 2 * DirectIo.STAGING + 4095,
            3 * DirectIo.STAGING + 1};
        try (AsdStore store = open(AsdStore.Settings.SEGMENT_BYTES, directIo)) {
            for (int size : sizes) {
                put(store, "k" + size, value(size, size));
            }
            assertEquals(1, store.segments().ids().size(), "every value in the one active segment");
            for (int size : sizes) {
                ByteBuffer v = value(size, size);
                assertEquals(v, store.get(key("k" + size)).orElseThrow(), size + " bytes");
                assertEquals(v, store.get(key("k" + size), true).orElseThrow(), size + " bytes read once");
                for (int offset : new int[] {0, 1, a - 1, a, size - 100, size - 1}) {
                    if (offset >= 0 && offset < size) {
                        int n = Math.min(5000, size - offset);
                        assertEquals(v.slice(offset, n), store.getSlice(key("k" + size), offset, 5000).orElseThrow(),
                                "5000 bytes at " + offset + " of " + size);
                    }
                }
            }
        }
        try (AsdStore store = open(AsdStore.Settings.SEGMENT_BYTES, directIo)) {
            for (int size : sizes) {
                assertEquals(value(size, size), store.get(key("k" + size)).orElseThrow(), size + " after reopening");
                assertEquals(value(size, size), store.get(key("k" + size), true).orElseThrow(),
                        size + " read once after reopening");
            }
            assertEquals(2, store.segments().ids().size(), "a start begins a new segment, the old one stays");
        }
        assertEquals(0, blobFiles(), "no value went to a blob file of its own");
    }

    @Test
    void supersededValuesAreFreedAndAnEmptySegmentIsRemoved() throws IOException {
        long segmentBytes = 256 * 1024; // two 100 KB values per segment
        try (AsdStore store = open(segmentBytes, true)) {
            for (int i = 0; i < 10; i++) {
                put(store, "k" + i, value(100_000, i));
            }
            List<Long> ids = store.segments().ids();
            assertEquals(5, ids.size(), "values roll over to new segments: " + ids);
            long live = store.segments().liveBytes();
            assertEquals(10 * DirectIo.padded(100_000), live);

            // k0 is the first value of the first segment: overwritten, its range reads as zeros on disk.
            put(store, "k0", value(100_000, 100));
            assertEquals(value(100_000, 100), store.get(key("k0")).orElseThrow());
            assertArrayEquals(new byte[100_000], readFile(segmentFile(ids.get(0)), 0, 100_000), "a punched hole");
            assertEquals(live, store.segments().liveBytes(), "freed one, wrote one");

            // k1 was the other value of the first segment: deleting it empties the segment, which goes.
            store.apply(List.of(), List.of(Update.delete(key("k1")))).join();
            assertFalse(Files.exists(segmentFile(ids.get(0))), "an empty, sealed segment is unlinked");
            for (int i = 2; i < 10; i++) {
                store.apply(List.of(), List.of(Update.delete(key("k" + i)))).join();
            }
            assertEquals(DirectIo.padded(100_000), store.segments().liveBytes(), "only k0's new value is live");
            assertEquals(1, store.segments().ids().size(), "only the active segment is left: "
                    + store.segments().ids());
        }
        try (AsdStore store = open(segmentBytes, true)) {
            assertEquals(value(100_000, 100), store.get(key("k0")).orElseThrow());
            assertEquals(java.util.Optional.empty(), store.get(key("k5")));
        }
    }

    @Test
    void orphansACrashLeftInTheLastSegmentsAreFreedAtTheNextStart() throws Exception {
        try (AsdStore store = open()) {
            for (int i = 0; i < 6; i++) {
                put(store, "k" + i, value(100_000, i));
            }
        }
        Path segment = segmentFile(0);
        long size = Files.size(segment);
        long k2At = 2 * DirectIo.padded(100_000);
        // As a crash between a value's write and its commit leaves it: k2's value with no key, and more at the end.
        deleteKeyBehindTheAsdsBack("k2");
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[200_000]).put(0, (byte) 1), size);
        }
        try (AsdStore store = open()) {
            assertEquals(size, Files.size(segment), "the orphaned tail is cut off");
            assertArrayEquals(new byte[100_000], readFile(segment, k2At, 100_000), "the orphan inside is freed");
            for (int i : new int[] {0, 1, 3, 4, 5}) {
                assertEquals(value(100_000, i), store.get(key("k" + i)).orElseThrow(), "k" + i + " is intact");
            }
            assertEquals(5 * DirectIo.padded(100_000), store.segments().liveBytes());
        }
    }

    @Test
    void aValueThatFailsItsChecksumFreesNothingInTheSegments() throws Exception {
        try (AsdStore store = open()) {
            for (int i = 0; i < 3; i++) {
                put(store, "k" + i, value(100_000, i));
            }
        }
        deleteKeyBehindTheAsdsBack("k1");
        AsdDatabase.with(dir, db -> db.put("bad".getBytes(StandardCharsets.UTF_8), new byte[] {0x13, 1, 2, 3}));
        long k1At = DirectIo.padded(100_000);
        try (AsdStore store = open()) {
            assertArrayEquals(value(100_000, 1).array(), readFile(segmentFile(0), k1At, 100_000),
                    "with a value unreadable, no range is known to be an orphan: k1's bytes stay");
            assertEquals(value(100_000, 2), store.get(key("k2")).orElseThrow());
        }
    }

    @Test
    void aValueReadOnceFromASegmentCutShortIsAnIntegrityErrorNotZeros() throws Exception {
        try (AsdStore store = open()) {
            put(store, "big", value(DirectIo.STAGING + 5000, 7));
            assertTrue(store.segments().directReads(), "this file system takes direct I/O");
            try (FileChannel ch = FileChannel.open(segmentFile(store.segments().ids().get(0)),
                    StandardOpenOption.WRITE)) {
                ch.truncate(DirectIo.STAGING / 2 + 100);
            }
            assertThrows(io.albireo.api.IntegrityException.class, () -> store.get(key("big"), true));
            assertThrows(io.albireo.api.IntegrityException.class, () -> store.get(key("big"), false));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void readsRacingOverwritesNeverReturnAFreedRange(boolean once) throws Exception {
        try (AsdStore store = open(4 << 20, true)) {
            put(store, "hot", pattern(0));
            AtomicBoolean stop = new AtomicBoolean();
            List<String> wrong = new CopyOnWriteArrayList<>();
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread r = new Thread(() -> {
                    while (!stop.get()) {
                        ByteBuffer whole = store.get(key("hot"), once).orElseThrow();
                        ByteBuffer slice = store.getSlice(key("hot"), 12_000, 4096).orElseThrow();
                        if (!isPattern(whole, 0) || !isPattern(slice, 12_000)) {
                            wrong.add("a read returned bytes of no value written");
                            return;
                        }
                    }
                });
                r.start();
                readers.add(r);
            }
            for (int i = 1; i < 2000; i++) {
                put(store, "hot", pattern(i)); // each overwrite frees the last one's range
            }
            stop.set(true);
            for (Thread r : readers) {
                r.join(30_000);
            }
            assertEquals(List.of(), wrong);
        }
    }

    @Test
    void blobFilesOfAnOlderAsdStayReadableAndNewValuesGoToSegments() {
        try (AsdStore old = AsdStore.open(dir, AsdStoreTest.files("fsync", true))) {
            put(old, "a", value(100_000, 1));
            put(old, "b", value(100_000, 2));
            put(old, "big", value(600_000, 5));
        }
        assertEquals(3, blobFiles());
        try (AsdStore store = open()) {
            assertEquals(value(100_000, 1), store.get(key("a")).orElseThrow());
            assertEquals(value(600_000, 5), store.get(key("big"), true).orElseThrow(), "a large blob, read once");
            put(store, "a", value(100_000, 3));
            put(store, "c", value(100_000, 4));
            assertEquals(value(100_000, 3), store.get(key("a")).orElseThrow());
            assertEquals(value(100_000, 2), store.get(key("b")).orElseThrow());
            assertEquals(2, blobFiles(), "a's old blob file went when a was overwritten; b's stays until b changes");
            assertEquals(2 * DirectIo.padded(100_000), store.segments().liveBytes());
        }
    }

    /**
     * A value whose every 4-byte word says which version it belongs to (high 12 bits) and where it is (low 20): large
     * enough to be read with direct I/O when read once.
     */
    private static ByteBuffer pattern(int version) {
        ByteBuffer b = ByteBuffer.allocate(DirectIo.DIRECT_READ_MIN + 20_000);
        for (int i = 0; i + 4 <= b.capacity(); i += 4) {
            b.putInt(i, version << 20 | i / 4);
        }
        return b;
    }

    /** @return whether the bytes are those at {@code offset} of one version's pattern */
    private static boolean isPattern(ByteBuffer bytes, int offset) {
        int version = bytes.getInt(0) >>> 20;
        for (int i = 0; i + 4 <= bytes.remaining(); i += 4) {
            if (bytes.getInt(i) != (version << 20 | (offset + i) / 4)) {
                return false;
            }
        }
        return version > 0 || bytes.getInt(4) == 1 + offset / 4; // all zeros is no version
    }

    private void deleteKeyBehindTheAsdsBack(String k) throws Exception {
        AsdDatabase.with(dir, db -> db.delete(k.getBytes(StandardCharsets.UTF_8)));
    }

    private Path segmentFile(long id) {
        return dir.resolve("segments").resolve(java.util.HexFormat.of().toHexDigits(id));
    }

    private static byte[] readFile(Path file, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (b.hasRemaining() && ch.read(b, offset + b.position()) >= 0) {
                // read on
            }
        }
        return b.array();
    }

    private long blobFiles() {
        try (Stream<Path> files = Files.walk(dir.resolve("blobs"))) {
            return files.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void put(AsdStore store, String key, ByteBuffer value) {
        store.apply(List.of(), List.of(Update.set(key(key), value.duplicate()))).join();
    }

    private static Bytes key(String k) {
        return Bytes.utf8(k);
    }

    private static ByteBuffer value(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return ByteBuffer.wrap(b);
    }
}
