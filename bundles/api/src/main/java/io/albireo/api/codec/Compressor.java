package io.albireo.api.codec;

import java.nio.ByteBuffer;

import io.albireo.api.IntegrityException;

/**
 * A compression algorithm ("lz4", "zstd", ...). The stored form records the original length and falls back to the raw
 * bytes when compression does not pay, so it is never more than {@link #MAX_OVERHEAD} bytes longer than its input.
 * Implementations are thread-safe.
 */
public interface Compressor {

    /** The most bytes a stored form may add to its input. */
    int MAX_OVERHEAD = 16;

    /** @return the algorithm's name, as found in presets */
    String name();

    /**
     * Compresses the remaining bytes of {@code input} into their stored form.
     *
     * @param input the bytes to compress; its position and limit do not change
     * @return a buffer, positioned at 0, holding the stored form
     */
    ByteBuffer compress(ByteBuffer input);

    /**
     * Restores the original bytes from a stored form made by {@link #compress}.
     *
     * @param stored the stored form; its position and limit do not change
     * @return a buffer, positioned at 0, holding the original bytes
     * @throws IntegrityException if {@code stored} is not a valid stored form of this algorithm
     */
    ByteBuffer decompress(ByteBuffer stored);
}
