package io.albireo.proxy.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.Bytes;
import io.albireo.api.StorageException;

/**
 * The key-encryption key (KEK): 32 random bytes in a file the operator keeps, by default
 * {@code ${karaf.etc}/io.albireo.proxy.kek}, readable by its owner only. One line of base64; lines starting with '#'
 * are comments. It wraps the backend's data keys, which live in the ALBA manager; the KEK itself goes nowhere, and the
 * backend holds only its {@link #id id}. Nothing here logs or prints it, nor a line of the file.
 */
final class KekFile {
    /** The KEK's length: an AES-256 key. */
    static final int LENGTH = 32;
    private static final byte[] ID_LABEL = "albireo kek id v1".getBytes(StandardCharsets.US_ASCII);
    private static final Logger LOG = LoggerFactory.getLogger(KekFile.class);

    private final Path path;

    KekFile(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /**
     * @return the KEK, if the file exists
     * @throws StorageException if it cannot be read or is not a KEK file (naming the file, never its content)
     */
    Optional<byte[]> read() {
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new StorageException("cannot read the KEK file " + path + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
        }
        List<String> body = lines.stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
        byte[] kek = null;
        if (body.size() == 1) {
            try {
                kek = Base64.getDecoder().decode(body.get(0));
            } catch (IllegalArgumentException e) {
                kek = null; // its message quotes a character of the file
            }
        }
        if (kek == null || kek.length != LENGTH) {
            throw new StorageException(path + " is not a KEK file: it must hold one line of base64 for " + LENGTH
                    + " bytes (lines starting with # are comments)");
        }
        warnIfOthersCanRead();
        return Optional.of(kek);
    }

    /**
     * Makes a new KEK and writes it durably: a temporary file (owner-only) written and synced, renamed over the name
     * atomically, then the directory synced, so that after a crash the file is either absent or whole, and once this
     * returns it survives one. A KEK lost after a key was wrapped under it would lose every encrypted object.
     *
     * @throws StorageException if the file exists (a KEK is never replaced) or cannot be written
     */
    byte[] create(SecureRandom random) {
        byte[] kek = new byte[LENGTH];
        random.nextBytes(kek);
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = dir.resolve(path.getFileName() + ".tmp");
        try {
            Files.createDirectories(dir);
            if (Files.exists(path)) {
                throw new StorageException("the KEK file " + path + " exists already: it is never replaced");
            }
            Files.deleteIfExists(tmp); // a leftover of a crash before the rename: never a KEK anything used
            Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            String text = "# Albireo key-encryption key (KEK), id " + HexFormat.of().formatHex(id(kek).toByteArray(),
                    0, 8) + ". It wraps this backend's data keys: without it no encrypted object can be read.\n"
                    + "# Keep a copy off this appliance; never share it. Owner-only (0600).\n"
                    + Base64.getEncoder().encodeToString(kek) + "\n";
            try (FileChannel ch = posix() ? FileChannel.open(tmp, options,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                    : FileChannel.open(tmp, options)) {
                ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            // No other writer of this file exists (the caller holds its lock), so the check above stands.
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // the rename itself
            }
        } catch (IOException e) {
            throw new StorageException("cannot write the new KEK file " + path + ": " + e, e);
        }
        return kek;
    }

    /** @return the KEK's id: HMAC-SHA-256 of a fixed label under it. It names the KEK and reveals nothing of it. */
    static Bytes id(byte[] kek) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(kek, "HmacSHA256"));
            return Bytes.adopt(mac.doFinal(ID_LABEL));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** @return the first 8 bytes of a KEK id in hex, as messages and key:list show it */
    static String shortId(Bytes id) {
        return HexFormat.of().formatHex(id.toByteArray(), 0, Math.min(8, id.length()));
    }

    private void warnIfOthersCanRead() {
        if (!posix()) {
            return;
        }
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(path);
            if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warn("The KEK file {} can be read by others ({}): make it owner-only (chmod 600)", path,
                        PosixFilePermissions.toString(p));
            }
        } catch (IOException e) {
            LOG.debug("cannot read the permissions of {}: {}", path, e.toString());
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
