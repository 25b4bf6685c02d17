/**
 * The chunk layout: encoding and decoding a whole chunk through the full pipeline (blocks, frames, sealing, RS), and
 * partial reads through {@link io.albireo.object.layout.RangeReader}. Figures are operations per second; MB/s = ops/s x
 * the chunk's size / 10^6.
 */
package io.albireo.benchmarks.layout;
