package io.albireo.testing.powerloss;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A mounted power-loss file system: the backing directory, which holds only the durable state, mirrored at a mount
 * point where file data stays in memory until fsync and name operations are undone at a power cut unless their
 * directory was fsynced. See the module's README.md for the exact rules.
 *
 * <pre>{@code
 * assumeTrue(PowerLossFileSystem.usable(), PowerLossFileSystem::unavailableReason);
 * PowerLossFileSystem fs = PowerLossFileSystem.mount(backing, mountPoint);
 * try {
 *     // run the program under test on fs.mountPoint(), then, at any moment:
 *     fs.cut();            // every later operation on the mount fails with EIO
 *     // stop the program under test (close its files), then
 *     fs = fs.remount();   // exactly what was durable at the cut
 * } finally {
 *     fs.close();
 * }
 * }</pre>
 *
 * A daemon process serves each mount; it leaves no mount behind when this JVM dies (it unmounts at the end of its
 * stdin) or when it dies itself (fusermount3's auto_unmount), and a shutdown hook unmounts on an orderly exit.
 * Instances are safe to use from several threads.
 */
public final class PowerLossFileSystem implements AutoCloseable {
    /** Set (to anything) where FUSE is installed on purpose, such as CI: then {@link #usable()} fails without it. */
    public static final String REQUIRE_ENV = "ALBIREO_REQUIRE_FUSE";

    private static final long READY_MILLIS = 60_000;
    /** Commands wait for the daemon's lock, which a large fsync may hold for a while on a slow disk. */
    private static final long COMMAND_MILLIS = 120_000;
    private static final long STOP_MILLIS = 10_000;

    /** The operations a fault can target. */
    public enum Operation {
        /** write, truncate (and ftruncate, open with O_TRUNC) and fallocate */
        WRITE,
        /** fsync and fdatasync of files, fsync of directories */
        FSYNC,
        /** creating a file or a symbolic link */
        CREATE,
        /** rename; a rule matches when the source or the destination is under its prefix */
        RENAME,
        /** unlink and rmdir */
        UNLINK,
        /** mkdir */
        MKDIR,
        /** reading file data */
        READ,
        /** every operation, lookups and directory listings included: a dead disk */
        ALL;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Path binary;
    private final Path backing;
    private final Path mountPoint;
    private final Daemon daemon;
    private final Thread shutdownHook;
    private boolean closed;

    private PowerLossFileSystem(Path binary, Path backing, Path mountPoint, Daemon daemon) {
        this.binary = binary;
        this.backing = backing;
        this.mountPoint = mountPoint;
        this.daemon = daemon;
        this.shutdownHook = new Thread(this::stop, "powerloss_fs-unmount-" + daemon.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Whether /dev/fuse, fusermount3, gcc and the fuse3 headers are all here. */
    public static boolean available() {
        return DaemonBinary.missing().isEmpty();
    }

    /** Why the file system cannot run here, for an assumption's message; empty when it can. */
    public static String unavailableReason() {
        return DaemonBinary.missing().orElse("");
    }

    /** Whether {@link #REQUIRE_ENV} is set: a missing FUSE is then a failure, not a reason to skip. */
    public static boolean required() {
        return System.getenv(REQUIRE_ENV) != null;
    }

    /**
     * For a test's assumption: whether the file system is available. Where it is not and {@link #required()} says
     * it must be, throws instead, so that CI cannot skip the tests by accident.
     *
     * @throws IllegalStateException if it is required and not available, naming what is missing
     */
    public static boolean usable() {
        String missing = unavailableReason();
        if (!missing.isEmpty() && required()) {
            throw new IllegalStateException(REQUIRE_ENV + " is set but the power-loss file system cannot run: "
                    + missing);
        }
        return missing.isEmpty();
    }

    /** Mounts backing at mountPoint; the daemon is compiled into (or found in) the default cache. */
    public static PowerLossFileSystem mount(Path backing, Path mountPoint) throws IOException {
        return mount(backing, mountPoint, DaemonBinary.defaultCache());
    }

    /**
     * Mounts backing at mountPoint and waits until the mount answers.
     *
     * @param backing    the directory that holds the durable state; it may be empty or hold an earlier run's state
     * @param mountPoint an empty directory
     * @param cache      where the compiled daemon is kept, see {@link #compile(Path)}
     */
    public static PowerLossFileSystem mount(Path backing, Path mountPoint, Path cache) throws IOException {
        return start(compile(cache), backing, mountPoint);
    }

    /**
     * The daemon binary for this jar's source, compiled with gcc into cache unless an earlier run left it there. The
     * default cache is the directory the system property {@code albireo.powerloss.cache} names, else
     * {@code java.io.tmpdir/albireo-powerloss-fs-USER}.
     */
    public static Path compile(Path cache) throws IOException {
        return DaemonBinary.compile(cache);
    }

    /** Whether anything is mounted at mountPoint, for a test's check that it left no mount behind. */
    public static boolean isMounted(Path mountPoint) throws IOException {
        return MountTable.isMounted(mountPoint.toRealPath());
    }

    private static PowerLossFileSystem start(Path binary, Path backing, Path mountPoint) throws IOException {
        Path realBacking = backing.toRealPath();
        Path realMountPoint = mountPoint.toRealPath();
        if (!Files.isDirectory(realBacking) || !Files.isDirectory(realMountPoint)) {
            throw new IOException("both must be directories: " + realBacking + ", " + realMountPoint);
        }
        if (MountTable.isMounted(realMountPoint)) {
            throw new IOException("something is mounted at " + realMountPoint + " already");
        }
        if (realMountPoint.startsWith(realBacking) || realBacking.startsWith(realMountPoint)) {
            throw new IOException("the backing directory and the mount point must not contain each other: "
                    + realBacking + ", " + realMountPoint);
        }
        Daemon daemon;
        try {
            daemon = Daemon.start(binary, realBacking, realMountPoint, READY_MILLIS);
        } catch (IOException e) {
            MountTable.unmountLazily(realMountPoint, STOP_MILLIS); // a daemon that hung after mounting
            throw e;
        }
        return new PowerLossFileSystem(binary, realBacking, realMountPoint, daemon);
    }

    /** Where the program under test works. */
    public Path mountPoint() {
        return mountPoint;
    }

    /** The durable state. Read it only while nothing is mounted on it: the graveyard in it is the daemon's. */
    public Path backing() {
        return backing;
    }

    /** The binary this mount runs (for a test that checks the cache). */
    public Path binary() {
        return binary;
    }

    /** The daemon's process id, for tests of what its death leaves. */
    long daemonPid() {
        return daemon.pid();
    }

    /**
     * Cuts the power: atomically drops every write not made durable, undoes every name operation not made
     * durable, newest first, and makes every later operation on the mount fail with EIO. The backing directory then
     * holds exactly the durable state; {@link #remount()} shows it.
     */
    public CutReport cut() throws IOException {
        Map<String, String> f = Daemon.fields(daemon.command("cut", COMMAND_MILLIS));
        return new CutReport(number(f, "dropped_writes"), number(f, "dropped_bytes"), number(f, "dropped_files"),
                number(f, "undone"), number(f, "skipped"));
    }

    /**
     * Cuts the power as a file system whose metadata journal reached the disk while the data did not (ext4 with
     * data=writeback, XFS): every name operation stays as applied, durable or not, and only data made durable by an
     * fsync survives. A file written and renamed into place without an fsync is there afterwards, empty or short:
     * the case a program that trusts rename alone must survive. Every later operation fails with EIO.
     */
    public CutReport cutKeepingNames() throws IOException {
        Map<String, String> f = Daemon.fields(daemon.command("cut names", COMMAND_MILLIS));
        return new CutReport(number(f, "dropped_writes"), number(f, "dropped_bytes"), number(f, "dropped_files"),
                number(f, "undone"), number(f, "skipped"));
    }

    /**
     * With {@code true}, every fsync, fdatasync and directory fsync succeeds and makes nothing durable, as if the
     * program under test had its syncs removed: a crash test runs once with it to show that it would catch that.
     */
    public void ignoreSyncs(boolean ignore) throws IOException {
        daemon.command("nosync " + (ignore ? "on" : "off"), COMMAND_MILLIS);
    }

    /**
     * Makes everything durable now, as a clean unmount would: every file's pending data is written and synced and
     * every name operation is kept.
     */
    public void makeDurable() throws IOException {
        daemon.command("sync", COMMAND_MILLIS);
    }

    /**
     * Unmounts (after a cut or not) and mounts the same backing directory at the same mount point again. This
     * instance is closed; use the one returned. Without a cut before it this is a crash of its own: unsynced data is
     * lost and every name operation stays as applied (a state a crash may legally leave too).
     */
    public PowerLossFileSystem remount() throws IOException {
        close();
        return start(binary, backing, mountPoint);
    }

    /** The daemon's counters now; see {@link Stats}. Answers after a cut too. */
    public Stats stats() throws IOException {
        Map<String, String> f = Daemon.fields(daemon.command("stats", COMMAND_MILLIS));
        long capacity = number(f, "capacity");
        return new Stats(number(f, "pending_writes"), number(f, "pending_bytes"), number(f, "pending_files"),
                number(f, "held_bytes"), number(f, "journal"), number(f, "operations"), number(f, "faults"),
                capacity < 0 ? OptionalLong.empty() : OptionalLong.of(capacity), number(f, "used"),
                Boolean.parseBoolean(f.get("cut")));
    }

    /** Makes every later call of op anywhere on the mount fail: {@link #fail(Operation, String, String)}, no prefix. */
    public void fail(Operation op, String errno) throws IOException {
        fail(op, errno, "");
    }

    /**
     * Makes every later call of op under pathPrefix fail with errno. Nothing durable is touched: a failed fsync
     * leaves its data pending (a cut still drops it).
     *
     * @param errno      EIO, ENOSPC, EROFS, EDQUOT, EACCES, EPERM, ENOMEM, EFBIG, EAGAIN, EBUSY, EINVAL, ENXIO,
     *                   ETIMEDOUT, ENOTCONN, or a number
     * @param pathPrefix relative to the mount's root, whole names only ("db" matches "db" and "db/x", not "dbx");
     *                   empty for everything
     */
    public void fail(Operation op, String errno, String pathPrefix) throws IOException {
        if (errno.isBlank() || errno.contains(" ") || pathPrefix.contains("\n")) {
            throw new IllegalArgumentException("errno '" + errno + "', prefix '" + pathPrefix + "'");
        }
        daemon.command("fail " + op.word() + " " + errno + (pathPrefix.isEmpty() ? "" : " " + pathPrefix),
                COMMAND_MILLIS);
    }

    /** Removes every fault and the capacity limit. */
    public void clearFaults() throws IOException {
        daemon.command("clear", COMMAND_MILLIS);
    }

    /**
     * Makes the file system this big: statfs reports it (free is capacity minus the logical size of every file), and
     * a write, truncate or fallocate that would grow the total past it fails with ENOSPC. Deletes and truncates still
     * work and free space.
     */
    public void capacity(long bytes) throws IOException {
        if (bytes < 0) {
            throw new IllegalArgumentException("capacity " + bytes);
        }
        daemon.command("capacity " + bytes, COMMAND_MILLIS);
    }

    /** Removes the capacity limit: statfs reports the backing file system's figures again. */
    public void unlimitedCapacity() throws IOException {
        daemon.command("capacity off", COMMAND_MILLIS);
    }

    /**
     * Unmounts (lazily: processes still using the mount see ENOTCONN) and stops the daemon. Pending data is lost and
     * nothing is undone, as in {@link #remount()}. Never throws, also on a mount that is already dead; call it in a
     * finally block or an {@code @AfterEach}.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running or ran
        }
        stop();
    }

    private void stop() {
        daemon.stop(STOP_MILLIS);
        // The daemon detaches its mount as it exits; fusermount3's auto_unmount may still be on its way.
        if (!MountTable.awaitUnmounted(mountPoint, STOP_MILLIS) && !MountTable.unmountLazily(mountPoint, STOP_MILLIS)) {
            System.err.println("powerloss-fs: " + mountPoint + " is still mounted; try fusermount3 -u -z "
                    + mountPoint);
        }
    }

    private static long number(Map<String, String> fields, String key) throws IOException {
        String value = fields.get(key);
        if (value == null) {
            throw new IOException("powerloss_fs's reply has no " + key + ": " + fields);
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IOException("powerloss_fs's " + key + " is not a number: " + value, e);
        }
    }

    @Override
    public String toString() {
        return "PowerLossFileSystem[" + backing + " at " + mountPoint + ", pid " + daemon.pid() + "]";
    }
}
