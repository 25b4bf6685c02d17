package io.albireo.proxy.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.Cipher;
import io.albireo.api.codec.CodecRegistry;
import io.albireo.api.codec.Compressor;
import io.albireo.api.codec.ErasureCodec;
import io.albireo.checksum.crc32c.internal.Crc32cChecksum;
import io.albireo.checksum.sha256.internal.Sha256Checksum;
import io.albireo.checksum.xxh64.internal.Xxh64Checksum;
import io.albireo.cipher.aesgcm.internal.AesGcmCipher;
import io.albireo.cipher.none.internal.NoCipher;
import io.albireo.codec.rs.internal.ReedSolomonCodec;
import io.albireo.codec.rs.isal.internal.IsalReedSolomonCodec;
import io.albireo.compressor.bzip2.internal.Bzip2Compressor;
import io.albireo.compressor.gzip.internal.GzipCompressor;
import io.albireo.compressor.lz4.internal.Lz4Compressor;
import io.albireo.compressor.none.internal.NoneCompressor;
import io.albireo.compressor.snappy.internal.SnappyCompressor;
import io.albireo.compressor.zstd.internal.ZstdCompressor;

/**
 * Every real codec, constructed directly (as benchmarks/ does) instead of tracked as services. Erasure codec "rs" is
 * the pure-Java implementation, or ISA-L's when constructed with {@code isal} (and libisal is installed).
 */
public final class DirectCodecs implements CodecRegistry {
    static final List<String> COMPRESSORS = List.of("none", "lz4", "snappy", "zstd", "gzip", "bzip2");
    static final List<String> CIPHERS = List.of("none", "aes-256-gcm");
    static final List<String> CHECKSUMS = List.of("xxh64", "crc32c", "sha-256");

    private final Map<String, Checksum> checksums = Map.of("xxh64", new Xxh64Checksum(), "crc32c",
            new Crc32cChecksum(), "sha-256", new Sha256Checksum());
    private final Map<String, Compressor> compressors = Map.of("none", new NoneCompressor(), "lz4",
            new Lz4Compressor(), "snappy", new SnappyCompressor(), "zstd", new ZstdCompressor(), "gzip",
            new GzipCompressor(), "bzip2", new Bzip2Compressor());
    private final Map<String, Cipher> ciphers = Map.of("aes-256-gcm", new AesGcmCipher(), "none", new NoCipher());
    private final ErasureCodec rs;

    public DirectCodecs() {
        this.rs = new ReedSolomonCodec();
    }

    private DirectCodecs(ErasureCodec rs) {
        this.rs = rs;
    }

    /** @return the codecs with ISA-L's Reed-Solomon, or empty when libisal cannot be loaded here */
    public static Optional<DirectCodecs> withIsal() {
        try {
            return Optional.of(new DirectCodecs(new IsalReedSolomonCodec()));
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }

    /** @return the erasure codec's implementation, for test names */
    public String rsImplementation() {
        return rs instanceof ReedSolomonCodec ? "java" : "isal";
    }

    private static <T> T get(Map<String, T> m, String family, String name) {
        T t = m.get(name);
        if (t == null) {
            throw new IllegalArgumentException(family + " '" + name + "' is not in the test's codecs");
        }
        return t;
    }

    @Override
    public Checksum checksum(String name) {
        return get(checksums, "checksum", name);
    }

    @Override
    public Compressor compressor(String name) {
        return get(compressors, "compressor", name);
    }

    @Override
    public Cipher cipher(String name) {
        return get(ciphers, "cipher", name);
    }

    @Override
    public ErasureCodec erasureCodec(String name) {
        return get(Map.of("rs", rs), "erasure codec", name);
    }

    @Override
    public ErasureCodec erasureCodec(String name, String implementation) {
        return erasureCodec(name);
    }

    @Override
    public List<AlgorithmInfo> algorithms() {
        return List.of();
    }
}
