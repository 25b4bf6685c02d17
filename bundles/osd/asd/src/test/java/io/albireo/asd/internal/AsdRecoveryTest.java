package io.albireo.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDB;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.Update;
import io.albireo.api.osd.OsdUnavailableException;

/**
 * What an ASD does with what it finds at start, and the edges of its lifecycle: it never deletes a blob because a
 * scan was uncertain, it sweeps orphans in bounded memory, a commit decided by its WAL record stands whatever fails
 * after it, a failed open leaves the disk openable, and close waits for the reads in flight.
 */
class AsdRecoveryTest {
    private static final int THRESHOLD = 1024;

    @TempDir
    Path dir;

    /** Blob files (segments off): the sweep of blob files is what most of these look at; SegmentsTest the rest. */
    private AsdStore open() {
        return AsdStore.open(dir, FILES);
    }

    private static final AsdStore.Settings FILES = new AsdStore.Settings(0, THRESHOLD, "fsync", 256, true, 0,
            AsdStore.Settings.SEGMENT_BYTES);

    @Test
    void aScanOfTheKeysThatEndsEarlyRemovesNoBlob() throws Exception {
        try (AsdStore store = open()) {
            for (int i = 0; i < 200; i++) {
                put(store, "k" + i, value(5000, i));
            }
        }
        long blobs = blobFiles();
        assertEquals(200, blobs);
        // Every key into an SST file, then a flipped byte in its first data block: a scan stops there with an error.
        AsdDatabase.with(dir, db -> db.flush(new FlushOptions().setWaitForFlush(true)));
        Path sst;
        try (Stream<Path> files = Files.list(dir.resolve("db"))) {
            sst = files.filter(f -> f.toString().endsWith(".sst")).findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(sst.toFile(), "rw")) {
            f.seek(100);
            int b = f.read();
            f.seek(100);
            f.write(b ^ 0xff);
        }

        OsdUnavailableException e = assertThrows(OsdUnavailableException.class, this::open);
        assertTrue(e.getMessage().contains("ended early") && e.getMessage().contains("no blob was removed"),
                e.getMessage());
        assertEquals(blobs, blobFiles(), "every blob is still there: a truncated scan proves nothing about them");
    }

    @Test
    void aValueThatFailsItsChecksumKeepsEveryBlobAndItsReadsFailClearly() throws Exception {
        try (AsdStore store = open()) {
            put(store, "good", value(5000, 1));
        }
        Path orphan = plantBlob(0x1234);
        AsdDatabase.with(dir, db -> {
            byte[] pointer = StoredValue.blob(7, 5000, 0);
            pointer[3] ^= 1; // its blob id can no longer be trusted
            db.put("bad".getBytes(StandardCharsets.UTF_8), pointer);
        });
        try (AsdStore store = open()) {
            assertTrue(Files.exists(orphan), "with a pointer unreadable, no blob is known to be an orphan");
            assertEquals(value(5000, 1), store.get(key("good")).orElseThrow());
            IntegrityException e = assertThrows(IntegrityException.class, () -> store.get(key("bad")));
            assertTrue(e.getMessage().contains("key " + key("bad")) && e.getMessage().contains(store.longId()),
                    e.getMessage());
        }
    }

    @Test
    void theSweepCoversEveryIdInWindowsOfBoundedSize() throws Exception {
        List<Path> live = new ArrayList<>();
        try (AsdStore store = open()) {
            for (int i = 0; i < 300; i++) {
                put(store, "k" + i, value(2000, i));
            }
            for (int i = 0; i < 300; i += 3) {
                store.apply(List.of(), List.of(Update.delete(key("k" + i)))).join();
            }
        }
        try (Stream<Path> files = Files.walk(dir.resolve("blobs"))) {
            files.filter(Files::isRegularFile).forEach(live::add);
        }
        assertEquals(200, live.size());
        // Orphans (ids of deleted keys: k0, k3, ...) in the first window, in later ones, and beyond every id in use.
        List<Path> orphans = List.of(plantBlob(0), plantBlob(69), plantBlob(150), plantBlob(297), plantBlob(5000));
        try (AsdStore store = AsdStore.open(dir, FILES, 64)) {
            for (Path o : orphans) {
                assertTrue(Files.notExists(o), "orphan " + o.getFileName() + " is removed");
            }
            for (Path l : live) {
                assertTrue(Files.exists(l), "live blob " + l.getFileName() + " is kept");
            }
            for (int i = 0; i < 300; i++) {
                if (i % 3 != 0) {
                    assertEquals(value(2000, i), store.get(key("k" + i)).orElseThrow());
                }
            }
            put(store, "after", value(3000, 9));
            assertEquals(value(3000, 9), store.get(key("after")).orElseThrow(), "new blobs take ids no file holds");
        }
    }

