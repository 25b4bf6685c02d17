/** The crc32c {@link io.albireo.api.codec.Checksum}: private to its bundle, found through the service registry. */
package io.albireo.checksum.crc32c.internal;
