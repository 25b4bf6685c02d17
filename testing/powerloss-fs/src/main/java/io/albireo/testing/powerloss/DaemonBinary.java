package io.albireo.testing.powerloss;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's executable: powerloss_fs.c from the jar, compiled with gcc against libfuse3 once per source and
 * compile command, and kept under a cache directory as {@code powerloss_fs-HASH}. Compiling takes about a second;
 * every later mount, in this JVM or another, runs the cached binary.
 */
final class DaemonBinary {
    static final String SOURCE = "powerloss_fs.c";
    /** Where the binaries go unless the caller names a directory: this system property, else java.io.tmpdir. */
    static final String CACHE_PROPERTY = "albireo.powerloss.cache";
    private static final String FUSE_HEADER = "/usr/include/fuse3/fuse.h";
    private static final long COMPILE_TIMEOUT_SECONDS = 120;

    private DaemonBinary() {
    }

    /** What is missing for the file system to work here, or empty. */
    static Optional<String> missing() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return Optional.of("FUSE tests run on Linux only, not " + System.getProperty("os.name"));
        }
        Path fuse = Path.of("/dev/fuse");
        if (!Files.exists(fuse)) {
            return Optional.of("/dev/fuse does not exist (a container needs --device /dev/fuse)");
        }
        if (!Files.isReadable(fuse) || !Files.isWritable(fuse)) {
            return Optional.of("/dev/fuse is not readable and writable by " + System.getProperty("user.name"));
        }
        if (executable("fusermount3").isEmpty()) {
            return Optional.of("fusermount3 is not on the PATH (apt-get install fuse3)");
        }
        if (executable("gcc").isEmpty()) {
            return Optional.of("gcc is not on the PATH (apt-get install gcc)");
        }
        if (!Files.isRegularFile(Path.of(FUSE_HEADER))) {
            return Optional.of(FUSE_HEADER + " is missing (apt-get install libfuse3-dev)");
        }
        return Optional.empty();
    }

    static Optional<Path> executable(String name) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static Path defaultCache() {
        String configured = System.getProperty(CACHE_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "albireo-powerloss-fs-" + System.getProperty("user.name"));
    }

    /** The binary for the jar's source under cache, compiled now if it is not there yet. */
    static Path compile(Path cache) throws IOException {
        byte[] source = source();
        List<String> flags = fuseFlags();
        String hash = hash(source, flags);
        Path binary = cache.resolve("powerloss_fs-" + hash);
        if (Files.isRegularFile(binary) && Files.isExecutable(binary)) {
            return binary;
        }
        prepare(cache);
        Path src = cache.resolve("powerloss_fs-" + hash + ".c");
        Files.write(src, source);
        Path out = Files.createTempFile(cache, "powerloss_fs-" + hash + ".", ".tmp");
        try {
            List<String> command = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-o", out.toString(),
                    src.toString()));
            command.addAll(flags);
            Run result = run(command, COMPILE_TIMEOUT_SECONDS);
            if (result.status() != 0) {
                throw new IOException("gcc failed (" + result.status() + ") compiling " + src + ":\n"
                        + result.output());
            }
            if (!result.output().isBlank()) {
                System.err.println("powerloss-fs: gcc says:\n" + result.output());
            }
            Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwx------"));
            // Another JVM may compile the same source at the same time: both binaries are the same, the last wins.
            try {
                Files.move(out, binary, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(out, binary, StandardCopyOption.REPLACE_EXISTING);
            }
            return binary;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static byte[] source() throws IOException {
        try (InputStream in = DaemonBinary.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IOException(SOURCE + " is not on the class path beside " + DaemonBinary.class.getName());
            }
            return in.readAllBytes();
        }
    }

    /** A cache that another user could write to would let them choose what runs here, often as root. */
    private static void prepare(Path cache) throws IOException {
        if (!Files.isDirectory(cache)) {
            Files.createDirectories(cache);
            try {
                Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: nothing to protect with
            }
        }
        String me = System.getProperty("user.name");
        String owner = Files.getOwner(cache).getName();
        if (!owner.equals(me)) {
            throw new IOException("the powerloss-fs cache " + cache + " belongs to " + owner + ", not " + me
                    + ": choose another directory");
        }
    }

    /** The compiler and linker flags of fuse3: pkg-config's when it is installed, else Debian's. */
    private static List<String> fuseFlags() throws IOException {
        if (executable("pkg-config").isPresent()) {
            Run flags = run(List.of("pkg-config", "--cflags", "--libs", "fuse3"), 30);
            if (flags.status() == 0 && !flags.output().isBlank()) {
                return List.of(flags.output().trim().split("\\s+"));
            }
        }
        return List.of("-I/usr/include/fuse3", "-lfuse3", "-lpthread");
    }

    private static String hash(byte[] source, List<String> flags) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(source);
            digest.update(String.join(" ", flags).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    record Run(int status, String output) {
    }

    /** Runs a short command, its stdout and stderr together. */
    static Run run(List<String> command, long timeoutSeconds) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream()) {
            process.getOutputStream().close();
            in.transferTo(output);
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + String.join(" ", command), e);
        }
        return new Run(process.exitValue(), output.toString(StandardCharsets.UTF_8));
    }
}
