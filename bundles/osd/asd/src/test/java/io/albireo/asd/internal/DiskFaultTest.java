package io.albireo.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.api.osd.OsdFullException;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.testing.powerloss.PowerLossFileSystem;
import io.albireo.testing.powerloss.PowerLossMount;
import io.albireo.testing.powerloss.PowerLossFileSystem.Operation;

/**
 * Disk faults under an ASD, injected by the power-loss file system ({@link PowerLossFileSystem#fail}): EIO on its
 * blob writes, its syncs and its RocksDB files, and a disk that fills up. Each gives the client a clear error and
 * never loses or tears an acknowledged write (checked by opening the disk again afterwards); reads go on; a full disk
 * refuses new data and still accepts deletes.
 *
 * <p>The faults come from the file system rather than from libfiu's LD_PRELOAD wrappers: those fail a system call
 * for every descriptor of the process, the JVM's sockets and logs included, where this fails one disk's files only.
 */
class DiskFaultTest {
    private static final int THRESHOLD = 16 * 1024;

    @RegisterExtension
    final PowerLossMount disk = new PowerLossMount();
    private AsdStore store;
    private final Map<String, ByteBuffer> acknowledged = new LinkedHashMap<>();

    private PowerLossFileSystem fs;

    @BeforeEach
    void start() throws IOException {
        fs = disk.fs();
        store = open();
        for (int i = 0; i < 20; i++) {
            put("before-" + i, value(i % 2 == 0 ? 100 : 100_000, i)); // inline and in segments
        }
    }

    @AfterEach
    void stop() {
        if (store != null) {
            store.close();
        }
    }

    private AsdStore open() {
        return AsdStore.open(disk.mountPoint().resolve("asd"), new AsdStore.Settings(0, THRESHOLD, "fsync", 64));
    }

    @Test
    void eioOnSegmentWritesFailsThoseAppliesClearlyWhileSmallOnesAndReadsGoOn() throws Exception {
        fs.fail(Operation.WRITE, "EIO", "asd/segments");
        Throwable e = failure("blob", value(100_000, 1));
        assertInstanceOf(OsdUnavailableException.class, e);
        assertTrue(e.getMessage().contains("cannot write a value"), e.getMessage());
        put("small", value(100, 2));
        checkAcknowledged();
        fs.clearFaults();
        put("blob", value(100_000, 1));
        reopenAndCheck();
    }

    @Test
    void eioOnSegmentSyncsFailsThoseAppliesAndLosesNothing() throws Exception {
        List<Long> before = store.segments().ids();
        fs.fail(Operation.FSYNC, "EIO", "asd/segments");
        Throwable e = failure("blob", value(100_000, 3));
        assertInstanceOf(OsdUnavailableException.class, e);
        checkAcknowledged();
        fs.clearFaults();
        // Linux may drop the pages of a failed fdatasync and report it once: the segment is never synced again.
        assertTrue(store.segments().ids().get(store.segments().ids().size() - 1) > before.get(before.size() - 1),
                "a new segment after the failed sync: " + before + " then " + store.segments().ids());
        put("blob", value(100_000, 3));
        reopenAndCheck();
    }

    @Test
    void eioOnRocksDbFailsAppliesAsUnknownKeepsReadsAndTheDiskOpensAfterwards() throws Exception {
        fs.fail(Operation.WRITE, "EIO", "asd/db");
        Throwable e = failure("k", value(100, 4));
        assertInstanceOf(OsdUnavailableException.class, e);
        assertTrue(e.getMessage().contains("unknown") || e.getMessage().contains("commit"), e.getMessage());
        checkAcknowledged();
        fs.fail(Operation.FSYNC, "EIO", "asd/db");
        assertInstanceOf(OsdUnavailableException.class, failure("k2", value(100_000, 5)));
        checkAcknowledged();
        fs.clearFaults();
        reopenAndCheck();
        put("after", value(100_000, 6));
        reopenAndCheck();
    }

    @Test
    void aFullDiskRefusesNewDataAndStillAcceptsDeletes() throws Exception {
        // The file system is made just large enough for what is there: under 1% free.
        fs.capacity(fsUsed() + 20_000);
        Throwable e = failure("more", value(100_000, 7));
        assertInstanceOf(OsdFullException.class, e);
        store.apply(List.of(), List.of(Update.delete(Bytes.utf8("before-1")))).join();
        acknowledged.remove("before-1");
        checkAcknowledged();
        fs.unlimitedCapacity();
        put("more", value(100_000, 7));
        reopenAndCheck();
    }

    @Test
    void enospcOnASegmentWriteIsAFullAnswerAndLosesNothing() throws Exception {
        fs.fail(Operation.WRITE, "ENOSPC", "asd/segments");
        Throwable e = failure("blob", value(100_000, 8));
        assertInstanceOf(OsdFullException.class, e);
        assertTrue(e.getMessage().contains("full"), e.getMessage());
        store.apply(List.of(), List.of(Update.delete(Bytes.utf8("before-3")))).join();
        acknowledged.remove("before-3");
        fs.clearFaults();
        reopenAndCheck();
    }

    /** @return the bytes the disk holds now (the daemon recounts them when a capacity is set) */
    private long fsUsed() throws IOException {
        fs.capacity(1L << 50);
        return fs.stats().usedBytes();
    }

    private void put(String key, ByteBuffer value) {
        store.apply(List.of(), List.of(Update.set(Bytes.utf8(key), value.duplicate()))).join();
        acknowledged.put(key, value);
    }

    private Throwable failure(String key, ByteBuffer value) {
        try {
            store.apply(List.of(), List.of(Update.set(Bytes.utf8(key), value))).join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("the apply of " + key + " succeeded under the fault");
    }

    private void checkAcknowledged() {
        for (Map.Entry<String, ByteBuffer> e : acknowledged.entrySet()) {
            assertEquals(e.getValue(), store.get(Bytes.utf8(e.getKey())).orElseThrow(), e.getKey() + " reads back");
        }
    }

    private void reopenAndCheck() {
        store.close();
        store = open();
        checkAcknowledged();
    }

    private static ByteBuffer value(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return ByteBuffer.wrap(b);
    }
}
