package io.albireo.api.codec;

import java.nio.ByteBuffer;

import io.albireo.api.IntegrityException;

/**
 * A compression algorithm ("lz4", "zstd", ...). Its output is a {@link CompressedForm}: a short header recording the
 * original length and whether the payload is compressed, then the payload. When compression does not pay the payload
 * is the input itself, so the stored form is never more than {@link CompressedForm#MAX_OVERHEAD} bytes longer than
 * the input. Implementations are thread-safe.
 */
public interface Compressor {

    /** @return the algorithm's name, as found in presets */
    String name();

    /** @return the levels this algorithm accepts; {@link Levels#NONE} when it has none */
    Levels levels();

    /**
     * Compresses the remaining bytes of {@code input} at the default level.
     *
     * @param input the bytes to compress; its position and limit do not change
     * @return a buffer, positioned at 0, holding the stored form
     */
    default ByteBuffer compress(ByteBuffer input) {
        return compress(input, levels().defaultLevel());
    }

    /**
     * Compresses the remaining bytes of {@code input}.
     *
     * @param input the bytes to compress; its position and limit do not change
     * @param level a level within {@link #levels()}
     * @return a buffer, positioned at 0, holding the stored form
     * @throws IllegalArgumentException if the level is out of range
     */
    ByteBuffer compress(ByteBuffer input, int level);

    /**
     * Restores the original bytes from a stored form made by {@link #compress}.
     *
     * @param stored the stored form; its position and limit do not change
     * @return a buffer, positioned at 0, holding the original bytes
     * @throws IntegrityException if {@code stored} is not a valid stored form of this algorithm
     */
    ByteBuffer decompress(ByteBuffer stored);

    /**
     * The compression levels of an algorithm: higher compresses more and slower.
     *
     * @param min the lowest level
     * @param max the highest level
     * @param defaultLevel the level used when none is given
     */
    record Levels(int min, int max, int defaultLevel) {
        /** For algorithms without levels: only level 0. */
        public static final Levels NONE = new Levels(0, 0, 0);

        /** Validates the range. */
        public Levels {
            if (min > max || defaultLevel < min || defaultLevel > max) {
                throw new IllegalArgumentException("levels " + min + ".." + max + " with default " + defaultLevel);
            }
        }

        /**
         * @param algorithm the algorithm's name, for the message
         * @param level the level asked for
         * @throws IllegalArgumentException naming the valid range if {@code level} is outside it
         */
        public void check(String algorithm, int level) {
            if (level < min || level > max) {
                throw new IllegalArgumentException(min == max
                        ? algorithm + " has no compression levels; got level " + level
                        : algorithm + " levels are " + min + " to " + max + "; got " + level);
            }
        }
    }
}
