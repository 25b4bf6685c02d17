package io.albireo.api;

import java.util.Objects;

/**
 * A range of keys in unsigned lexicographic order: from {@code first} (inclusive) to {@code end} (exclusive, or
 * unbounded when {@code null}).
 *
 * @param first the smallest key in the range
 * @param end the first key past the range, or {@code null} for no upper bound
 */
public record KeyRange(Bytes first, Bytes end) {

    /** Validates the bounds. */
    public KeyRange {
        Objects.requireNonNull(first, "first");
        if (end != null && end.compareTo(first) < 0) {
            throw new IllegalArgumentException("range end " + end + " is before its start " + first);
        }
    }

    /** @return every key */
    public static KeyRange all() {
        return new KeyRange(Bytes.EMPTY, null);
    }

    /** @return every key that starts with {@code prefix} */
    public static KeyRange prefix(Bytes prefix) {
        return new KeyRange(prefix, prefix.prefixEnd());
    }

    /** @return whether {@code key} lies in the range */
    public boolean contains(Bytes key) {
        return key.compareTo(first) >= 0 && (end == null || key.compareTo(end) < 0);
    }
}
