package io.albireo.testing.powerloss;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The kernel's mount table (/proc/self/mounts) and lazy unmounts. */
final class MountTable {
    private static final Path MOUNTS = Path.of("/proc/self/mounts");
    private static final long POLL_MILLIS = 20;

    private MountTable() {
    }

    /** Whether anything is mounted at exactly this path (compare real paths: /tmp may be a link). */
    static boolean isMounted(Path mountPoint) {
        String wanted = mountPoint.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(MOUNTS)) {
                String[] fields = line.split(" ");
                if (fields.length > 1 && unescape(fields[1]).equals(wanted)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MOUNTS, e);
        }
    }

    /** The mount table writes space, tab, newline and backslash as octal escapes (\040). */
    static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }

    /**
     * Detaches whatever is mounted at mountPoint (fusermount3 -u -z: processes that still use it keep it until they
     * let go, nobody new sees it) and waits up to timeoutMillis for the table to forget it. Never throws.
     *
     * @return whether the mount point is free
     */
    static boolean unmountLazily(Path mountPoint, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        try {
            if (isMounted(mountPoint)) {
                DaemonBinary.run(List.of("fusermount3", "-u", "-z", mountPoint.toString()), 30);
            }
            while (isMounted(mountPoint)) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(POLL_MILLIS);
            }
            return true;
        } catch (IOException | UncheckedIOException e) {
            return !isMountedQuietly(mountPoint);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !isMountedQuietly(mountPoint);
        }
    }

    /** Waits up to timeoutMillis for the table to forget mountPoint by itself (a daemon that unmounts as it exits). */
    static boolean awaitUnmounted(Path mountPoint, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        try {
            while (isMounted(mountPoint)) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(POLL_MILLIS);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !isMountedQuietly(mountPoint);
        }
    }

    private static boolean isMountedQuietly(Path mountPoint) {
        try {
            return isMounted(mountPoint);
        } catch (UncheckedIOException e) {
            return false;
        }
    }
}