    @Test
    void aSupersededBlobThatCannotBeUnlinkedLeavesTheCommitStanding() throws Exception {
        try (AsdStore store = open()) {
            put(store, "x", value(5000, 1));
        }
        // Blob 0 holds x's value. A directory in its place cannot be deleted by Files.deleteIfExists.
        Path old = dir.resolve("blobs").resolve("00").resolve("0000000000000000");
        Files.delete(old);
        Files.createDirectory(old);
        Files.write(old.resolve("keep"), new byte[1]);
        try (AsdStore store = open()) {
            put(store, "x", value(6000, 2));
            assertEquals(value(6000, 2), store.get(key("x")).orElseThrow(), "the overwrite stands");
        }
        try (AsdStore store = open()) {
            assertEquals(value(6000, 2), store.get(key("x")).orElseThrow(), "and survives a restart");
            assertTrue(Files.isDirectory(old), "what could not be removed is left, and said so in the log");
        }
    }

    @Test
    void anOpenThatFailsAfterRocksDbOpenedLetsTheDiskBeOpenedAgain() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AsdStore.open(dir, new AsdStore.Settings(0, THRESHOLD, "fsynk", 256)));
        assertTrue(e.getMessage().contains("fsynk"), e.getMessage());
        try (AsdStore store = open()) {
            put(store, "a", value(10, 1));
            assertEquals(value(10, 1), store.get(key("a")).orElseThrow(), "RocksDB's lock was released");
        }
    }

    @Test
    void closeWaitsForTheReadsInFlightAndLaterOnesFailClearly() throws Exception {
        AsdStore store = open();
        put(store, "small", value(100, 1));
        put(store, "blob", value(200_000, 2));
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread reader = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        store.get(key("small"));
                        store.get(key("blob"));
                        store.range(io.albireo.api.KeyRange.prefix(key("")), 10, true, new boolean[1]);
                    } catch (OsdUnavailableException e) {
                        if (!e.getMessage().contains("stopping")) {
                            unexpected.add(e);
                        }
                    } catch (RuntimeException e) {
                        unexpected.add(e);
                    }
                }
            });
            reader.start();
            readers.add(reader);
        }
        Thread.sleep(200);
        store.close(); // on a freed database a read would crash this JVM
        Thread.sleep(100);
        stop.set(true);
        for (Thread r : readers) {
            r.join(10_000);
        }
        assertEquals(List.of(), unexpected);
        OsdUnavailableException late = assertThrows(OsdUnavailableException.class, () -> store.get(key("small")));
        assertTrue(late.getMessage().contains("stopping"), late.getMessage());
    }

    @Test
    void aBlobWhoseBytesChangedOnDiskIsNeverReturnedWhole() throws Exception {
        try (AsdStore store = open()) {
            put(store, "x", value(5000, 1));
        }
        Path blob = dir.resolve("blobs").resolve("00").resolve("0000000000000000");
        byte[] bytes = Files.readAllBytes(blob);
        bytes[4321] ^= 0x10;
        Files.write(blob, bytes);
        try (AsdStore store = open()) {
            IntegrityException e = assertThrows(IntegrityException.class, () -> store.get(key("x")));
            assertTrue(e.getMessage().contains("does not match its checksum"), e.getMessage());
            // A slice is checked by its reader (the chunk layout's frame checksums), not here.
            assertEquals(10, store.getSlice(key("x"), 0, 10).orElseThrow().remaining());
            Files.write(blob, new byte[100]); // torn: shorter than the pointer says
            assertInstanceOf(IntegrityException.class, assertThrows(RuntimeException.class,
                    () -> store.getSlice(key("x"), 4000, 10)));
        }
    }

    @Test
    void valuesStoredByEarlierAsdsInVersion0StayReadable() throws Exception {
        try (AsdStore store = open()) {
            put(store, "new", value(10, 1));
        }
        Path legacy = plantBlob(0x40);
        Files.write(legacy, value(3000, 5).array());
        AsdDatabase.with(dir, db -> {
            db.put("old-inline".getBytes(StandardCharsets.UTF_8), HexFormat.of().parseHex("00616263"));
            db.put("old-blob".getBytes(StandardCharsets.UTF_8),
                    ByteBuffer.allocate(17).put((byte) 1).putLong(0x40).putLong(3000).array());
        });
        try (AsdStore store = open()) {
            assertEquals(ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII)),
                    store.get(key("old-inline")).orElseThrow());
            assertEquals(value(3000, 5), store.get(key("old-blob")).orElseThrow());
            assertTrue(Files.exists(legacy), "a version 0 pointer keeps its blob");
            put(store, "old-inline", value(5, 2));
            assertEquals(value(5, 2), store.get(key("old-inline")).orElseThrow(), "and is rewritten as version 1");
        }
    }

    /** Writes a file where blob {@code id} would live, as a crash before its commit leaves one. */
    private Path plantBlob(long id) throws IOException {
        Path p = dir.resolve("blobs").resolve(HexFormat.of().toHexDigits((byte) (id >>> 8)))
                .resolve(HexFormat.of().toHexDigits(id));
        Files.write(p, new byte[1500]);
        return p;
    }

    private long blobFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dir.resolve("blobs"))) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    private static void put(AsdStore store, String key, ByteBuffer value) {
        store.apply(List.of(), List.of(Update.set(key(key), value))).join();
    }

    private static Bytes key(String k) {
        return Bytes.utf8(k);
    }

    private static ByteBuffer value(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }
}
