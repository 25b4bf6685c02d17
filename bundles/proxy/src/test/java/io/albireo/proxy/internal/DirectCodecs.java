package io.albireo.proxy.internal;

import java.util.List;

import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.Cipher;
import io.albireo.api.codec.CodecRegistry;
import io.albireo.api.codec.Compressor;
import io.albireo.api.codec.ErasureCodec;
import io.albireo.checksum.xxh64.internal.Xxh64Checksum;
import io.albireo.cipher.aesgcm.internal.AesGcmCipher;
import io.albireo.cipher.none.internal.NoCipher;
import io.albireo.codec.rs.internal.ReedSolomonCodec;
import io.albireo.compressor.lz4.internal.Lz4Compressor;
import io.albireo.compressor.none.internal.NoneCompressor;

/** The real codecs, constructed directly (as benchmarks/ does) instead of tracked as services. */
final class DirectCodecs implements CodecRegistry {
    private final Checksum xxh64 = new Xxh64Checksum();
    private final Compressor lz4 = new Lz4Compressor();
    private final Compressor none = new NoneCompressor();
    private final Cipher aes = new AesGcmCipher();
    private final Cipher noCipher = new NoCipher();
    private final ErasureCodec rs = new ReedSolomonCodec();

    private static RuntimeException missing(String family, String name) {
        return new IllegalArgumentException(family + " '" + name + "' is not in the test's codecs");
    }

    @Override
    public Checksum checksum(String name) {
        if (name.equals("xxh64")) {
            return xxh64;
        }
        throw missing("checksum", name);
    }

    @Override
    public Compressor compressor(String name) {
        return switch (name) {
            case "lz4" -> lz4;
            case "none" -> none;
            default -> throw missing("compressor", name);
        };
    }

    @Override
    public Cipher cipher(String name) {
        return switch (name) {
            case "aes-256-gcm" -> aes;
            case "none" -> noCipher;
            default -> throw missing("cipher", name);
        };
    }

    @Override
    public ErasureCodec erasureCodec(String name) {
        if (name.equals("rs")) {
            return rs;
        }
        throw missing("erasure codec", name);
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
