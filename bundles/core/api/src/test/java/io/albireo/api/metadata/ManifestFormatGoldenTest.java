package io.albireo.api.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Digest;
import io.albireo.testing.golden.GoldenFile;

/**
 * The stored form of a manifest, versions 1 and 2, pinned in golden files (src/test/resources/golden/manifest-v*.hex,
 * each annotated field by field). Version 1: an erasure-coded, compressed and encrypted object of two chunks with a
 * raw hex object id; a replicated, plain object whose object id is not hex (so stored as a string); an empty object
 * (no chunks, no fragment checksums). The three differ in how they encode (the hex-id flag, the checksum length, the
 * chunk list). Version 2: the erasure-coded object after maintenance rewrote three of its fragments under nonzero
 * generations (the encoder writes version 1 for any manifest without one).
 */
class ManifestFormatGoldenTest {

    /** Two chunks of RS(4,2), lz4 and aes-256-gcm, OSD numbers of one and two varint bytes, one fragment unwritten. */
    static Manifest erasureCoded() {
        List<Manifest.Chunk> chunks = new ArrayList<>();
        int[][] osds = {{0, 1, 2, 3, 200, Manifest.Fragment.NOT_WRITTEN}, {5, 6, 7, 8, 9, 130}};
        long[] lengths = {131_072, 70_000};
        long[] stored = {100_000, 52_000};
        for (int c = 0; c < 2; c++) {
            List<Manifest.Fragment> fragments = new ArrayList<>();
            for (int f = 0; f < 6; f++) {
                fragments.add(new Manifest.Fragment(osds[c][f], Bytes.of(pattern(8, 0x10 * (c + 1) + f))));
            }
            chunks.add(new Manifest.Chunk(lengths[c], stored[c], (int) ((stored[c] + 3) / 4), fragments));
        }
        return new Manifest("volumes/vd-0001/blk-00042", "00112233445566778899aabbccddeeff", 3, 201_072,
                Digest.of("sha-256", pattern(32, 0xa0)), new Policy(4, 2, 5, 1), "lz4", "aes-256-gcm",
                "preset-default@v2", "xxh64", "rs", 4096, chunks);
    }

