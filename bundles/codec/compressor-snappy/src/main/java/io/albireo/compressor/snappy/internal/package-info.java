/** The snappy {@link io.albireo.api.codec.Compressor}: private to its bundle, found through the service registry. */
package io.albireo.compressor.snappy.internal;
