package io.albireo.proxy.internal;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import io.albireo.api.StorageException;

/**
 * The key file proxies kept before the backend held the keys: a properties file ({@code id = base64 key}), by default
 * {@code ${karaf.etc}/io.albireo.proxy.keys}. Only read now, so that {@link DataKeys} can import its keys into the
 * backend; nothing writes it any more. Nothing here logs or prints a key, nor a line of the file.
 */
final class OldKeyFile {
    private OldKeyFile() {
    }

    /**
     * @return its keys by id, in id order; empty if there is no such file
     * @throws StorageException if it cannot be read, or a value is not base64 (naming the id, never the value)
     */
    static Map<String, byte[]> read(Path file) {
        Map<String, byte[]> keys = new TreeMap<>();
        if (!Files.exists(file)) {
            return keys;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            p.load(r);
        } catch (IOException e) {
            throw new StorageException("cannot read the old key file " + file + ": " + e.getMessage(), e);
        }
        for (String id : p.stringPropertyNames()) {
            try {
                keys.put(id, Base64.getDecoder().decode(p.getProperty(id).strip()));
            } catch (IllegalArgumentException e) {
                throw new StorageException("the old key file " + file + ": the value of " + id + " is not base64");
            }
        }
        return keys;
    }
}
