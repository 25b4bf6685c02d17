package io.albireo.codec.rs.internal;

/** Prepares {@link LinearMap}s: the part of the codec that does the arithmetic over whole regions. */
interface Kernels {

    /** @return how the arithmetic is done, for the operator ("Vector API, 512-bit", "scalar") */
    String description();

    /**
     * @param rows R rows of k coefficients
     * @return the map those coefficients define
     */
    LinearMap linearMap(int[][] rows);
}
