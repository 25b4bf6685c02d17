package io.albireo.volumedriver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.IntegrityException;
import io.albireo.api.volume.VDisk;
import io.albireo.api.volume.VolumeException;
import io.albireo.proxy.internal.Backend;

/**
 * One vDisk's volume on the real stack (the proxy over ASD stores, RocksDB maps, real files and fsyncs): what is
 * written reads back at any offset, through sealing, uploads and evictions; flushed writes survive a crash and a torn
 * TLog tail is cut; a vDisk with no local state restarts from the backend; trims make holes; a stale owner is fenced.
 * Every comparison is against a plain byte array written the same way.
 */
class VolumeTest {
    private static final int CLUSTER = 4096;
    private static final int SCO = 1 << 20;
    private static final long SIZE = 16L << 20;
    private static final String NS = "pool-disk";

    @TempDir
    Path dir;

    private Backend backend;
    private LbaMap map;
    private WriteBuffer buffer;
    private ExecutorService readers;
    private final byte[] model = new byte[(int) SIZE];
    private final Random random = new Random(7);

    @BeforeEach
    void start() {
        backend = new Backend(dir.resolve("backend"), 6, 0);
        backend.proxy.createNamespace(NS, null);
        readers = Executors.newFixedThreadPool(4);
        openMap();
    }

    private void openMap() {
        map = LbaMap.open(dir.resolve("wb").resolve("map"), LbaMap.Settings.DEFAULT);
        buffer = new WriteBuffer(dir.resolve("wb"), 4L * SCO);
    }

    @AfterEach
    void stop() throws Exception {
        map.close();
        readers.shutdownNow();
        backend.close();
    }

    private Volume open(String owner) {
        return Volume.open(new Volume.Layout("disk", 1, NS, CLUSTER, SCO, owner), SIZE, backend.proxy, map, buffer,
                new ReadCache(1 << 20), readers);
    }

    private void write(Volume v, long offset, int length) {
        byte[] data = new byte[length];
        random.nextBytes(data);
        v.write(offset, ByteBuffer.wrap(data), false).join();
        System.arraycopy(data, 0, model, (int) offset, length);
    }

    private void assertReadsBack(Volume v) {
        ByteBuffer all = v.read(0, (int) SIZE).join();
        int mismatch = ByteBuffer.wrap(model).mismatch(all);
        assertEquals(-1, mismatch, "the whole vDisk: the first byte that differs");
        for (int i = 0; i < 50; i++) {
            int offset = random.nextInt((int) SIZE - 1);
            int length = 1 + random.nextInt(Math.min(300_000, (int) SIZE - offset));
            assertEquals(ByteBuffer.wrap(model, offset, length), v.read(offset, length).join(),
                    length + " bytes at " + offset);
        }
    }

    @Test
    void writesAtAnyOffsetReadBackThroughSealsUploadsAndEvictions() {
        try (Volume v = open("a")) {
            assertEquals(ByteBuffer.allocate(10_000), v.read(5, 10_000).join(), "never written: zeros");
            write(v, 0, 3 * SCO + 5 * CLUSTER); // aligned, across SCOs
            write(v, 12345, 1); // a byte
            write(v, 8 * SCO - 100, 300); // unaligned, across a cluster border
            for (int i = 0; i < 200; i++) {
                long offset = random.nextInt((int) SIZE - 70_000);
                write(v, random.nextBoolean() ? offset / CLUSTER * CLUSTER : offset, 1 + random.nextInt(65_536));
            }
            write(v, 0, (int) SIZE); // everything once more: more SCOs than the write buffer holds
            assertReadsBack(v);
        }
        assertTrue(backend.proxy.stat(NS, Volume.scoName(1)).isPresent());
        assertTrue(backend.proxy.stat(NS, Volume.tlogName(1)).isPresent());
        try (Volume v = open("a")) {
            assertReadsBack(v);
            assertTrue(v.localScos().size() <= 4, "the write buffer holds at most 4 SCOs: " + v.localScos());
        }
    }

