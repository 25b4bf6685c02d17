package io.albireo.testing.powerloss;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A power-loss file system for each test, as a JUnit 5 extension: mounted before the test on fresh directories
 * (skipped where FUSE cannot run, failed where {@value PowerLossFileSystem#REQUIRE_ENV} is set), unmounted and removed
 * after it. A test registers it and works under {@link #mountPoint()}:
 *
 * <pre>
 * &#64;RegisterExtension
 * final PowerLossMount disk = new PowerLossMount();
 * ...
 * CutReport cut = disk.cut(); // the power cut; then stop what ran on it
 * disk.remount();             // what was durable, at the same mount point
 * </pre>
 */
public final class PowerLossMount implements BeforeEachCallback, AfterEachCallback {
    private Path directory;
    private PowerLossFileSystem fs;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        Assumptions.assumeTrue(PowerLossFileSystem.usable(), PowerLossFileSystem::unavailableReason);
        directory = Files.createTempDirectory("powerloss-");
        fs = PowerLossFileSystem.mount(Files.createDirectory(directory.resolve("backing")),
                Files.createDirectory(directory.resolve("mount")));
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        if (fs != null) {
            fs.close();
            fs = null;
        }
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
            directory = null;
        }
    }

    /** @return the mounted file system now (a new one after each {@link #remount()}) */
    public PowerLossFileSystem fs() {
        if (fs == null) {
            throw new IllegalStateException("the power-loss file system is mounted only while a test runs");
        }
        return fs;
    }

    /** @return where the test's files go; the same path across remounts */
    public Path mountPoint() {
        return fs().mountPoint();
    }

    /** The power cut: {@link PowerLossFileSystem#cut()}. */
    public CutReport cut() {
        try {
            return fs().cut();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The cut that keeps every name: {@link PowerLossFileSystem#cutKeepingNames()}. */
    public CutReport cutKeepingNames() {
        try {
            return fs().cutKeepingNames();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mounts the backing directory again, as the cut left it: {@link PowerLossFileSystem#remount()}. */
    public void remount() {
        try {
            fs = fs().remount();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
