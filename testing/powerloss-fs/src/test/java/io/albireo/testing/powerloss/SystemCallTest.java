package io.albireo.testing.powerloss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** System calls the JDK does not make, through probe.c: what they do on the mount. */
class SystemCallTest extends MountedTest {
    @TempDir
    Path tools;
    private Path probe;

    @BeforeEach
    void compileProbe() throws IOException {
        Path source = tools.resolve("probe.c");
        try (InputStream in = SystemCallTest.class.getResourceAsStream("probe.c")) {
            Files.copy(in, source);
        }
        probe = tools.resolve("probe");
        DaemonBinary.Run gcc = DaemonBinary.run(List.of("gcc", "-O2", "-Wall", "-o", probe.toString(),
                source.toString()), 60);
        assertEquals(0, gcc.status(), gcc.output());
    }

    private String probe(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(probe.toString()));
        command.addAll(List.of(args));
        DaemonBinary.Run run = DaemonBinary.run(command, 60);
        assertEquals(0, run.status(), run.output());
        return run.output().trim();
    }

    /**
     * libfuse 3.14 has no syncfs operation and the kernel sends none to a /dev/fuse daemon: syncfs(2) and sync(2)
     * succeed and make nothing durable. Tests on this file system must fsync files and directories.
     */
    @Test
    void syncfsAndSyncSucceedAndMakeNothingDurable() throws IOException {
        write(root.resolve("f"), "pending");
        Stats before = fs.stats();

        assertEquals("ok", probe("syncfs", root.resolve("f").toString()));
        assertEquals("ok", probe("sync"));
        Stats after = fs.stats();
        assertEquals(before.pendingWrites(), after.pendingWrites());
        assertEquals(before.journal(), after.journal());
        cutAndRemount();

        assertFalse(Files.exists(root.resolve("f")));
    }

    @Test
    void renameNoReplaceRefusesAnExistingTargetAndIsJournaled() throws IOException {
        writeDurable(root.resolve("a"), "a");
        writeDurable(root.resolve("b"), "b");

        assertEquals("errno EEXIST", probe("noreplace", root.resolve("a").toString(), root.resolve("b").toString()));
        assertEquals("ok", probe("noreplace", root.resolve("a").toString(), root.resolve("c").toString()));
        assertEquals("a", read(root.resolve("c")));
        cutAndRemount();

        assertEquals(List.of("a", "b"), NameDurabilityTest.list(root));
    }

    @Test
    void renameExchangeIsRefusedWithEinval() throws IOException {
        write(root.resolve("a"), "a");
        write(root.resolve("b"), "b");

        assertEquals("errno EINVAL", probe("exchange", root.resolve("a").toString(), root.resolve("b").toString()));
    }

    /** The kernel answers lseek (the daemon has no lseek operation): the pending size is the end, all data. */
    @Test
    void lseekSeesThePendingSize() throws IOException {
        writeDurable(root.resolve("f"), "12");
        Files.writeString(root.resolve("f"), "345", StandardOpenOption.APPEND);

        assertEquals("ok 5 0 5", probe("seek", root.resolve("f").toString()));
    }

    @Test
    void fallocateGrowsPendingKeepSizeIsAcceptedAndPunchingHolesIsAWriteOfZeros() throws IOException {
        Path file = root.resolve("f");
        writeDurable(file, "abc");

        assertEquals("ok", probe("fallocate", file.toString(), "keep", "0", "1048576"));
        assertEquals(3, Files.size(file));
        assertEquals("ok", probe("fallocate", file.toString(), "0", "0", "10"));
        assertEquals(10, Files.size(file));
        assertEquals("abc\0\0\0\0\0\0\0", read(file));
        assertEquals("ok", probe("fallocate", file.toString(), "punch", "1", "100"));
        assertEquals(10, Files.size(file), "a punch keeps the size, past the end as within");
        assertEquals("a\0\0\0\0\0\0\0\0\0", read(file));
        cutAndRemount();

        assertEquals("abc", read(root.resolve("f")), "an unsynced punch is lost with the rest");
        Path synced = root.resolve("g");
        writeDurable(synced, "abcdef");
        assertEquals("ok", probe("fallocate", synced.toString(), "punch", "2", "2"));
        fsync(synced);
        cutAndRemount();

        assertEquals("ab\0\0ef", read(root.resolve("g")), "a synced punch stays");
    }

    /** The daemon has no lock operations, so the kernel keeps POSIX and flock locks itself: they work per mount. */
    @Test
    void posixAndFlockLocksWork() throws IOException {
        Path file = root.resolve("LOCK");
        write(file, "");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            try (FileLock lock = channel.lock()) {
                assertTrue(lock.isValid());
                assertEquals("errno EAGAIN", probe("fcntl-lock", file.toString()));
            }
            assertEquals("ok", probe("fcntl-lock", file.toString()));
        }
        assertEquals("errno EAGAIN", probe("flock-twice", file.toString())); // EWOULDBLOCK is EAGAIN on Linux
    }
}
