package io.albireo.proxy.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import io.albireo.api.StorageException;
import io.albireo.api.codec.CipherKey;

/**
 * The proxy's encryption keys, by id, in a properties file ({@code id = base64 secret}) readable by its owner only
 * (0600). Manifests carry the key id, never the key; nothing here logs or prints a secret. Losing the file loses every
 * encrypted object: back it up with the metadata.
 */
final class CipherKeys {
    private final Path file;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, byte[]> keys = new HashMap<>();

    CipherKeys(Path file) {
        this.file = file;
        if (Files.exists(file)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
                p.load(r);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the key store " + file, e);
            }
            p.stringPropertyNames().forEach(id -> keys.put(id, Base64.getDecoder().decode(p.getProperty(id))));
        }
    }

    /** @return the key of this id */
    synchronized CipherKey key(String id) {
        byte[] secret = keys.get(id);
        if (secret == null) {
            throw new StorageException("encryption key '" + id + "' is not in the proxy's key store " + file);
        }
        return new CipherKey(id, secret);
    }

    /** @return the key of this id, made (random, {@code length} bytes) and stored first if it does not exist */
    synchronized CipherKey keyFor(String id, int length) {
        byte[] secret = keys.get(id);
        if (secret == null) {
            secret = new byte[length];
            random.nextBytes(secret);
            keys.put(id, secret);
            save();
        } else if (secret.length != length) {
            throw new StorageException("encryption key '" + id + "' has " + secret.length + " bytes; the cipher needs "
                    + length);
        }
        return new CipherKey(id, secret);
    }

    /** Writes a new file with owner-only permissions, then moves it over the old one: never a half-written store. */
    private void save() {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(tmp,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(tmp);
            }
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.ISO_8859_1)) {
                w.write("# Albireo proxy encryption keys: id = base64 key. Owner-only; back it up; never share it.\n");
                for (Map.Entry<String, byte[]> e : new TreeMap<>(keys).entrySet()) {
                    w.write(e.getKey() + " = " + Base64.getEncoder().encodeToString(e.getValue()) + "\n");
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the key store " + file, e);
        }
    }
}
