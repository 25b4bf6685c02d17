package io.albireo.testing.powerloss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.sun.nio.file.ExtendedOpenOption;

/** File data is durable after fsync or fdatasync of its file, and after nothing else. */
class DataDurabilityTest extends MountedTest {

    @Test
    void dataNotSyncedIsGoneAfterTheCut() throws IOException {
        Path file = root.resolve("f");
        writeDurable(file, "durable");
        write(file, "pending and longer");

        assertEquals("pending and longer", read(file));
        cutAndRemount();

        assertEquals("durable", read(root.resolve("f")));
    }

    @Test
    void fsyncedDataStays() throws IOException {
        Path file = root.resolve("f");
        writeDurable(file, "one");
        Files.writeString(file, "+two", StandardOpenOption.APPEND);
        fsync(file);

        cutAndRemount();

        assertEquals("one+two", read(root.resolve("f")));
    }

    @Test
    void fdatasyncIsEnough() throws IOException {
        Path file = root.resolve("f");
        writeDurable(file, "");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap("data".getBytes(StandardCharsets.UTF_8)));
            channel.force(false);
        }

        cutAndRemount();

        assertEquals("data", read(root.resolve("f")));
    }

    @Test
    void closeFlushAndReopenMakeNothingDurable() throws IOException {
        Path file = root.resolve("f");
        writeDurable(file, "durable");
        write(file, "closed, not synced");
        assertEquals("closed, not synced", read(file));

        cutAndRemount();

        assertEquals("durable", read(root.resolve("f")));
    }

    /**
     * Random writes (holes included) and truncates, down and up, with a model of the bytes beside them: every read
     * and every size sees the pending state, and the cut leaves what the last fsync wrote.
     */
    @Test
    void pendingDataIsWhatReadsAndSizesSeeAndTheLastFsyncIsWhatStays() throws IOException {
        Random random = new Random(7);
        Path file = root.resolve("f");
        writeDurable(file, "");
        byte[] model = new byte[0];
        byte[] synced = null;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (int step = 0; step < 400; step++) {
                int choice = random.nextInt(20);
                if (choice < 14) {
                    int off = random.nextInt(model.length + 3000);
                    byte[] data = new byte[1 + random.nextInt(random.nextBoolean() ? 100 : 20_000)];
                    random.nextBytes(data);
                    channel.write(ByteBuffer.wrap(data), off);
                    if (off + data.length > model.length) {
                        model = Arrays.copyOf(model, off + data.length);
                    }
                    System.arraycopy(data, 0, model, off, data.length);
                } else if (choice < 18) {
                    int size = random.nextInt(model.length + 5000);
                    if (size < model.length) {
                        channel.truncate(size);
                    } else {
                        // FileChannel.truncate never grows a file; RandomAccessFile.setLength is ftruncate either way
                        try (RandomAccessFile grow = new RandomAccessFile(file.toFile(), "rw")) {
                            grow.setLength(size);
                        }
                    }
                    model = Arrays.copyOf(model, size);
                } else if (choice == 18) {
                    channel.force(true);
                    synced = model.clone();
                } else {
                    assertArrayEquals(model, Files.readAllBytes(file), "step " + step);
                }
                assertEquals(model.length, channel.size(), "size seen by fstat, step " + step);
                assertEquals(model.length, Files.size(file), "size seen by stat, step " + step);
            }
            assertArrayEquals(model, readAll(channel));
        }
        assertTrue(synced != null && fs.stats().pendingWrites() > 0, "the random walk should sync and then write");

        cutAndRemount();

        assertArrayEquals(synced, Files.readAllBytes(root.resolve("f")));
    }

    private static byte[] readAll(FileChannel channel) throws IOException {
        ByteBuffer all = ByteBuffer.allocate((int) channel.size());
        while (all.hasRemaining() && channel.read(all, all.position()) > 0) {
            // read on
        }
        return all.array();
    }

    /** O_APPEND writes go where the kernel puts them: at the size getattr reports, pending data included. */
    @Test
    void appendsLandAtThePendingEnd() throws IOException {
        Path file = root.resolve("log");
        writeDurable(file, "a");
        for (String part : new String[] {"b", "cc", "ddd"}) {
            Files.writeString(file, part, StandardOpenOption.APPEND);
        }

        assertEquals("abccddd", read(file));
        assertEquals(7, Files.size(file));
        cutAndRemount();
        assertEquals("a", read(root.resolve("log")));
    }

    /** The kernel follows each O_DSYNC (and O_SYNC) write with an fsync of its own: nothing is left pending. */
    @Test
    void dsyncWritesAreDurableWhenTheyReturn() throws IOException {
        Path file = root.resolve("f");
        writeDurable(file, "");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.DSYNC)) {
            channel.write(ByteBuffer.wrap("synchronous".getBytes(StandardCharsets.UTF_8)));
        }
        assertEquals(0, fs.stats().pendingWrites());

        cutAndRemount();

        assertEquals("synchronous", read(root.resolve("f")));
    }

    /** O_DIRECT opens work (programs probe it) and its writes wait for fsync like any other, like a disk's cache. */
    @Test
    void directIoWorksAndWaitsForFsync() throws IOException {
        Path lost = root.resolve("lost");
        Path kept = root.resolve("kept");
        int block = Math.toIntExact(Files.getFileStore(root).getBlockSize());
        ByteBuffer buffer = ByteBuffer.allocateDirect(block * 3).alignedSlice(block);
        buffer.limit(block);
        for (Path file : new Path[] {lost, kept}) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
                buffer.clear().limit(block);
                while (buffer.hasRemaining()) {
                    buffer.put((byte) 'x');
                }
                buffer.flip();
                assertEquals(block, channel.write(buffer, 0));
                buffer.clear().limit(block);
                assertEquals(block, channel.read(buffer, 0));
                assertEquals('x', buffer.get(block - 1));
                if (file == kept) {
                    channel.force(true);
                }
            }
        }
        syncDirectory(root);

        cutAndRemount();

        assertEquals(0, Files.size(root.resolve("lost")));
        assertEquals(block, Files.size(root.resolve("kept")));
    }

    /** Writes through a shared mapping reach the daemon as writes; MappedByteBuffer.force (msync) makes them last. */
    @Test
    void mappedWritesAreDurableAfterForceOnly() throws IOException {
        Path forced = root.resolve("forced");
        Path unforced = root.resolve("unforced");
        for (Path file : new Path[] {forced, unforced}) {
            writeDurable(file, "........");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, 8);
                map.put("mapped!!".getBytes(StandardCharsets.US_ASCII));
                if (file == forced) {
                    map.force();
                }
            }
            assertEquals("mapped!!", read(file));
        }

        cutAndRemount();

        assertEquals("mapped!!", read(root.resolve("forced")));
        assertEquals("........", read(root.resolve("unforced")));
    }

    @Test
    void withSyncsIgnoredNothingIsDurable() throws IOException {
        Path file = root.resolve("f");
        writeDurable(file, "durable");
        fs.ignoreSyncs(true);
        writeSynced(file, "synced, but ignored");
        fsync(root);
        fs.ignoreSyncs(false);

        cutAndRemount();

        assertEquals("durable", read(root.resolve("f")), "an ignored fsync made nothing durable");
    }

    @Test
    void aCutThatKeepsNamesLeavesRenamedFilesWithOnlyTheirSyncedData() throws IOException {
        writeSynced(root.resolve("synced.tmp"), "synced data");
        Files.move(root.resolve("synced.tmp"), root.resolve("synced"));
        write(root.resolve("unsynced.tmp"), "pending data");
        Files.move(root.resolve("unsynced.tmp"), root.resolve("unsynced"));

        CutReport report = fs.cutKeepingNames();
        fs = fs.remount();
        root = fs.mountPoint();

        assertEquals(0, report.undone(), "no name operation is undone");
        assertEquals("synced data", read(root.resolve("synced")));
        assertTrue(Files.exists(root.resolve("unsynced")), "the rename stayed");
        assertEquals(0, Files.size(root.resolve("unsynced")), "its data did not: an empty file");
        assertTrue(Files.notExists(root.resolve("unsynced.tmp")));
    }
}
