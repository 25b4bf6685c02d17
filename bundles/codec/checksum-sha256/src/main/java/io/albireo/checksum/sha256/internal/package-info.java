/** The sha-256 {@link io.albireo.api.codec.Checksum}: private to its bundle, found through the service registry. */
package io.albireo.checksum.sha256.internal;
