package io.albireo.api;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One change of an atomic apply: set a key to a value, or delete it.
 *
 * @param key the key to change
 * @param value the new value, or {@code null} to delete the key
 */
public record Update(Bytes key, ByteBuffer value) {

    /** Validates and takes a read-only view of the value. */
    public Update {
        Objects.requireNonNull(key, "key");
        value = value == null ? null : value.asReadOnlyBuffer();
    }

    /** @return an update that sets {@code key} to {@code value} */
    public static Update set(Bytes key, Bytes value) {
        return new Update(key, value.asReadOnlyBuffer());
    }

    /**
     * @return an update that sets {@code key} to the remaining bytes of {@code value}, which must not change until the
     *         apply completes
     */
    public static Update set(Bytes key, ByteBuffer value) {
        return new Update(key, Objects.requireNonNull(value, "value"));
    }

    /** @return an update that deletes {@code key} */
    public static Update delete(Bytes key) {
        return new Update(key, null);
    }

    /** @return whether this update deletes its key */
    public boolean isDelete() {
        return value == null;
    }

    /** @return a fresh view of the value, or {@code null} for a delete */
    @Override
    public ByteBuffer value() {
        return value == null ? null : value.duplicate();
    }

    /** @return the value's length, 0 for a delete */
    public int length() {
        return value == null ? 0 : value.remaining();
    }
}
