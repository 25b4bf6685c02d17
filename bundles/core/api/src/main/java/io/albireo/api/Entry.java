package io.albireo.api;

import java.util.Objects;

/**
 * A key and its value, as returned by range queries.
 *
 * @param key the key
 * @param value the value, or {@code null} when the query asked for keys only
 */
public record Entry(Bytes key, Bytes value) {
    /** Validates the key. */
    public Entry {
        Objects.requireNonNull(key, "key");
    }
}