    @Test
    void flushedWritesSurviveACrashAndATornTailIsCut() throws IOException {
        Volume v = open("a");
        write(v, 0, 100 * CLUSTER);
        write(v, 5000, 7000);
        v.flush().join();
        byte[] flushed = model.clone();
        long sco = v.scos();
        v.write(200 * CLUSTER, ByteBuffer.wrap(new byte[CLUSTER]), false).join(); // not flushed
        v.crash();
        // A torn tail: half a record after the last one.
        Path tlog = dir.resolve("wb").resolve("disk").resolve("tlog").resolve(String.format("%016x", sco));
        long before = Files.size(tlog);
        try (FileChannel ch = FileChannel.open(tlog, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}));
        }
        map.close();
        openMap();
        try (Volume again = open("a")) {
            assertEquals(ByteBuffer.wrap(flushed, 0, 200 * CLUSTER), again.read(0, 200 * CLUSTER).join());
            assertEquals(before, Files.size(tlog), "the torn record was cut off");
        }
    }

    @Test
    void aVDiskWithNoLocalStateRestartsFromTheBackend() throws IOException {
        try (Volume v = open("a")) {
            write(v, 0, 3 * SCO);
            write(v, SCO / 2, 5000);
            v.trim(2L * SCO, SCO, false).join();
            java.util.Arrays.fill(model, 2 * SCO, 3 * SCO, (byte) 0);
        }
        map.close();
        assertEquals(List.of("owner", Volume.scoName(1), Volume.scoName(2), Volume.scoName(3), Volume.scoName(4),
                Volume.tlogName(1), Volume.tlogName(2), Volume.tlogName(3), Volume.tlogName(4)),
                backend.proxy.list(NS, "", null, 100).names(), "a close puts every SCO and TLog");
        deleteTree(dir.resolve("wb"));
        openMap();
        try (Volume v = open("a")) {
            assertReadsBack(v);
            assertEquals(List.of(), v.localScos(), "nothing local: every read came from the backend");
        }
    }

    @Test
    void trimsAndZeroesMakeHolesTheAllocationMapShows() {
        try (Volume v = open("a")) {
            write(v, 0, 64 * CLUSTER);
            v.trim(8 * CLUSTER + 100, 16 * CLUSTER, false).join(); // 15 whole clusters and two edges
            java.util.Arrays.fill(model, 8 * CLUSTER + 100, 24 * CLUSTER + 100, (byte) 0);
            assertEquals(ByteBuffer.wrap(model, 0, 70 * CLUSTER), v.read(0, 70 * CLUSTER).join());
            List<VDisk.Extent> extents = v.allocation(0, 70 * CLUSTER);
            assertEquals(List.of(new VDisk.Extent(0, 9L * CLUSTER, false),
                    new VDisk.Extent(9L * CLUSTER, 15L * CLUSTER, true),
                    new VDisk.Extent(24L * CLUSTER, 40L * CLUSTER, false),
                    new VDisk.Extent(64L * CLUSTER, 6L * CLUSTER, true)), extents);
        }
    }

    @Test
    void aFlippedBitIsNeverReturned() throws IOException {
        Path file;
        try (Volume v = open("a")) {
            write(v, 0, 10 * CLUSTER);
            v.flush().join();
            file = dir.resolve("wb").resolve("disk").resolve("sco").resolve(String.format("%016x", v.scos()));
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) (model[3 * CLUSTER + 7] ^ 0x10)}), 3 * CLUSTER + 7);
            }
            CompletionException e = assertThrows(CompletionException.class, () -> v.read(0, 10 * CLUSTER).join());
            assertInstanceOf(IntegrityException.class, e.getCause(), "not on the backend yet: an error, not bytes");
        }
    }

    @Test
    void aStaleOwnerIsFencedWhenAnotherOpensTheVDisk() {
        Volume stale = open("appliance-1");
        write(stale, 0, CLUSTER);
        // Another appliance takes the vDisk over (its own write buffer and map); the old one then fills an SCO.
        LbaMap otherMap = LbaMap.open(dir.resolve("other").resolve("map"), LbaMap.Settings.DEFAULT);
        try (Volume taker = Volume.open(new Volume.Layout("disk", 1, NS, CLUSTER, SCO, "appliance-2"), SIZE,
                backend.proxy, otherMap, new WriteBuffer(dir.resolve("other"), 4L * SCO), new ReadCache(0), readers)) {
            write(stale, 0, 2 * SCO); // seals an SCO, whose put fails the owner assert
            stale.close(30_000);
            assertTrue(backend.proxy.stat(NS, Volume.scoName(1)).isEmpty(), "the stale owner put no SCO");
            CompletionException e = assertThrows(CompletionException.class,
                    () -> stale.write(0, ByteBuffer.allocate(CLUSTER), false).join());
            assertInstanceOf(VolumeException.class, e.getCause());
            taker.write(0, ByteBuffer.allocate(CLUSTER), true).join();
        } finally {
            otherMap.close();
        }
    }

    @Test
    void outOfRangeRequestsFailAndChangeNothing() {
        try (Volume v = open("a")) {
            write(v, 0, CLUSTER);
            for (long[] bad : new long[][] {{-1, 10}, {SIZE - 10, 11}, {SIZE, 1}, {Long.MAX_VALUE, 2}}) {
                CompletionException e = assertThrows(CompletionException.class,
                        () -> v.write(bad[0], ByteBuffer.allocate((int) bad[1]), false).join());
                assertInstanceOf(IllegalArgumentException.class, e.getCause());
                assertThrows(CompletionException.class, () -> v.read(bad[0], (int) bad[1]).join());
            }
            assertEquals(ByteBuffer.wrap(model, 0, CLUSTER), v.read(0, CLUSTER).join());
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
