package io.albireo.asd.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.albireo.api.Assert;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.osd.OsdFullException;

class AsdStoreTest {
    private static final int THRESHOLD = 1024;

    @TempDir
    Path dir;

    private AsdStore open(String sync) {
        return AsdStore.open(dir, new AsdStore.Settings(0, THRESHOLD, sync, 256));
    }

    /** Every value over the threshold in a blob file of its own (segments off): what the blob tests look at. */
    private AsdStore openFiles(String sync, boolean directIo) {
        return AsdStore.open(dir, files(sync, directIo));
    }

    static AsdStore.Settings files(String sync, boolean directIo) {
        return new AsdStore.Settings(0, THRESHOLD, sync, 256, directIo, 0, AsdStore.Settings.SEGMENT_BYTES);
    }

    private static ByteBuffer random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }

    private static Bytes key(String k) {
        return Bytes.utf8(k);
    }

    private static void put(AsdStore store, String key, ByteBuffer value) {
        store.apply(List.of(), List.of(Update.set(key(key), value))).join();
    }

    private static Throwable failure(CompletableFuture<?> future) {
        try {
            future.join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected the future to fail");
    }

    /** Direct I/O pads the last block and cuts the padding off: odd sizes and values of several staging pieces. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void blobsOfAnySizeRoundTripWithAndWithoutDirectIo(boolean directIo) throws IOException {
        int[] sizes = {THRESHOLD + 1, DirectIo.ALIGNMENT, DirectIo.ALIGNMENT + 1, DirectIo.STAGING - 1,
            DirectIo.STAGING, 2 * DirectIo.STAGING + 4095, 3 * DirectIo.STAGING + 1};
        try (AsdStore store = openFiles("fsync", directIo)) {
            for (int size : sizes) {
                ByteBuffer value = random(size, size);
                put(store, "k" + size, value);
                assertEquals(value, store.get(key("k" + size)).orElseThrow(), size + " bytes");
                assertEquals(value.slice(size - 100, 100), store.getSlice(key("k" + size), size - 100, 100)
                        .orElseThrow(), "the last 100 of " + size + " bytes");
            }
        }
        try (Stream<Path> files = Files.walk(dir.resolve("blobs"))) {
            List<Long> lengths = files.filter(Files::isRegularFile).map(f -> f.toFile().length()).sorted().toList();
            assertEquals(Arrays.stream(sizes).asLongStream().boxed().sorted().toList(), lengths,
                    "every blob file is exactly as long as its value, padding cut off");
        }
        try (AsdStore store = openFiles("fsync", directIo)) {
            for (int size : sizes) {
                assertEquals(random(size, size), store.get(key("k" + size)).orElseThrow(), size + " after reopening");
            }
        }
    }

    /**
     * Slices of blobs written with and without direct I/O (the last block padded, then cut off): every offset and length
     * near a block edge or the end returns exactly the value's bytes.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void slicesOfBlobsAtEveryEdgeWithAndWithoutDirectIo(boolean directIo) {
        int a = DirectIo.ALIGNMENT;
        try (AsdStore store = openFiles("fsync", directIo)) {
            for (int size : new int[] {3 * a + 100, 200_000}) {
                ByteBuffer value = random(size, size);
                put(store, "k" + size, value);
                for (int offset : new int[] {0, 1, a - 1, a, a + 1, size - a, size - 5000, size - 1, size}) {
                    for (int length : new int[] {0, 1, a, 2 * a + 1, 65_536, 65_537}) {
                        int n = Math.min(length, size - offset);
                        assertEquals(value.slice(offset, n), store.getSlice(key("k" + size), offset, length)
                                .orElseThrow(), length + " bytes at " + offset + " of " + size);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fsync", "syncfs"})
    void valuesRoundTripInlineAndAsBlobs(String sync) {
        try (AsdStore store = openFiles(sync, true)) {
            for (int size : new int[] {0, 1, THRESHOLD, THRESHOLD + 1, 1 << 20}) {
                ByteBuffer value = random(size, size);
                put(store, "k" + size, value);
                assertEquals(value, store.get(key("k" + size)).orElseThrow(), size + " bytes");
            }
            assertEquals(Optional.empty(), store.get(key("absent")));
            assertEquals(2L, blobCount(), "values over the threshold are files, the others are not");
        }
    }

    @Test
    void aPartialGetReadsOnlyTheRangeAndStopsAtTheEnd() {
        try (AsdStore store = open("fsync")) {
            ByteBuffer big = random(100_000, 1);
            ByteBuffer small = random(100, 2);
            put(store, "big", big);
            put(store, "small", small);
            assertEquals(big.slice(40_000, 4096), store.getSlice(key("big"), 40_000, 4096).orElseThrow());
            assertEquals(small.slice(10, 20), store.getSlice(key("small"), 10, 20).orElseThrow());
            assertEquals(big.slice(99_000, 1000), store.getSlice(key("big"), 99_000, 4096).orElseThrow(),
                    "a slice past the end returns the bytes that exist");
            assertEquals(0, store.getSlice(key("big"), 200_000, 10).orElseThrow().remaining());
            assertEquals(Optional.empty(), store.getSlice(key("absent"), 0, 10));
        }
    }

    @Test
    void assertsDecideAndAFailedOneChangesNothing() {
        try (AsdStore store = openFiles("fsync", true)) {
            ByteBuffer v1 = random(5000, 1);
            store.apply(List.of(Assert.absent(key("a"))), List.of(Update.set(key("a"), v1))).join();
            Throwable e = failure(store.apply(List.of(Assert.absent(key("a"))),
                    List.of(Update.set(key("a"), random(10, 2)), Update.set(key("b"), random(10, 3)))));
            assertInstanceOf(AssertFailedException.class, e);
            assertEquals(0, ((AssertFailedException) e).index());
            assertEquals(v1, store.get(key("a")).orElseThrow());
            assertEquals(Optional.empty(), store.get(key("b")), "nothing of a refused apply is applied");

            e = failure(store.apply(List.of(Assert.absent(key("z")), Assert.value(key("a"), random(5000, 9))),
                    List.of(Update.delete(key("a")))));
            assertEquals(1, ((AssertFailedException) e).index(), "a blob value compared byte for byte");
            store.apply(List.of(Assert.value(key("a"), v1)), List.of(Update.delete(key("a")))).join();
            assertEquals(Optional.empty(), store.get(key("a")));
            assertEquals(0L, blobCount(), "a deleted blob's file is gone, and so are the refused applies' files");
        }
    }

    @Test
    void concurrentCompareAndSetLosesNoUpdate() throws Exception {
        try (AsdStore store = open("fsync")) {
            put(store, "counter", counter(0));
            AtomicInteger wins = new AtomicInteger();
            ExecutorService clients = Executors.newFixedThreadPool(16);
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                futures.add(clients.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        while (true) {
                            ByteBuffer seen = store.get(key("counter")).orElseThrow();
                            int n = seen.getInt(seen.position());
                            try {
                                store.apply(List.of(Assert.value(key("counter"), seen)),
                                        List.of(Update.set(key("counter"), counter(n + 1)))).join();
                                wins.incrementAndGet();
                                break;
                            } catch (CompletionException e) {
                                assertInstanceOf(AssertFailedException.class, e.getCause());
                            }
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            clients.shutdown();
            assertEquals(400, wins.get());
            assertEquals(400, store.get(key("counter")).orElseThrow().getInt(0), "every increment counted once");
        }
    }

    @Test
    void anApplyIsAtomicAndOverwritingABlobUnlinksTheOldOne() {
        try (AsdStore store = openFiles("fsync", true)) {
            put(store, "x", random(5000, 1));
            store.apply(List.of(), List.of(Update.set(key("x"), random(6000, 2)), Update.set(key("y"),
                    random(7000, 3)), Update.set(key("x"), random(8000, 4)))).join();
            assertEquals(random(8000, 4), store.get(key("x")).orElseThrow(), "the last update of a key wins");
            assertEquals(random(7000, 3), store.get(key("y")).orElseThrow());
            assertEquals(2L, blobCount(), "the overwritten and the superseded blobs are gone");
            assertEquals(1 + 8000 + 1 + 7000, store.diskUsage().used(), "usage counts keys and the last values");
        }
    }

    @Test
    void blobsOrphanedByACrashAreRemovedAtStartAndDataSurvivesReopening() throws IOException {
        String id;
        try (AsdStore store = openFiles("syncfs", true)) {
            id = store.longId();
            put(store, "kept", random(50_000, 1));
        }
        Path orphan = dir.resolve("blobs").resolve("12").resolve("00000000000012ff");
        Files.write(orphan, new byte[1000]);
        Path misplaced = dir.resolve("blobs").resolve("ff").resolve("00000000000000ff");
        Files.write(misplaced, new byte[10]);
        Files.write(dir.resolve("blobs").resolve("01").resolve("junk.tmp"), new byte[10]);
        try (AsdStore store = openFiles("syncfs", true)) {
            assertEquals(id, store.longId(), "the long id is the disk's, kept across restarts");
            assertEquals(random(50_000, 1), store.get(key("kept")).orElseThrow());
            assertFalse(Files.exists(orphan), "the orphan is removed");
            assertTrue(Files.exists(misplaced), "a file that is not a blob where it lies is kept for an operator");
            assertTrue(Files.exists(dir.resolve("blobs").resolve("01").resolve("junk.tmp")), "so is any other file");
            assertEquals(3L, blobCount(), "the blob, and the two files that are not blobs");
            assertEquals(4 + 50_000, store.diskUsage().used());
        }
    }

    @Test
    void aFullAsdRefusesNewDataButAcceptsDeletes() {
        try (AsdStore store = AsdStore.open(dir, new AsdStore.Settings(100_000, THRESHOLD, "fsync", 16))) {
            put(store, "a", random(60_000, 1));
            Throwable e = failure(store.apply(List.of(), List.of(Update.set(key("b"), random(40_000, 2)))));
            assertInstanceOf(OsdFullException.class, e);
            assertTrue(e.getMessage().contains("accepts only applies that free space"), e.getMessage());
            assertEquals(Optional.empty(), store.get(key("b")));
            store.apply(List.of(), List.of(Update.delete(key("a")))).join();
            put(store, "b", random(40_000, 2));
            assertEquals(random(40_000, 2), store.get(key("b")).orElseThrow());
        }
    }

    @Test
    void rangesListInOrderWithinBoundsAndSayWhetherMoreFollow() {
        try (AsdStore store = open("fsync")) {
            for (String k : List.of("a/1", "a/2", "a/3", "b/1")) {
                put(store, k, random(k.equals("a/2") ? 3000 : 10, k.hashCode()));
            }
            boolean[] more = {false};
            List<Entry> page = store.range(KeyRange.prefix(key("a/")), 2, true, more);
            assertEquals(List.of(key("a/1"), key("a/2")), page.stream().map(Entry::key).toList());
            assertTrue(more[0]);
            assertArrayEquals(random(3000, "a/2".hashCode()).array(), page.get(1).value().toByteArray());
            more[0] = false;
            page = store.range(new KeyRange(key("a/2"), key("b/1")), 10, false, more);
            assertEquals(List.of(key("a/2"), key("a/3")), page.stream().map(Entry::key).toList());
            assertFalse(more[0]);
            assertEquals(null, page.get(0).value());
        }
    }

    private long blobCount() {
        try (Stream<Path> files = Files.walk(dir.resolve("blobs"))) {
            return files.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static ByteBuffer counter(int n) {
        return ByteBuffer.allocate(4).putInt(0, n);
    }
}
