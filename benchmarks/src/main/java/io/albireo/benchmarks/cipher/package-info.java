/**
 * Cipher throughput: the aes-256-gcm sealed form against the raw JDK AES-GCM on the same blocks (the ceiling), and the
 * fixed cost per call (subkey derivation, header tag) that small objects and partial reads pay. Figures are operations
 * per second; GB/s = ops/s x bytes per operation / 10^9 (see docs/PERFORMANCE.md).
 */
package io.albireo.benchmarks.cipher;
