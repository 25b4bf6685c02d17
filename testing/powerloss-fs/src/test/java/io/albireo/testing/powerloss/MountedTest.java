package io.albireo.testing.powerloss;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test on a fresh mount: backing and mount point in temporary directories, skipped where FUSE cannot run (failed
 * where ALBIREO_REQUIRE_FUSE is set), and checked afterwards to have left no mount behind.
 */
abstract class MountedTest {
    @TempDir
    Path backing;
    @TempDir
    Path mountPoint;
    /** The current mount; cutAndRemount() replaces it. */
    PowerLossFileSystem fs;
    /** Its root. */
    Path root;

    @BeforeEach
    void mount() throws IOException {
        assumeTrue(PowerLossFileSystem.usable(), PowerLossFileSystem::unavailableReason);
        fs = PowerLossFileSystem.mount(backing, mountPoint);
        root = fs.mountPoint();
    }

    @AfterEach
    void leaveNoMountBehind() throws IOException {
        if (fs != null) {
            fs.close();
            assertFalse(PowerLossFileSystem.isMounted(mountPoint), mountPoint + " is still mounted");
            assertFalse(Files.readString(Path.of("/proc/self/mounts")).contains(mountPoint.toRealPath().toString()),
                    "/proc/self/mounts still names " + mountPoint);
        }
    }

    /** The power cut, then a new mount of what was durable. */
    CutReport cutAndRemount() throws IOException {
        CutReport report = fs.cut();
        fs = fs.remount();
        root = fs.mountPoint();
        return report;
    }

    /** The graveyard in the backing directory holds nothing (between mounts, or for removals not yet durable). */
    void assertGraveyardEmpty() throws IOException {
        try (var entries = Files.list(backing.resolve(".powerloss-graveyard"))) {
            assertTrue(entries.findAny().isEmpty(), "the graveyard is not empty");
        }
    }

    static void write(Path file, String text) throws IOException {
        Files.writeString(file, text);
    }

    /** Writes (replacing) and fsyncs the file's data; its name is durable only once its directory is synced too. */
    static void writeSynced(Path file, String text) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
    }

    /** A file whose data and name are both durable. */
    static void writeDurable(Path file, String text) throws IOException {
        writeSynced(file, text);
        syncDirectory(file.getParent());
    }

    static void fsync(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** fsync of a directory (FUSE's fsyncdir): what makes the name operations in it durable. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    static String read(Path file) throws IOException {
        return Files.readString(file);
    }
}
