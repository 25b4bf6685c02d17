package io.albireo.object.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.albireo.api.IntegrityException;
import io.albireo.api.StorageException;
import io.albireo.api.metadata.Manifest;

class RangeReaderTest {

    static byte[] read(Pipeline p, Manifest.Chunk c, FragmentSource s, long offset, int length) {
        return ChunkLayoutTest.array(RangeReader.read(p, c, s, offset, length).join());
    }

    static byte[] slice(byte[] data, long offset, int length) {
        return Arrays.copyOfRange(data, (int) offset, (int) offset + length);
    }

    static Throwable failure(Pipeline p, Manifest.Chunk c, FragmentSource s, long offset, int length) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> RangeReader.read(p, c, s, offset, length).get());
        return e.getCause();
    }

    @ParameterizedTest(name = "{0} RS({1},{2})")
    @MethodSource("io.albireo.object.layout.ChunkLayoutTest#shapes")
    void randomRangesEqualTheOriginal(String kind, int k, int m) {
        Pipeline p = ChunkLayoutTest.pipeline(kind, k, m);
        Random r = new Random(k * 7 + m);
        for (ByteBuffer data : new ByteBuffer[] {Pipelines.text(k * 50_000 + 77, 1), Pipelines.random(k * 50_000, 2)}) {
            byte[] bytes = ChunkLayoutTest.array(data);
            EncodedChunk e = ChunkLayout.encode(p, data);
            Manifest.Chunk c = ChunkLayoutTest.chunk(e);
            MemorySource s = new MemorySource(e.fragments());
            for (int i = 0; i < 60; i++) {
                long offset = r.nextInt(bytes.length);
                int length = r.nextInt(Math.min(bytes.length - (int) offset, i % 3 == 0 ? 40_000 : 5000) + 1);
                assertArrayEquals(slice(bytes, offset, length), read(p, c, s, offset, length),
                        "[" + offset + "+" + length + ")");
            }
            // Block boundaries, fragment boundaries, the edges, the whole chunk.
            long f = e.fragmentLength();
            for (long at : new long[] {0, 4095, 4096, 8191, 12288, f - 1, f, bytes.length - 4097, bytes.length - 1}) {
                for (int length : new int[] {1, 2, 4096, 4097, 9000}) {
                    if (at >= bytes.length) {
                        continue;
                    }
                    int n = (int) Math.min(length, bytes.length - at);
                    assertArrayEquals(slice(bytes, at, n), read(p, c, s, at, n), "[" + at + "+" + n + ")");
                }
            }
            assertArrayEquals(bytes, read(p, c, s, 0, bytes.length));
            s.reset();
            assertEquals(0, read(p, c, s, 1234, 0).length);
            assertEquals(0, s.bytes(), "a 0-byte read fetches nothing");
        }
    }

    @Test
    void readsTheEdgesOfSmallChunks() {
        Pipeline p = Pipelines.sealed(4, 2);
        for (int size : new int[] {1, 4095, 4096, 4097}) {
            ByteBuffer data = Pipelines.text(size, size);
            EncodedChunk e = ChunkLayout.encode(p, data);
            MemorySource s = new MemorySource(e.fragments());
            byte[] bytes = ChunkLayoutTest.array(data);
            assertArrayEquals(bytes, read(p, ChunkLayoutTest.chunk(e), s, 0, size));
            assertArrayEquals(slice(bytes, size - 1, 1), read(p, ChunkLayoutTest.chunk(e), s, size - 1, 1));
        }
        EncodedChunk empty = ChunkLayout.encode(p, ByteBuffer.allocate(0));
        assertEquals(0, read(p, ChunkLayoutTest.chunk(empty), new MemorySource(empty.fragments()), 0, 0).length);
        assertThrows(IllegalArgumentException.class, () -> RangeReader.read(p, ChunkLayoutTest.chunk(empty),
                new MemorySource(empty.fragments()), 0, 1));
    }

    /** The goal: a 4 KiB read of a compressed, encrypted 32 MiB chunk (8 x 4 MiB) fetches at most 16 KiB. */
    @Test
    void fourKibReadOfA32MibChunkFetchesAtMost16Kib() {
        Pipeline p = Pipelines.sealed(8, 2);
        for (ByteBuffer data : new ByteBuffer[] {Pipelines.text(32 << 20, 5), Pipelines.random(32 << 20, 6)}) {
            byte[] bytes = ChunkLayoutTest.array(data);
            EncodedChunk e = ChunkLayout.encode(p, data);
            Manifest.Chunk c = ChunkLayoutTest.chunk(e);
            MemorySource s = new MemorySource(e.fragments());
            Random r = new Random(8);
            long most = 0;
            long reads = 0;
            for (int i = 0; i < 200; i++) {
                long offset = i % 2 == 0 ? 4096L * r.nextInt(8192) : r.nextInt((32 << 20) - 4096);
                s.reset();
                assertArrayEquals(slice(bytes, offset, 4096), read(p, c, s, offset, 4096));
                most = Math.max(most, s.bytes());
                reads = Math.max(reads, s.reads());
            }
            System.out.printf("32 MiB chunk, stored %d bytes in fragments of %d: a 4 KiB read fetched at most %d"
                    + " bytes in at most %d reads%n", e.storedLength(), e.fragmentLength(), most, reads);
            assertTrue(most <= 16 * 1024, "a 4 KiB read fetched " + most + " bytes");
        }
    }

    @ParameterizedTest(name = "{0} RS({1},{2})")
    @MethodSource("io.albireo.object.layout.ChunkLayoutTest#shapes")
    void degradedReadsGiveTheRightBytes(String kind, int k, int m) {
        Pipeline p = ChunkLayoutTest.pipeline(kind, k, m);
        ByteBuffer data = Pipelines.text(k * 40_000 + 5, 9);
        byte[] bytes = ChunkLayoutTest.array(data);
        EncodedChunk e = ChunkLayout.encode(p, data);
        Manifest.Chunk c = ChunkLayoutTest.chunk(e);
        Random r = new Random(3);
        for (int bad = 0; bad < k; bad++) {
            MemorySource failing = new MemorySource(e.fragments()).fail(bad);
            MemorySource corrupt = new MemorySource(e.fragments()).corrupt(bad);
            MemorySource both = new MemorySource(e.fragments()).fail(bad).corrupt((bad + 1) % (k + m));
            for (int i = 0; i < 20; i++) {
                long offset = r.nextInt(bytes.length);
                int length = r.nextInt(Math.min(bytes.length - (int) offset, 20_000) + 1);
                byte[] expected = slice(bytes, offset, length);
                assertArrayEquals(expected, read(p, c, failing, offset, length), "fragment " + bad + " failing");
                assertArrayEquals(expected, read(p, c, corrupt, offset, length), "fragment " + bad + " corrupt");
                if (m >= 2) {
                    assertArrayEquals(expected, read(p, c, both, offset, length), "one failing, one corrupt");
                }
            }
            assertArrayEquals(bytes, read(p, c, corrupt, 0, bytes.length));
        }
    }

    @Test
    void tooManyBadFragmentsFailAndNeverReturnWrongBytes() {
        for (Pipeline p : new Pipeline[] {Pipelines.sealed(4, 2), Pipelines.plain(4, 2)}) {
            ByteBuffer data = Pipelines.text(4 * 40_000, 12);
            EncodedChunk e = ChunkLayout.encode(p, data);
            Manifest.Chunk c = ChunkLayoutTest.chunk(e);
            MemorySource down = new MemorySource(e.fragments()).fail(0).fail(1).fail(4);
            Throwable x = failure(p, c, down, 10, 50_000);
            assertInstanceOf(StorageException.class, x);
            assertTrue(x.getMessage().contains("needs 4 fragments"), x.getMessage());

            MemorySource rotten = new MemorySource(e.fragments()).corrupt(0).corrupt(1).corrupt(2);
            assertInstanceOf(IntegrityException.class, failure(p, c, rotten, 10, 50_000));
            MemorySource mixed = new MemorySource(e.fragments()).fail(5).corrupt(0).corrupt(2);
            assertInstanceOf(StorageException.class, failure(p, c, mixed, 0, 4 * 40_000));
        }
    }

    @Test
    void flippedIndexBitIsNeverReturned() {
        for (Pipeline p : new Pipeline[] {Pipelines.sealed(4, 0), Pipelines.plain(4, 0), Pipelines.plain(1, 0)}) {
            ByteBuffer data = Pipelines.random(20 * 4096, 13);
            byte[] bytes = ChunkLayoutTest.array(data);
            EncodedChunk e = ChunkLayout.encode(p, data);
            Manifest.Chunk c = ChunkLayoutTest.chunk(e);
            for (int bit = 0; bit < 8; bit++) {
                // Entry 5: the start of block 5's frame (and the end of block 4's).
                MemorySource s = new MemorySource(e.fragments()).flip(0, StoredForm.INDEX_HEADER + 4 * 5 + 3, bit);
                assertInstanceOf(IntegrityException.class, failure(p, c, s, 5 * 4096 + 100, 300));
                assertInstanceOf(IntegrityException.class, failure(p, c, s, 4 * 4096 + 100, 300));
                assertArrayEquals(slice(bytes, 6 * 4096, 4096), read(p, c, s, 6 * 4096, 4096), "untouched entries");
            }
        }
        // With parity, the same flip is read around.
        Pipeline p = Pipelines.sealed(4, 2);
        ByteBuffer data = Pipelines.random(20 * 4096, 14);
        EncodedChunk e = ChunkLayout.encode(p, data);
        MemorySource s = new MemorySource(e.fragments()).flip(0, StoredForm.INDEX_HEADER + 4 * 5 + 3, 1);
        assertArrayEquals(slice(ChunkLayoutTest.array(data), 5 * 4096, 50),
                read(p, ChunkLayoutTest.chunk(e), s, 5 * 4096, 50));
    }

    static byte[] read(Pipeline p, Manifest.Chunk c, FragmentSource s, long offset, int length, ChunkHeads heads,
            ChunkHeads.Key key) {
        return ChunkLayoutTest.array(RangeReader.read(p, c, s, offset, length, heads, key,
                RangeReader.ReadAround.NONE).join());
    }

    /** With the chunk's head cached by the write, a 4 KiB read fetches only sealed blocks, in one round trip. */
    @Test
    void withTheHeadCachedAReadFetchesOnlyItsBlocks() {
        Pipeline p = Pipelines.sealed(8, 2);
        ByteBuffer data = Pipelines.random(32 << 20, 6);
        byte[] bytes = ChunkLayoutTest.array(data);
        EncodedChunk e = ChunkLayout.encode(p, data);
        Manifest.Chunk c = ChunkLayoutTest.chunk(e);
        MemorySource s = new MemorySource(e.fragments());
        ChunkHeads written = new ChunkHeads(1 << 20);
        ChunkHeads.Key key = new ChunkHeads.Key("a", 0);
        written.fill(key, p, e);
        ChunkHeads cold = new ChunkHeads(1 << 20);
        Random r = new Random(8);
        long mostWarm = 0;
        long mostCold = 0;
        for (int i = 0; i < 200; i++) {
            long offset = i % 2 == 0 ? 4096L * r.nextInt(8192) : r.nextInt((32 << 20) - 4096);
            s.reset();
            assertArrayEquals(slice(bytes, offset, 4096), read(p, c, s, offset, 4096, written, key));
            assertTrue(s.reads() <= 2, "only the sealed blocks (two fragments at most): " + s.reads() + " reads");
            mostWarm = Math.max(mostWarm, s.bytes());
            s.reset();
            assertArrayEquals(slice(bytes, offset, 4096), read(p, c, s, offset, 4096, cold, key));
            mostCold = Math.max(mostCold, s.bytes());
        }
        assertTrue(mostWarm <= 3 * 4112, "blocks only: " + mostWarm);
        // Cold: whole index pages (at most two) and the header, then the blocks.
        assertTrue(mostCold <= 16 * 1024, "a cold read fetched " + mostCold + " bytes");
        ChunkHeads.Statistics st = written.statistics();
        assertEquals(400, st.hits(), "index and header from the cache on every read");
        assertEquals(0, st.misses());
        assertTrue(cold.statistics().hits() > 0 && cold.statistics().misses() > 0, cold.statistics().toString());
        System.out.printf("4 KiB reads with the head cached: at most %d bytes; cold (pages fetched): at most %d%n",
                mostWarm, mostCold);
    }

    @Test
    void aCorruptCachedHeadIsDroppedAndReadAround() {
        Pipeline p = Pipelines.sealed(4, 2);
        ByteBuffer data = Pipelines.random(40 * 4096, 21);
        byte[] bytes = ChunkLayoutTest.array(data);
        EncodedChunk e = ChunkLayout.encode(p, data);
        Manifest.Chunk c = ChunkLayoutTest.chunk(e);
        ChunkHeads heads = new ChunkHeads(1 << 20);
        ChunkHeads.Key key = new ChunkHeads.Key("b", 3);
        // Fragment 0 holds the head; a flipped index bit there is cached by the first (cold) read of it.
        MemorySource s = new MemorySource(e.fragments()).flip(0, StoredForm.INDEX_HEADER + 4 * 5 + 3, 1);
        java.util.List<String> around = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] got = ChunkLayoutTest.array(RangeReader.read(p, c, s, 5 * 4096, 50, heads, key,
                    (f, corrupt, why) -> around.add(f + ":" + corrupt)).join());
            assertArrayEquals(slice(bytes, 5 * 4096, 50), got);
        }
        assertTrue(around.contains("0:true"), "the fragment read around is reported as corrupt: " + around);
        MemorySource down = new MemorySource(e.fragments()).fail(1);
        around.clear();
        byte[] got = ChunkLayoutTest.array(RangeReader.read(p, c, down, e.fragmentLength() + 10, 5000, heads, key,
                (f, corrupt, why) -> around.add(f + ":" + corrupt)).join());
        assertArrayEquals(slice(bytes, e.fragmentLength() + 10, 5000), got);
        assertEquals(java.util.List.of("1:false"), around, "a fragment that did not answer is reported once");
    }

    @Test
    void theHeadCacheStaysWithinItsCapacity() {
        Pipeline p = Pipelines.sealed(4, 2);
        ByteBuffer data = Pipelines.random(400 * 4096, 22);
        EncodedChunk e = ChunkLayout.encode(p, data);
        ChunkHeads heads = new ChunkHeads(8 * 1024);
        for (int i = 0; i < 20; i++) {
            heads.fill(new ChunkHeads.Key("o" + i, 0), p, e);
            assertTrue(heads.statistics().bytes() <= 8 * 1024, heads.statistics().toString());
        }
        assertTrue(heads.statistics().entries() > 0);
        ChunkHeads none = new ChunkHeads(0);
        none.fill(new ChunkHeads.Key("x", 0), p, e);
        assertEquals(0, none.statistics().entries());
        assertThrows(IllegalArgumentException.class, () -> new ChunkHeads(-1));
    }
}
