/**
 * Compression benchmarks on the inputs of {@link io.albireo.benchmarks.compress.Samples} (licence text, a slice of
 * libjvm.so, zeros, random bytes). {@link io.albireo.benchmarks.compress.LibraryComparisonBenchmark} compares the
 * candidate libraries per algorithm directly; {@link io.albireo.benchmarks.compress.CompressorBenchmark} measures
 * Albireo's compressor bundles through the Compressor API. Both report MB/s of original data as the {@code mb}
 * counter and print the ratio from their setup:
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar io.albireo.benchmarks.compress -f 1 -wi 2 -i 3
 * </pre>
 */
package io.albireo.benchmarks.compress;
