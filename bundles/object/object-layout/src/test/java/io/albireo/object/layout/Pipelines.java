package io.albireo.object.layout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import io.albireo.api.codec.CipherKey;
import io.albireo.api.codec.Compressor;
import io.albireo.checksum.xxh64.internal.Xxh64Checksum;
import io.albireo.cipher.aesgcm.internal.AesGcmCipher;
import io.albireo.cipher.none.internal.NoCipher;
import io.albireo.codec.rs.internal.ReedSolomonCodec;
import io.albireo.compressor.lz4.internal.Lz4Compressor;
import io.albireo.compressor.none.internal.NoneCompressor;

/** The real codecs, built as plain classes, and test data. */
final class Pipelines {
    static final ReedSolomonCodec RS = new ReedSolomonCodec();

    private Pipelines() {
    }

    /** lz4 and aes-256-gcm: the full pipeline. */
    static Pipeline sealed(int k, int m) {
        Compressor lz4 = new Lz4Compressor();
        byte[] secret = new byte[32];
        new Random(k * 31 + m).nextBytes(secret);
        return new Pipeline(lz4, lz4.levels().defaultLevel(), new AesGcmCipher(), new CipherKey("test", secret),
                RS.code(k, m), new Xxh64Checksum(), Pipeline.DEFAULT_BLOCK_SIZE);
    }

    /** No compression, no encryption: frames are the blocks, crc32c their only check. */
    static Pipeline plain(int k, int m) {
        return new Pipeline(new NoneCompressor(), 0, new NoCipher(), null, RS.code(k, m), new Xxh64Checksum(),
                Pipeline.DEFAULT_BLOCK_SIZE);
    }

    /** @return a copy of {@code p} without its key, as repair has it */
    static Pipeline withoutKey(Pipeline p) {
        return new Pipeline(p.compressor(), p.compressionLevel(), p.cipher(), null, p.erasure(), p.fragmentChecksum(),
                p.blockSize());
    }

    static ByteBuffer random(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    /** Words from a small vocabulary: lz4 compresses it about 2 to 3 times. */
    static ByteBuffer text(int length, long seed) {
        String[] words = {"albireo ", "object ", "fragment ", "chunk ", "the ", "of ", "parity ", "block ", "osd ",
            "namespace ", "preset ", "manifest ", "repair ", "seal ", "index "};
        Random r = new Random(seed);
        StringBuilder s = new StringBuilder(length + 16);
        while (s.length() < length) {
            s.append(words[r.nextInt(words.length)]);
            if (r.nextInt(8) == 0) {
                s.append(r.nextInt(100000)).append(' ');
            }
        }
        return ByteBuffer.wrap(s.substring(0, length).getBytes(StandardCharsets.ISO_8859_1));
    }
}
