package io.albireo.testing.powerloss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import io.albireo.testing.powerloss.PowerLossFileSystem.Operation;

/** Injected errors per operation and path prefix, and a capacity limit; neither touches what is durable. */
class FaultTest extends MountedTest {
    private static final int KIB = 1024;

    @Test
    void fsyncFailsWithEioUnderItsPrefixOnlyAndLeavesTheDataPending() throws IOException {
        for (String d : new String[] {"db", "dbx"}) {
            Files.createDirectory(root.resolve(d));
            writeDurable(root.resolve(d + "/f"), "durable");
            write(root.resolve(d + "/f"), "pending");
        }
        syncDirectory(root);
        fs.fail(Operation.FSYNC, "EIO", "db");

        assertErrno("Input/output error", () -> fsync(root.resolve("db/f")));
        assertErrno("Input/output error", () -> syncDirectory(root.resolve("db")));
        fsync(root.resolve("dbx/f")); // "db" names a directory, not a beginning of names
        assertEquals("pending", read(root.resolve("db/f")));

        cutAndRemount();

        assertEquals("durable", read(root.resolve("db/f")), "a failed fsync made nothing durable");
        assertEquals("pending", read(root.resolve("dbx/f")));
    }

    @Test
    void clearRemovesEveryFault() throws IOException {
        fs.fail(Operation.FSYNC, "EIO");
        fs.fail(Operation.CREATE, "EROFS");
        assertEquals(2, fs.stats().faults());
        assertErrno("Read-only file system", () -> write(root.resolve("f"), "x"));

        fs.clearFaults();

        writeDurable(root.resolve("f"), "x");
        assertEquals(0, fs.stats().faults());
    }

    @Test
    void eachOperationFailsWithTheErrnoItWasGiven() throws IOException {
        Files.createDirectory(root.resolve("d"));
        write(root.resolve("d/existing"), "e");
        fs.fail(Operation.WRITE, "28", "d");
        fs.fail(Operation.CREATE, "EROFS", "d/new");
        fs.fail(Operation.RENAME, "EIO", "d/renamed");
        fs.fail(Operation.UNLINK, "EACCES", "d/existing");
        fs.fail(Operation.MKDIR, "EDQUOT", "d/sub");
        fs.fail(Operation.READ, "EIO", "d/existing");

        assertErrno("No space left on device", () -> write(root.resolve("d/existing"), "more"));
        assertErrno("Read-only file system", () -> Files.createFile(root.resolve("d/new")));
        assertErrno("Input/output error",
                () -> Files.move(root.resolve("d/existing"), root.resolve("d/renamed"),
                        StandardCopyOption.ATOMIC_MOVE));
        assertThrows(AccessDeniedException.class, () -> Files.delete(root.resolve("d/existing"))); // EACCES
        assertErrno("Disk quota exceeded", () -> Files.createDirectory(root.resolve("d/sub")));
        assertErrno("Input/output error", () -> Files.readAllBytes(root.resolve("d/existing")));
        write(root.resolve("elsewhere"), "faults under d only");
    }

    @Test
    void allFailsEveryOperationLikeADeadDiskAndTheDurableStateSurvivesIt() throws IOException {
        writeDurable(root.resolve("f"), "durable");
        fs.fail(Operation.ALL, "EIO");

        assertErrno("Input/output error", () -> Files.readAttributes(root.resolve("f"), "size"));
        assertErrno("Input/output error", () -> Files.list(root).close());
        fs.clearFaults();
        cutAndRemount();

        assertEquals("durable", read(root.resolve("f")));
    }

    @Test
    void anUnknownErrnoIsRefused() {
        IOException e = assertThrows(IOException.class, () -> fs.fail(Operation.WRITE, "ENOTANERRNO"));
        assertTrue(e.getMessage().contains("not an errno"), e.getMessage());
    }

    @Test
    void statfsReportsTheCapacityAndWhatTheFilesUse() throws IOException {
        writeDurable(root.resolve("f"), "x".repeat(100 * KIB));
        write(root.resolve("g"), "y".repeat(28 * KIB)); // pending bytes count too
        fs.capacity(1024 * KIB);

        FileStore store = Files.getFileStore(root);
        assertEquals(1024 * KIB, store.getTotalSpace());
        assertEquals((1024 - 128) * KIB, store.getUsableSpace());
        assertEquals(OptionalLong.of(1024 * KIB), fs.stats().capacity());
        assertEquals(128 * KIB, fs.stats().usedBytes());

        fs.unlimitedCapacity();
        assertTrue(Files.getFileStore(root).getTotalSpace() > 1024 * KIB, "the backing file system's size again");
    }

    @Test
    void writesPastTheCapacityFailWithEnospcWhileDeletesAndTruncatesFreeSpace() throws IOException {
        fs.capacity(1024 * KIB);
        writeDurable(root.resolve("a"), "a".repeat(600 * KIB));

        assertErrno("No space left on device", () -> writeDurable(root.resolve("b"), "b".repeat(600 * KIB)));
        try (FileChannel a = FileChannel.open(root.resolve("a"), StandardOpenOption.WRITE)) {
            a.write(ByteBuffer.wrap(new byte[100]), 0); // overwriting takes no space
            a.truncate(100 * KIB);
        }
        writeDurable(root.resolve("b"), "b".repeat(600 * KIB));
        assertErrno("No space left on device", () -> writeDurable(root.resolve("c"), "c".repeat(600 * KIB)));
        Files.delete(root.resolve("b"));
        writeDurable(root.resolve("c"), "c".repeat(600 * KIB));

        assertEquals(700 * KIB, fs.stats().usedBytes());
    }

    @Test
    void aCapacityBelowWhatIsUsedStillAllowsDeletes() throws IOException {
        writeDurable(root.resolve("a"), "a".repeat(64 * KIB));
        fs.capacity(8 * KIB);

        assertEquals(0, Files.getFileStore(root).getUsableSpace());
        assertErrno("No space left on device", () -> Files.writeString(root.resolve("a"), "more",
                StandardOpenOption.APPEND));
        Files.delete(root.resolve("a"));
        assertEquals(8 * KIB, Files.getFileStore(root).getUsableSpace());
    }

    /** The operation fails with an IOException whose message names the errno's text (as the JDK reports it). */
    private static void assertErrno(String reason, Executable operation) {
        IOException e = assertThrows(IOException.class, operation);
        String text = e.getMessage() + " " + (e.getCause() == null ? "" : e.getCause().getMessage());
        assertTrue(text.contains(reason), "expected '" + reason + "', got " + e);
    }
}
