package io.albireo.api;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A condition of an atomic apply: the key holds exactly the given value, or the key is absent. Appliers check every
 * assert and apply the updates only if all of them hold.
 *
 * @param key the key the condition is about
 * @param expected the value the key must hold, or {@code null} if the key must be absent
 */
public record Assert(Bytes key, ByteBuffer expected) {

    /** Validates and takes a read-only view of the value. */
    public Assert {
        Objects.requireNonNull(key, "key");
        expected = expected == null ? null : expected.asReadOnlyBuffer();
    }

    /** @return an assert that {@code key} holds {@code value} */
    public static Assert value(Bytes key, Bytes value) {
        return new Assert(key, value.asReadOnlyBuffer());
    }

    /** @return an assert that {@code key} holds {@code value} */
    public static Assert value(Bytes key, ByteBuffer value) {
        return new Assert(key, Objects.requireNonNull(value, "value"));
    }

    /** @return an assert that {@code key} is absent */
    public static Assert absent(Bytes key) {
        return new Assert(key, null);
    }

    /** @return whether this assert requires absence */
    public boolean requiresAbsent() {
        return expected == null;
    }

    /** @return a fresh view of the expected bytes, or {@code null} for absence */
    @Override
    public ByteBuffer expected() {
        return expected == null ? null : expected.duplicate();
    }

    /** @return whether {@code actual} (null for absent) satisfies this assert */
    public boolean holdsFor(ByteBuffer actual) {
        if (expected == null) {
            return actual == null;
        }
        return actual != null && expected.equals(actual);
    }
}
