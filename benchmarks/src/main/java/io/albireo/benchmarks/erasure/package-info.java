/** Erasure coding benchmarks: the pure-Java and ISA-L rs codecs, encode and decode, in GB/s. */
package io.albireo.benchmarks.erasure;
