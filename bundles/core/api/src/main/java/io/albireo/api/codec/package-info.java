/**
 * The codec families every stored byte passes through: {@link io.albireo.api.codec.Checksum},
 * {@link io.albireo.api.codec.Compressor}, {@link io.albireo.api.codec.Cipher} and
 * {@link io.albireo.api.codec.ErasureCodec}. Each algorithm is a service registered under its name
 * ({@link io.albireo.api.AlbireoName}); {@link io.albireo.api.codec.CodecRegistry} resolves names and says which
 * feature to install when an algorithm is missing.
 */
@Export
@Version("1.2.0")
package io.albireo.api.codec;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
