/** The xxh64 {@link io.albireo.api.codec.Checksum}: private to its bundle, found through the service registry. */
package io.albireo.checksum.xxh64.internal;