    /**
     * {@link #erasureCoded()} after maintenance, at version 4: chunk 0's unwritten fragment 5 repaired onto OSD 4,
     * chunk 1's fragments 0 and 1 moved to OSDs 10 and 11, each under its own generation (9, 1 and 2 varint bytes).
     */
    static Manifest rewritten() {
        Manifest m = erasureCoded();
        List<Manifest.Chunk> chunks = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            Manifest.Chunk chunk = m.chunks().get(c);
            List<Manifest.Fragment> fragments = new ArrayList<>(chunk.fragments());
            if (c == 0) {
                fragments.set(5, new Manifest.Fragment(4, fragments.get(5).checksum(), 0x0123456789abcdefL));
            } else {
                fragments.set(0, new Manifest.Fragment(10, fragments.get(0).checksum(), 1));
                fragments.set(1, new Manifest.Fragment(11, fragments.get(1).checksum(), 300));
            }
            chunks.add(new Manifest.Chunk(chunk.length(), chunk.storedLength(), chunk.fragmentLength(), fragments));
        }
        return new Manifest(m.name(), m.objectId(), 4, m.size(), m.checksum(), m.policy(), m.compressor(),
                m.cipher(), m.keyId(), m.fragmentChecksum(), m.erasureCodec(), m.blockSize(), chunks);
    }

    /** Three replicas (k = 1) of one chunk, no compression, no encryption, an object id that is not hex. */
    static Manifest replicated() {
        List<Manifest.Fragment> fragments = List.of(new Manifest.Fragment(0, Bytes.of(pattern(4, 0x40))),
                new Manifest.Fragment(1, Bytes.of(pattern(4, 0x40))), new Manifest.Fragment(2,
                        Bytes.of(pattern(4, 0x40))));
        return new Manifest("logs/app.log", "Legacy-Id-7", 1, 1000, Digest.of("crc32c", pattern(4, 0x50)),
                new Policy(1, 2, 1, 1), "none", "none", "", "crc32c", "rs", 4096,
                List.of(new Manifest.Chunk(1000, 1000, 1000, fragments)));
    }

    /** An empty object: no chunks, so no fragment checksums (their length is 0). */
    static Manifest empty() {
        return new Manifest("empty", "", 1, 0, Digest.of("sha-256", pattern(32, 0x60)), new Policy(2, 1, 2, 1),
                "none", "none", "", "xxh64", "rs", 4096, List.of());
    }

    static Manifest sample(String golden) {
        return switch (golden) {
            case "manifest-v1" -> erasureCoded();
            case "manifest-v1-replicated" -> replicated();
            case "manifest-v1-empty" -> empty();
            case "manifest-v2" -> rewritten();
            default -> throw new IllegalArgumentException(golden);
        };
    }

    static String description(String golden) {
        return switch (golden) {
            case "manifest-v1" -> "ManifestFormat v1: volumes/vd-0001/blk-00042, object id 00112233..eeff (raw hex),"
                    + " version 3,\n201072 bytes in 2 chunks of RS(4,2) (policy (4,2,5,1)), lz4, aes-256-gcm key"
                    + " preset-default@v2,\nxxh64 fragment checksums, block size 4096; chunk 0 has an unwritten"
                    + " fragment (OSD -1).";
            case "manifest-v1-replicated" -> "ManifestFormat v1: logs/app.log, object id Legacy-Id-7 (not hex: a"
                    + " string), version 1,\n1000 bytes in 1 chunk of 3 replicas (policy (1,2,1,1)), no compression,"
                    + " no encryption,\ncrc32c fragment checksums.";
            case "manifest-v1-empty" -> "ManifestFormat v1: empty, object id \"\" (raw hex of 0 bytes), version 1,"
                    + " 0 bytes, no chunks,\npolicy (2,1,2,1), no compression, no encryption.";
            case "manifest-v2" -> "ManifestFormat v2: manifest-v1's object after maintenance, version 4: chunk 0's"
                    + " fragment 5 repaired onto OSD 4\n(generation 0123456789abcdef), chunk 1's fragments 0 and 1"
                    + " moved to OSDs 10 and 11 (generations 1 and 300);\nevery other fragment has generation 0.";
            default -> throw new IllegalArgumentException(golden);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"manifest-v1", "manifest-v1-replicated", "manifest-v1-empty", "manifest-v2"})
    void theEncoderWritesTheGoldenBytes(String golden) {
        GoldenFile.of(golden).assertMatches(ManifestFormat.encode(sample(golden)), description(golden));
    }

    @ParameterizedTest
    @ValueSource(strings = {"manifest-v1", "manifest-v1-replicated", "manifest-v1-empty", "manifest-v2"})
    void theGoldenBytesDecodeToTheSample(String golden) {
        assertEquals(sample(golden), ManifestFormat.decode(GoldenFile.of(golden).bytes()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"manifest-v1", "manifest-v1-replicated", "manifest-v1-empty", "manifest-v2"})
    void everyBitFlipAndTruncationOfTheGoldenBytesIsDetected(String golden) {
        byte[] stored = GoldenFile.of(golden).bytes();
        for (int bit = 0; bit < stored.length * 8; bit++) {
            byte[] flipped = stored.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(IntegrityException.class, () -> ManifestFormat.decode(flipped), "bit " + bit);
        }
        for (int n = 0; n < stored.length; n++) {
            byte[] cut = Arrays.copyOf(stored, n);
            assertThrows(IntegrityException.class, () -> ManifestFormat.decode(cut), "length " + n);
        }
    }

    /** @return {@code n} bytes {@code first, first + 1, ...} (mod 256): easy to find in the annotated file */
    static byte[] pattern(int n, int first) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }

    /**
     * Bytes the encoder cannot have written are refused even behind a valid CRC32C: here the version, 3, as the
     * over-long varint 83 00 (so that a decoded manifest always encodes back to the bytes it came from).
     */
    @org.junit.jupiter.api.Test
    void anOverLongVarintIsRefusedEvenWithAGoodChecksum() {
        byte[] golden = GoldenFile.of("manifest-v1").bytes();
        assertEquals(3, golden[45], "the version field of manifest-v1.hex");
        byte[] longer = new byte[golden.length + 1];
        System.arraycopy(golden, 0, longer, 0, 45);
        longer[45] = (byte) 0x83;
        longer[46] = 0;
        System.arraycopy(golden, 46, longer, 47, golden.length - 46 - 4);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(longer, 0, longer.length - 4);
        java.nio.ByteBuffer.wrap(longer, longer.length - 4, 4).putInt((int) crc.getValue());
        IntegrityException e = assertThrows(IntegrityException.class, () -> ManifestFormat.decode(longer));
        assertEquals("manifest: the version is not in its shortest form", e.getMessage());
    }
}
