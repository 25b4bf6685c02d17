package io.albireo.api.codec;

/**
 * An erasure-coding algorithm ("rs"): turns k data fragments into m parity fragments, and rebuilds any missing ones
 * from any k present. Several implementations may provide one algorithm (pure Java, ISA-L); they produce
 * byte-identical fragments, so any one reads what another wrote.
 */
public interface ErasureCodec {

    /** @return the algorithm's name, as found in presets */
    String name();

    /** @return this implementation's short name ("java", "isal") */
    String implementation();

    /** @return what this implementation runs on, for the operator ("Vector API, 512-bit", "ISA-L 2.30") */
    default String details() {
        return implementation();
    }

    /**
     * @param k the number of data fragments
     * @param m the number of parity fragments
     * @return a thread-safe code for (k, m)
     * @throws IllegalArgumentException if this codec does not support (k, m)
     */
    ErasureCode code(int k, int m);
}
