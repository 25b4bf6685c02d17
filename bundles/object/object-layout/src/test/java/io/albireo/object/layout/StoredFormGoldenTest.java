package io.albireo.object.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.codec.CipherKey;
import io.albireo.api.codec.Compressor;
import io.albireo.api.metadata.Manifest;
import io.albireo.checksum.xxh64.internal.Xxh64Checksum;
import io.albireo.cipher.aesgcm.internal.AesGcmCipher;
import io.albireo.cipher.aesgcm.internal.FixedSaltAesGcm;
import io.albireo.cipher.none.internal.NoCipher;
import io.albireo.compressor.lz4.internal.Lz4Compressor;
import io.albireo.compressor.none.internal.NoneCompressor;
import io.albireo.testing.golden.GoldenFile;

/**
 * A chunk's stored form, version 1 ({@link StoredForm}, docs/OBJECT-LAYOUT.md), pinned in golden files: the k + m
 * fragments of one chunk exactly as the OSDs store them, one after the other, annotated region by region. Three
 * variants, small blocks so that every part shows: plain (no compression, no encryption), lz4 (compressed frames and a
 * raw one), and sealed (aes-256-gcm, with a fixed salt so that the bytes can be written again).
 */
class StoredFormGoldenTest {
    private static final int K = 2;
    private static final int M = 1;

    /** The sample: a pipeline and a chunk. */
    private record Sample(Pipeline writer, Pipeline reader, ByteBuffer data, String description) {
    }

    static Sample sample(String golden) {
        Xxh64Checksum xxh64 = new Xxh64Checksum();
        CipherKey key = new CipherKey("preset-default@v2", pattern(32, 0x00));
        return switch (golden) {
            case "chunk-v1-plain" -> {
                Pipeline p = new Pipeline(new NoneCompressor(), 0, new NoCipher(), null, Pipelines.RS.code(K, M),
                        xxh64, 64);
                yield new Sample(p, p, text(150), "The stored form v1 of a chunk of 150 bytes of text in blocks of"
                        + " 64 (3 blocks: 64, 64, 22),\nno compression, no encryption, RS(2,1): fragments 0, 1"
                        + " (data) and 2 (parity), one after the other.");
            }
            case "chunk-v1-lz4" -> {
                Compressor lz4 = new Lz4Compressor();
                Pipeline p = new Pipeline(lz4, lz4.levels().defaultLevel(), new NoCipher(), null,
                        Pipelines.RS.code(K, M), xxh64, 256);
                ByteBuffer data = ByteBuffer.allocate(2 * 256 + 100);
                data.put(text(2 * 256)).put(pattern(100, 0x80)).flip();
                yield new Sample(p, p, data, "The stored form v1 of a chunk of 612 bytes in blocks of 256: two"
                        + " blocks of text (lz4-compressed frames)\nand 100 bytes 80 81 .. e3 (lz4 cannot shrink them:"
                        + " a raw frame); no encryption, RS(2,1): fragments 0, 1, 2.");
            }
            case "chunk-v1-sealed" -> {
                Pipeline writer = new Pipeline(new NoneCompressor(), 0, new FixedSaltAesGcm(pattern(32, 0x30)), key,
                        Pipelines.RS.code(K, M), xxh64, 64);
                Pipeline reader = new Pipeline(new NoneCompressor(), 0, new AesGcmCipher(), key,
                        Pipelines.RS.code(K, M), xxh64, 64);
                yield new Sample(writer, reader, text(150), "The stored form v1 of a chunk of 150 bytes of text in"
                        + " blocks of 64, no compression, sealed by aes-256-gcm\nunder the key 00 01 .. 1f with the"
                        + " salt 30 31 .. 4f (fixed for the test; fresh and random in use), RS(2,1):\nfragments 0, 1,"
                        + " 2.");
            }
            default -> throw new IllegalArgumentException(golden);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"chunk-v1-plain", "chunk-v1-lz4", "chunk-v1-sealed"})
    void theEncoderWritesTheGoldenBytes(String golden) {
        Sample s = sample(golden);
        EncodedChunk e = ChunkLayout.encode(s.writer(), s.data());
        ByteBuffer all = ByteBuffer.allocate(e.fragmentLength() * (K + M));
        e.fragments().forEach(f -> all.put(f.duplicate()));
        GoldenFile.of(golden).assertMatches(all.array(), s.description());
    }

    @ParameterizedTest
    @ValueSource(strings = {"chunk-v1-plain", "chunk-v1-lz4", "chunk-v1-sealed"})
    void theGoldenBytesDecodeToTheSample(String golden) {
        Sample s = sample(golden);
        ByteBuffer[] fragments = fragments(GoldenFile.of(golden).bytes());
        Manifest.Chunk chunk = chunk(s.reader(), s.data().remaining(), storedLength(golden), fragments);
        assertArrayEquals(array(s.data()), array(ChunkLayout.decode(s.reader(), chunk, fragments)));
        // From the parity and either data fragment too: the parity is pinned as well.
        for (int missing = 0; missing < K; missing++) {
            ByteBuffer[] degraded = fragments(GoldenFile.of(golden).bytes());
            degraded[missing] = null;
            assertArrayEquals(array(s.data()), array(ChunkLayout.decode(s.reader(), chunk, degraded)), "without "
                    + missing);
        }
    }

