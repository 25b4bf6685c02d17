package io.albireo.testing.powerloss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control protocol: stats, the cut's report and what the mount does after it, the binary's cache. */
class ControlTest extends MountedTest {

    @Test
    void statsCountPendingWritesBytesFilesAndJournalEntries() throws IOException {
        Stats fresh = fs.stats();
        assertEquals(0, fresh.pendingWrites());
        assertEquals(0, fresh.journal());
        assertFalse(fresh.cut());

        Path file = root.resolve("f");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(100), 0);
            channel.write(ByteBuffer.allocate(200), 50); // overlaps: held once
            channel.write(ByteBuffer.allocate(300), 1000);
            Stats pending = fs.stats();
            assertEquals(3, pending.pendingWrites());
            assertEquals(600, pending.pendingBytes());
            assertEquals(1, pending.pendingFiles());
            assertEquals(250 + 300, pending.heldBytes());
            assertEquals(1, pending.journal(), "the create");
            assertEquals(1300, pending.usedBytes());
            assertTrue(pending.operations() > fresh.operations());

            channel.force(true);
        }
        Stats synced = fs.stats();
        assertEquals(0, synced.pendingWrites());
        assertEquals(0, synced.pendingBytes());
        assertEquals(0, synced.heldBytes());
        assertEquals(1, synced.journal());

        syncDirectory(root);
        assertEquals(0, fs.stats().journal());
    }

    @Test
    void theCutReportsWhatItDroppedAndUndid() throws IOException {
        writeDurable(root.resolve("a"), "d");
        write(root.resolve("a"), "12345"); // two pending writes: the truncate of O_TRUNC, then 5 bytes
        Files.createDirectory(root.resolve("dir"));
        syncDirectory(root);
        Files.delete(root.resolve("dir")); // undone
        write(root.resolve("new"), "678"); // the create undone; one pending write of 3 bytes

        assertEquals(new CutReport(3, 8, 2, 2, 0), fs.cut());
        assertTrue(fs.stats().cut());
        fs = fs.remount();
        root = fs.mountPoint();

        assertEquals(List.of("a", "dir"), NameDurabilityTest.list(root));
        assertEquals("d", read(root.resolve("a")));
    }

    /** Journal entries share one handle per directory: thousands of creates do not cost thousands of descriptors. */
    @Test
    void manyEntriesInOneDirectoryHoldOneDirectoryHandle() throws IOException {
        Path dir = root.resolve("d");
        Files.createDirectory(dir);
        syncDirectory(root);
        long before = descriptors(fs.daemonPid());
        int files = 3000;
        for (int i = 0; i < files; i++) {
            Files.createFile(dir.resolve("f" + i));
        }

        assertEquals(files, fs.stats().journal());
        long held = descriptors(fs.daemonPid()) - before;
        assertTrue(held <= 2, "the daemon holds " + held + " more descriptors");
        assertEquals(new CutReport(0, 0, 0, files, 0), cutAndRemount());
        assertEquals(List.of(), NameDurabilityTest.list(root.resolve("d")));
    }

    private static long descriptors(long pid) throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        }
    }

    @Test
    void afterTheCutEveryOperationFailsWithEio() throws IOException {
        writeDurable(root.resolve("f"), "d");
        try (FileChannel open = FileChannel.open(root.resolve("f"), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            fs.cut();

            assertThrows(IOException.class, () -> open.write(ByteBuffer.allocate(1), 0));
            assertThrows(IOException.class, () -> open.force(true));
            assertThrows(IOException.class, () -> Files.readAttributes(root.resolve("f"), BasicFileAttributes.class));
            assertThrows(IOException.class, () -> Files.createFile(root.resolve("g")));
            assertThrows(IOException.class, () -> Files.list(root).close());
            IOException again = assertThrows(IOException.class, fs::cut);
            assertTrue(again.getMessage().contains("already cut"), again.getMessage());
        } catch (IOException closing) {
            // closing the channel on the dead mount may fail as well (flush answers EIO)
        }
        fs = fs.remount();
        root = fs.mountPoint();
        assertEquals("d", read(root.resolve("f")));
    }

    @Test
    void theBinaryIsCompiledOnceAndReused(@TempDir Path cache) throws IOException {
        Path first = PowerLossFileSystem.compile(cache);
        Object fileKey = Files.readAttributes(first, BasicFileAttributes.class).fileKey();
        long modified = Files.getLastModifiedTime(first).toMillis();

        Path second = PowerLossFileSystem.compile(cache);
        fs.close();
        try (PowerLossFileSystem again = PowerLossFileSystem.mount(backing, mountPoint, cache)) {
            assertEquals(first, second);
            assertEquals(first, again.binary());
            assertEquals(fileKey, Files.readAttributes(first, BasicFileAttributes.class).fileKey());
            assertEquals(modified, Files.getLastModifiedTime(first).toMillis());
            assertTrue(first.getFileName().toString().matches("powerloss_fs-[0-9a-f]{16}"), first.toString());
        }
    }

    @Test
    void closingTwiceAndClosingADeadMountAreQuiet() throws IOException {
        fs.cut();
        fs.close();
        fs.close();
        assertFalse(PowerLossFileSystem.isMounted(mountPoint));
        assertThrows(IOException.class, fs::stats);
    }

    @Test
    void aSecondMountOnTheSameMountPointIsRefused() {
        IOException e = assertThrows(IOException.class, () -> PowerLossFileSystem.mount(backing, mountPoint));
        assertTrue(e.getMessage().contains("mounted"), e.getMessage());
    }
}
