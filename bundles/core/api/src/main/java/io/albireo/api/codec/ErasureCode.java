package io.albireo.api.codec;

import java.nio.ByteBuffer;

/**
 * An erasure code for one (k, m). Fragment indices run from 0 to k + m - 1: data fragments first, then parity. All
 * fragments of one call have the same length. Buffers are read and written from their positions, which do not move.
 * Instances are thread-safe.
 */
public interface ErasureCode {

    /** @return the number of data fragments */
    int k();

    /** @return the number of parity fragments */
    int m();

    /**
     * Computes the parity fragments.
     *
     * @param data k buffers with the same number of remaining bytes
     * @param parity m buffers with at least that many remaining bytes, overwritten
     */
    void encode(ByteBuffer[] data, ByteBuffer[] parity);

    /**
     * Rebuilds only the fragments asked for.
     *
     * @param fragments k + m entries indexed by fragment index, {@code null} where a fragment is missing; at least k
     *        present
     * @param wanted the indices of the fragments to rebuild
     * @param out one buffer per wanted index, overwritten with that fragment
     * @throws IllegalArgumentException if fewer than k fragments are present
     */
    void reconstruct(ByteBuffer[] fragments, int[] wanted, ByteBuffer[] out);
}
