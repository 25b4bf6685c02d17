/**
 * The "rs" {@link io.albireo.api.codec.ErasureCodec} in pure Java: GF(2^8) arithmetic, the fixed generator matrix,
 * and the kernels that apply it to whole fragments (Vector API, or scalar when the JVM lacks it). Private to its
 * bundle, found through the service registry.
 */
package io.albireo.codec.rs.internal;
