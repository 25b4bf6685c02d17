package io.albireo.codec.registry.internal;

import java.util.List;
import java.util.Optional;

/**
 * Every algorithm Albireo ships, with the bundle and feature that provide it: what the registry names in its error
 * when a service is missing, and what {@code codec:list} shows as inactive.
 */
final class Catalog {

    /**
     * One shipped algorithm implementation.
     *
     * @param family the codec family
     * @param name the algorithm's name
     * @param implementation the implementation's short name
     * @param bundle the symbolic name of the bundle that provides it
     * @param feature the feature that installs that bundle
     */
    record Known(String family, String name, String implementation, String bundle, String feature) {
    }

    static final String CHECKSUM = "checksum";
    static final String COMPRESSOR = "compressor";
    static final String CIPHER = "cipher";
    static final String ERASURE_CODEC = "erasure-codec";

    private final List<Known> known = List.of(
            new Known(CHECKSUM, "crc32c", "java", "io.albireo.checksum.crc32c", "albireo-checksum-crc32c"),
            new Known(ERASURE_CODEC, "rs", "java", "io.albireo.codec.rs", "albireo-codec-rs"),
            new Known(ERASURE_CODEC, "rs", "isal", "io.albireo.codec.rs.isal", "albireo-codec-rs-isal"),
            new Known(CHECKSUM, "sha-256", "jdk", "io.albireo.checksum.sha256", "albireo-checksum-sha256"),
            new Known(CHECKSUM, "xxh64", "lz4-java", "io.albireo.checksum.xxh64", "albireo-checksum-xxh64"),
            new Known(CIPHER, "aes-256-gcm", "jdk", "io.albireo.cipher.aesgcm", "albireo-cipher-aesgcm"),
            new Known(CIPHER, "none", "java", "io.albireo.cipher.none", "albireo-cipher-none"),
            new Known(COMPRESSOR, "none", "java", "io.albireo.compressor.none", "albireo-compressor-none"),
            new Known(COMPRESSOR, "lz4", "lz4-java", "io.albireo.compressor.lz4", "albireo-compressor-lz4"),
            new Known(COMPRESSOR, "snappy", "snappy-java", "io.albireo.compressor.snappy", "albireo-compressor-snappy"),
            new Known(COMPRESSOR, "zstd", "zstd-jni", "io.albireo.compressor.zstd", "albireo-compressor-zstd"),
            new Known(COMPRESSOR, "bzip2", "commons-compress", "io.albireo.compressor.bzip2",
                    "albireo-compressor-bzip2"),
            new Known(COMPRESSOR, "gzip", "jdk", "io.albireo.compressor.gzip", "albireo-compressor-gzip"));

    List<Known> all() {
        return known;
    }

    Optional<Known> find(String family, String name) {
        return known.stream().filter(k -> k.family().equals(family) && k.name().equals(name)).findFirst();
    }

    Optional<Known> find(String family, String name, String implementation) {
        return known.stream().filter(k -> k.family().equals(family) && k.name().equals(name)
                && k.implementation().equals(implementation)).findFirst();
    }
}
