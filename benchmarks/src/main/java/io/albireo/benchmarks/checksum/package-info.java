/**
 * Checksum throughput: crc32c, sha-256 and xxh64 as the bundles ship them, on heap and direct buffers of 4 KiB and
 * 1 MiB, and the lz4-java xxh64 variants the xxh64 bundle chooses among. Figures are operations per second; GB/s =
 * ops/s x bytes per operation / 10^9 (see docs/PERFORMANCE.md).
 */
package io.albireo.benchmarks.checksum;
