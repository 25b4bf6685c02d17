/**
 * The "rs" {@link io.albireo.api.codec.ErasureCodec} through Intel ISA-L (Debian's libisal2), bound with JNA: a loader
 * that enables the codec only where the library is present, and the codec itself, byte-identical with the pure-Java
 * one. Private to its bundle, found through the service registry.
 */
package io.albireo.codec.rs.isal.internal;