    /**
     * No bit flip in the stored form gives the reader other bytes, by the format's own checks alone: the fragment
     * checksum is recomputed over the flipped fragment and the parity is left out, so only the index checks, the frame
     * CRC32Cs (and the GCM tags) stand between the flip and the reader. Where a flip is in an lz4 payload and the
     * payload still decompresses to the same block (lz4's encoding is not unique), the reader gets the right bytes and
     * nothing is wrong; every other flip is an IntegrityException. The padding after the stored form is checked by the
     * fragment checksum alone (below), which catches every flip.
     */
    @ParameterizedTest
    @ValueSource(strings = {"chunk-v1-plain", "chunk-v1-lz4", "chunk-v1-sealed"})
    void everyBitFlipOfTheStoredFormIsDetected(String golden) {
        Sample s = sample(golden);
        byte[] bytes = GoldenFile.of(golden).bytes();
        int fragmentLength = bytes.length / (K + M);
        long storedLength = storedLength(golden);
        List<Integer> harmless = new ArrayList<>();
        for (int bit = 0; bit < storedLength * 8; bit++) {
            byte[] flipped = bytes.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            ByteBuffer[] fragments = fragments(flipped);
            fragments[K] = null;
            Manifest.Chunk chunk = chunk(s.reader(), s.data().remaining(), storedLength, fragments);
            // The stored form is split across the data fragments: byte i of it is in fragment i / fragmentLength.
            ByteBuffer decoded;
            try {
                decoded = ChunkLayout.decode(s.reader(), chunk, fragments);
            } catch (IntegrityException expected) {
                continue;
            }
            assertArrayEquals(array(s.data()), array(decoded), "bit " + bit + " (fragment " + bit / 8
                    / fragmentLength + ") gave other bytes");
            harmless.add(bit);
        }
        assertEquals(golden.equals("chunk-v1-lz4") ? HARMLESS_LZ4_FLIPS : List.of(), harmless,
                "the flips that decode to the same bytes");
    }

    /**
     * The bits of chunk-v1-lz4 whose flip leaves its lz4 payloads decoding to the same blocks: the low 4 bits of the
     * last token of each compressed frame (bytes 97 and 175), its match length, which the lz4 block format leaves
     * unused because the last sequence is literals only.
     */
    private static final List<Integer> HARMLESS_LZ4_FLIPS = List.of(776, 777, 778, 779, 1400, 1401, 1402, 1403);

    /**
     * With the manifest's checksums, every flipped bit and every truncation of any one fragment makes it count as
     * missing: with the parity absent, decoding fails with an IntegrityException; it never returns other bytes.
     */
    @ParameterizedTest
    @ValueSource(strings = {"chunk-v1-plain", "chunk-v1-lz4", "chunk-v1-sealed"})
    void everyBitFlipAndTruncationOfAFragmentIsDetectedByItsChecksum(String golden) {
        Sample s = sample(golden);
        byte[] bytes = GoldenFile.of(golden).bytes();
        int fragmentLength = bytes.length / (K + M);
        Manifest.Chunk chunk = chunk(s.reader(), s.data().remaining(), storedLength(golden), fragments(bytes));
        for (int bit = 0; bit < K * fragmentLength * 8; bit++) {
            byte[] flipped = bytes.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            ByteBuffer[] fragments = fragments(flipped);
            fragments[K] = null;
            assertThrows(IntegrityException.class, () -> ChunkLayout.decode(s.reader(), chunk, fragments), "bit "
                    + bit);
        }
        for (int f = 0; f < K; f++) {
            for (int n = 0; n < fragmentLength; n++) {
                ByteBuffer[] fragments = fragments(bytes);
                fragments[f] = fragments[f].duplicate().limit(n);
                fragments[K] = null;
                assertThrows(IntegrityException.class, () -> ChunkLayout.decode(s.reader(), chunk, fragments),
                        "fragment " + f + " cut to " + n);
            }
        }
    }

    /** The stored form's length (index region and sealed frames, before padding), as the manifest records it. */
    private static long storedLength(String golden) {
        return switch (golden) {
            case "chunk-v1-plain" -> 193;
            case "chunk-v1-lz4" -> 287;
            case "chunk-v1-sealed" -> 267;
            default -> throw new IllegalArgumentException(golden);
        };
    }

    private static ByteBuffer[] fragments(byte[] all) {
        int length = all.length / (K + M);
        ByteBuffer[] out = new ByteBuffer[K + M];
        for (int i = 0; i < K + M; i++) {
            out[i] = ByteBuffer.wrap(all, i * length, length).slice();
        }
        return out;
    }

    /** The manifest's entry for the chunk: its checksums computed from the fragments given (null: not written). */
    private static Manifest.Chunk chunk(Pipeline p, int length, long storedLength, ByteBuffer[] fragments) {
        List<Manifest.Fragment> list = new ArrayList<>();
        int fragmentLength = 0;
        for (int i = 0; i < fragments.length; i++) {
            ByteBuffer f = fragments[i];
            if (f != null) {
                fragmentLength = Math.max(fragmentLength, f.remaining());
            }
            list.add(new Manifest.Fragment(i, f == null ? Bytes.of(new byte[8])
                    : Bytes.of(p.fragmentChecksum().compute(f).toByteArray())));
        }
        return new Manifest.Chunk(length, storedLength, fragmentLength, list);
    }

    private static ByteBuffer text(int length) {
        String words = "albireo stores objects as chunks of fragments on many OSDs. ";
        return ByteBuffer.wrap(words.repeat(length / words.length() + 1).substring(0, length)
                .getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] pattern(int n, int first) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }

    private static byte[] array(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }
}
