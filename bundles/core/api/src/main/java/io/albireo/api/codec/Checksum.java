package io.albireo.api.codec;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.albireo.api.IntegrityException;

/**
 * A checksum algorithm ("crc32c", "sha-256", ...). Implementations are thread-safe and keep no state between calls.
 */
public interface Checksum {

    /** @return the algorithm's name, as found in presets and manifests */
    String name();

    /** @return the length of this algorithm's digests in bytes */
    int length();

    /**
     * Computes the digest of the remaining bytes of {@code data}.
     *
     * @param data the bytes to digest; its position and limit do not change
     * @return the digest
     */
    Digest compute(ByteBuffer data);

    /**
     * Starts a digest over bytes given in pieces, such as an object's chunks as a put reads them.
     *
     * @return a new hasher: its digest equals {@link #compute} over the concatenation of what it was given
     */
    Hasher hasher();

    /** A digest in progress, for one thread. */
    interface Hasher {
        /**
         * Adds the remaining bytes of {@code data}.
         *
         * @param data the next bytes; its position and limit do not change
         */
        void update(ByteBuffer data);

        /** @return the digest of everything given; the hasher is not used again */
        Digest digest();

        /**
         * @param update adds the remaining bytes of a buffer, which it must not move
         * @param digest the digest of everything added
         * @return a hasher made of the two
         */
        static Hasher of(Consumer<ByteBuffer> update, Supplier<Digest> digest) {
            return new Hasher() {
                @Override
                public void update(ByteBuffer data) {
                    update.accept(data);
                }

                @Override
                public Digest digest() {
                    return digest.get();
                }
            };
        }
    }

    /**
     * Verifies the remaining bytes of {@code data} against {@code expected}.
     *
     * @param data the bytes to check; its position and limit do not change
     * @param expected the digest computed when the bytes were written
     * @throws IntegrityException if the digests differ, or {@code expected} is of another algorithm
     */
    default void verify(ByteBuffer data, Digest expected) {
        if (!name().equals(expected.algorithm())) {
            throw new IntegrityException("expected a " + expected.algorithm() + " digest, this is " + name());
        }
        Digest actual = compute(data);
        if (!actual.equals(expected)) {
            throw new IntegrityException(name() + " mismatch: expected " + expected.hex() + ", computed " + actual.hex()
                    + " over " + data.remaining() + " bytes");
        }
    }
}
