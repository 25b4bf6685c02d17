package io.albireo.codec.rs.internal;

/**
 * A GF(2^8)-linear map from k input regions to R output regions, prepared once for its coefficients: encoding applies
 * the parity rows, reconstruction the decoding rows. Byte i of output r is the sum over j of coefficient[r][j] times
 * byte i of input j. Instances are immutable and thread-safe.
 */
interface LinearMap {

    /**
     * Overwrites {@code len} bytes of every output with the map applied to {@code len} bytes of the inputs.
     *
     * @param in the k inputs
     * @param inOffset where each input's bytes start
     * @param out the R outputs
     * @param outOffset where each output's bytes start
     * @param len the number of bytes per region
     */
    void apply(byte[][] in, int[] inOffset, byte[][] out, int[] outOffset, int len);
}
