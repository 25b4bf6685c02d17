package io.albireo.object.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.StorageException;
import io.albireo.api.codec.Compressor;
import io.albireo.api.metadata.Manifest;

class ChunkLayoutTest {
    /** The proxy's largest fragment in these tests: chunks are up to k x this. */
    private static final int MAX_FRAGMENT = 64 * 1024;

    static Stream<Arguments> shapes() {
        List<Arguments> list = new ArrayList<>();
        for (String kind : new String[] {"sealed", "plain"}) {
            for (int[] km : new int[][] {{4, 2}, {8, 2}, {1, 2}}) {
                list.add(Arguments.of(kind, km[0], km[1]));
            }
        }
        return list.stream();
    }

    static Pipeline pipeline(String kind, int k, int m) {
        return kind.equals("sealed") ? Pipelines.sealed(k, m) : Pipelines.plain(k, m);
    }

    static Manifest.Chunk chunk(EncodedChunk e) {
        int[] osds = new int[e.fragments().size()];
        for (int i = 0; i < osds.length; i++) {
            osds[i] = i;
        }
        return e.manifestChunk(osds);
    }

    static ByteBuffer[] all(EncodedChunk e) {
        return e.fragments().toArray(ByteBuffer[]::new);
    }

    static byte[] array(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    @ParameterizedTest(name = "{0} RS({1},{2})")
    @MethodSource("shapes")
    void roundTripsEverySize(String kind, int k, int m) {
        Pipeline p = pipeline(kind, k, m);
        Random r = new Random(k * 100 + m);
        List<Integer> sizes = new ArrayList<>(List.of(0, 1, 4095, 4096, 4097, k * MAX_FRAGMENT - 1,
                k * MAX_FRAGMENT));
        for (int i = 0; i < 4; i++) {
            sizes.add(r.nextInt(k * MAX_FRAGMENT));
        }
        for (int size : sizes) {
            for (ByteBuffer data : List.of(Pipelines.random(size, size), Pipelines.text(size, size))) {
                EncodedChunk e = ChunkLayout.encode(p, data);
                assertEquals(size, e.length());
                assertEquals(k + m, e.fragments().size());
                assertTrue((long) k * e.fragmentLength() >= e.storedLength());
                assertTrue((long) k * (e.fragmentLength() - 1) < Math.max(1, e.storedLength()), "padding < k bytes");
                for (ByteBuffer f : e.fragments()) {
                    assertEquals(e.fragmentLength(), f.remaining());
                }
                ByteBuffer back = ChunkLayout.decode(p, chunk(e), all(e));
                assertArrayEquals(array(data), array(back), kind + " size " + size);
            }
        }
    }

    @Test
    void compressesAndSealsPerBlock() {
        Pipeline p = Pipelines.sealed(4, 2);
        ByteBuffer text = Pipelines.text(1 << 20, 1);
        EncodedChunk e = ChunkLayout.encode(p, text);
        assertTrue(e.storedLength() < (1 << 20) * 2 / 3, "text compresses: " + e.storedLength());
        ByteBuffer random = Pipelines.random(1 << 20, 1);
        EncodedChunk r = ChunkLayout.encode(p, random);
        // Index (4 + 4 bytes a block), frame crc and raw CompressedForm header (4 + 4), a tag per 4 KiB sealed.
        long blocks = 256;
        assertTrue(r.storedLength() <= (1 << 20) + blocks * 8 + blocks * 8 + 58 + 16 * (blocks + 2) + 13,
                "random stays raw: " + r.storedLength());
        // The same plaintext sealed twice gives other ciphertext: fresh salt per chunk.
        assertNotEquals(ChunkLayout.encode(p, text).fragments().get(1), e.fragments().get(1));
    }

    @ParameterizedTest(name = "{0} RS({1},{2})")
    @MethodSource("shapes")
    void decodesWithAnyMMissing(String kind, int k, int m) {
        Pipeline p = pipeline(kind, k, m);
        ByteBuffer data = Pipelines.text(k * 20000 + 123, 7);
        EncodedChunk e = ChunkLayout.encode(p, data);
        int n = k + m;
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                ByteBuffer[] f = all(e);
                f[a] = null;
                f[b] = null;
                assertArrayEquals(array(data), array(ChunkLayout.decode(p, chunk(e), f)), "missing " + a + ", " + b);
            }
        }
    }

    @Test
    void corruptFragmentIsTreatedAsMissing() {
        Pipeline p = Pipelines.sealed(4, 2);
        ByteBuffer data = Pipelines.text(200_000, 3);
        EncodedChunk e = ChunkLayout.encode(p, data);
        ByteBuffer[] f = all(e);
        f[1] = flipped(f[1], 100);
        f[4] = null;
        assertArrayEquals(array(data), array(ChunkLayout.decode(p, chunk(e), f)));

        f[2] = flipped(f[2], 5);
        IntegrityException bad = assertThrows(IntegrityException.class, () -> ChunkLayout.decode(p, chunk(e), f));
        assertTrue(bad.getMessage().contains("missing [4]") && bad.getMessage().contains("failed [1 (xxh64"),
                bad.getMessage());

        ByteBuffer[] few = all(e);
        few[0] = null;
        few[3] = null;
        few[5] = null;
        StorageException missing = assertThrows(StorageException.class, () -> ChunkLayout.decode(p, chunk(e), few));
        assertEquals("RS(4,2) needs 4 good fragments, has 3: missing [0, 3, 5], failed []", missing.getMessage());
    }

    @ParameterizedTest(name = "{0} RS({1},{2})")
    @MethodSource("shapes")
    void rebuildsWithoutTheKey(String kind, int k, int m) {
        Pipeline p = pipeline(kind, k, m);
        EncodedChunk e = ChunkLayout.encode(p, Pipelines.text(k * 30000, 11));
        Pipeline repair = Pipelines.withoutKey(p);
        ByteBuffer[] f = all(e);
        int[] wanted = m >= 2 ? new int[] {0, k + m - 1} : new int[] {0};
        for (int w : wanted) {
            f[w] = null;
        }
        ByteBuffer[] rebuilt = ChunkLayout.rebuild(repair.erasure(), repair.fragmentChecksum(), chunk(e), f, wanted);
        for (int w = 0; w < wanted.length; w++) {
            assertEquals(e.fragments().get(wanted[w]), rebuilt[w], "fragment " + wanted[w]);
        }
    }

    @Test
    void rebuildSkipsCorruptSourcesAndChecksWhatItMakes() {
        Pipeline p = Pipelines.sealed(4, 2);
        EncodedChunk e = ChunkLayout.encode(p, Pipelines.random(100_000, 2));
        ByteBuffer[] f = all(e);
        f[0] = null;
        f[2] = flipped(f[2], 9);
        ByteBuffer[] rebuilt = ChunkLayout.rebuild(p.erasure(), p.fragmentChecksum(), chunk(e), f, new int[] {0});
        assertEquals(e.fragments().get(0), rebuilt[0]);

        // A manifest whose checksum of fragment 0 is wrong: the rebuilt fragment is refused, not returned.
        List<Manifest.Fragment> fragments = new ArrayList<>(chunk(e).fragments());
        fragments.set(0, new Manifest.Fragment(0, Bytes.of(new byte[8])));
        Manifest.Chunk wrong = new Manifest.Chunk(e.length(), e.storedLength(), e.fragmentLength(), fragments);
        ByteBuffer[] g = all(e);
        g[0] = null;
        assertThrows(IntegrityException.class,
                () -> ChunkLayout.rebuild(p.erasure(), p.fragmentChecksum(), wrong, g, new int[] {0}));
    }

    @Test
    void flippedIndexBitIsCaughtByTheFrameCrc() {
        // No redundancy and a fragment checksum recomputed over the flipped bit: only the frame crc stands between
        // the corrupt index and the reader.
        Pipeline p = Pipelines.plain(1, 0);
        ByteBuffer data = Pipelines.random(5 * 4096, 4);
        EncodedChunk e = ChunkLayout.encode(p, data);
        for (int bit = 0; bit < 8; bit++) {
            ByteBuffer f = flipped(e.fragments().get(0), StoredForm.INDEX_HEADER + 4 * 2 + 3, bit);
            Manifest.Chunk c = withChecksum(p, e, f);
            assertThrows(IntegrityException.class, () -> ChunkLayout.decode(p, c, new ByteBuffer[] {f}));
        }
    }

    @Test
    void indexPointingAtAnotherValidFrameIsCaught() {
        // Entries 1 and 2 both moved one frame on: block 1 would read frame 2, a valid frame of the same length.
        // The crc covers the block's index, so this fails too.
        Pipeline p = Pipelines.plain(1, 0);
        EncodedChunk e = ChunkLayout.encode(p, Pipelines.random(4 * 4096, 5));
        ByteBuffer f = ByteBuffer.allocate(e.fragmentLength()).put(e.fragments().get(0).duplicate()).flip();
        int entry1 = StoredForm.INDEX_HEADER + 4;
        f.putInt(entry1, f.getInt(entry1 + 4));
        f.putInt(entry1 + 4, f.getInt(entry1 + 8));
        Manifest.Chunk c = withChecksum(p, e, f);
        IntegrityException x = assertThrows(IntegrityException.class,
                () -> ChunkLayout.decode(p, c, new ByteBuffer[] {f}));
        assertTrue(x.getMessage().contains("crc32c") || x.getMessage().contains("frame"), x.getMessage());
    }

    static Manifest.Chunk withChecksum(Pipeline p, EncodedChunk e, ByteBuffer fragment) {
        Bytes sum = Bytes.of(p.fragmentChecksum().compute(fragment).toByteArray());
        return new Manifest.Chunk(e.length(), e.storedLength(), e.fragmentLength(),
                List.of(new Manifest.Fragment(0, sum)));
    }

    static ByteBuffer flipped(ByteBuffer f, int at) {
        return flipped(f, at, 0);
    }

    static ByteBuffer flipped(ByteBuffer f, int at, int bit) {
        ByteBuffer copy = ByteBuffer.allocate(f.remaining()).put(f.duplicate()).flip();
        copy.put(at, (byte) (copy.get(at) ^ (1 << bit)));
        return copy;
    }

    /** Early abort: noise is stored raw without compressing most blocks; text after it is compressed again. */
    @org.junit.jupiter.api.Test
    void incompressibleRunsAreStoredRawAndCompressionResumes() {
        Pipeline p = Pipelines.sealed(4, 2);
        int half = 2 << 20;
        ByteBuffer data = ByteBuffer.allocate(2 * half);
        data.put(Pipelines.random(half, 31)).put(Pipelines.text(half, 32)).flip();
        byte[] bytes = array(data);
        EncodedChunk e = ChunkLayout.encode(p, data);
        assertArrayEquals(bytes, array(ChunkLayout.decode(p, chunk(e), e.fragments().toArray(ByteBuffer[]::new))));
        // The noise costs its length plus small frame headers; the text after the last skipped run compresses.
        long noise = half + (long) (half / 4096) * (4 + io.albireo.api.codec.CompressedForm.MAX_OVERHEAD);
        // (and 16 bytes of GCM tag per 4 KiB)
        assertTrue(e.storedLength() < noise * 101 / 100 + half * 3L / 4, "stored " + e.storedLength());
        for (int i = 0; i < 50; i++) {
            int at = half - 300_000 + i * 12_000;
            assertArrayEquals(java.util.Arrays.copyOfRange(bytes, at, at + 5000),
                    RangeReaderTest.read(p, chunk(e), new MemorySource(e.fragments()), at, 5000));
        }
    }

    /** The frames are built where the sealed form goes: nothing of the plaintext may stay behind there. */
    @Test
    void noPlaintextStaysInTheFragmentsOfASealedChunk() {
        byte[] plain = array(Pipelines.random(5 * 4096 + 123, 11)); // noise: lz4 stores it raw
        EncodedChunk e = ChunkLayout.encode(Pipelines.sealed(2, 1), ByteBuffer.wrap(plain));
        String stored = new String(array(e.fragments().get(0)), java.nio.charset.StandardCharsets.ISO_8859_1)
                + new String(array(e.fragments().get(1)), java.nio.charset.StandardCharsets.ISO_8859_1);
        for (int at = 0; at + 16 <= plain.length; at += 512) {
            String piece = new String(plain, at, 16, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertEquals(-1, stored.indexOf(piece), "plaintext at " + at + " is in the stored form");
        }
    }

    /**
     * Golden bytes of the stored form (docs/OBJECT-LAYOUT.md), which fragments on every OSD hold: 3 full blocks and
     * one of 1,000 bytes, raw, in RS(2,1). The index is written out by hand from the format (version 1, block size
     * 4096, 4 blocks, 5 frame offsets: a raw frame is its CRC, a 3-byte header and the block); every fragment is
     * pinned by its SHA-256, and by the fragment checksum the manifest keeps.
     */
    @Test
    void theStoredFormOfRawBlocksIsPinned() throws Exception {
        EncodedChunk e = ChunkLayout.encode(Pipelines.plain(2, 1), Pipelines.text(3 * 4096 + 1000, 7));
        String index = "01" + "00001000" + "00000004" + "00000000" + "00001007" + "0000200e" + "00003015"
                + "00003404";
        assertEquals(index, java.util.HexFormat.of().formatHex(array(e.fragments().get(0)), 0, index.length() / 2));
        assertEquals(index.length() / 2 + 13_316, e.storedLength());
        assertEquals((e.storedLength() + 1) / 2, e.fragmentLength());
        assertEquals(GOLDEN_RAW, digests(e));
    }

    /** The same for lz4 over text and noise: compressed frames, then raw ones after the early abort. */
    @Test
    void theStoredFormOfCompressedAndSkippedBlocksIsPinned() throws Exception {
        Compressor lz4 = new io.albireo.compressor.lz4.internal.Lz4Compressor();
        Pipeline p = new Pipeline(lz4, lz4.levels().defaultLevel(), new io.albireo.cipher.none.internal.NoCipher(),
                null, Pipelines.RS.code(2, 1), new io.albireo.checksum.xxh64.internal.Xxh64Checksum(), 4096);
        ByteBuffer data = ByteBuffer.allocate(12 * 4096 + 10 * 4096 + 77);
        data.put(Pipelines.text(12 * 4096, 8)).put(Pipelines.random(10 * 4096 + 77, 9)).flip();
        EncodedChunk e = ChunkLayout.encode(p, data);
        assertEquals(GOLDEN_LZ4, digests(e));
    }

    private static final String GOLDEN_RAW = "13345,6673"
            + ";36d63b0e152e8943,3b150daef48df9425f871b869aab9a4e57be4ba805fa191d643c5f9feea2240a"
            + ";524444f7a2b2f5f1,97dab453945cc3c50ffa2be2eb9d02f20aab5b3d1b7ae6468c47b804ec09d448"
            + ";fb8d69407d75a80e,a440305fa8e83c803923cba1d8e2c4a826ecff42588f3f58fea0f1eafd114135";
    // 12 blocks of text compressed, then 8 of noise tried and stored raw, then 3 stored raw untried (early abort).
    private static final String GOLDEN_LZ4 = "64621,32311"
            + ";f4c3647d4407742b,f4aa9161864a33380a2837c75116bf30880c109fb28eba8cd7a738dd4272b15c"
            + ";f48ff339e1b97200,3e7cc9c0f7d3b045c5a976fef22c2b6a9cc3abba66c8b2ab8cef5cea06ce42ac"
            + ";242337db9354f56c,f8aa57b2efbd5a8a2d78c400e1782988c901eb54fef3405d733a7404b4e443e0";

    /** @return "stored length, fragment length; per fragment: its checksum, the SHA-256 of its bytes" */
    private static String digests(EncodedChunk e) throws Exception {
        StringBuilder s = new StringBuilder(e.storedLength() + "," + e.fragmentLength());
        for (int i = 0; i < e.fragments().size(); i++) {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(e.fragments().get(i).duplicate());
            s.append(';').append(e.checksums().get(i)).append(',')
                    .append(java.util.HexFormat.of().formatHex(sha.digest()));
        }
        return s.toString();
    }
}
