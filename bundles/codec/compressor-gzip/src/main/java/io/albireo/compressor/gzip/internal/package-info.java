/** The gzip {@link io.albireo.api.codec.Compressor}: private to its bundle, found through the service registry. */
package io.albireo.compressor.gzip.internal;
