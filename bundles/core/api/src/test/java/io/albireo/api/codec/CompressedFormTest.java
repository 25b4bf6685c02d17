package io.albireo.api.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.albireo.api.IntegrityException;
import io.albireo.api.codec.CompressedForm.Decoder;
import io.albireo.api.codec.CompressedForm.Encoder;
import io.albireo.api.codec.CompressedForm.Header;

/**
 * The stored form itself, with a toy codec: a run of one repeated byte compresses to that byte, anything else does not
 * compress.
 */
class CompressedFormTest {
    private static final Encoder RUN = (input, out) -> {
        byte first = input.get(input.position());
        for (int i = input.position(); i < input.limit(); i++) {
            if (input.get(i) != first) {
                return -1;
            }
        }
        out.put(first);
        return 1;
    };
    private static final Decoder UNRUN = (payload, out) -> {
        if (payload.remaining() != 1) {
            throw new IllegalStateException("a run is one byte, not " + payload.remaining());
        }
        byte b = payload.get();
        int n = out.remaining();
        while (out.hasRemaining()) {
            out.put(b);
        }
        return n;
    };
    private static final Encoder NEVER = (input, out) -> -1;

    @ParameterizedTest
    @CsvSource({"0, 2", "1, 2", "127, 2", "128, 3", "16383, 3", "16384, 4", "2097151, 4", "2097152, 5",
            "268435455, 5", "268435456, 6", "1073741824, 6"})
    void headerLengthGrowsBySevenBitsOfLength(int length, int headerLength) {
        assertEquals(headerLength, CompressedForm.headerLength(length));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 127, 128, 16383, 16384})
    void storesIncompressibleInputRawAfterItsHeader(int length) {
        byte[] data = TestData.generate(TestData.Kind.INCOMPRESSIBLE, length, length);
        ByteBuffer stored = CompressedForm.compress(ByteBuffer.wrap(data), NEVER);

        assertEquals(0, stored.position());
        assertEquals(CompressedForm.headerLength(length) + length, stored.remaining());
        assertTrue(stored.remaining() <= length + CompressedForm.MAX_OVERHEAD);
        assertEquals(0x10, stored.get(0));
        Header header = CompressedForm.header("toy", stored);
        assertEquals(new Header(false, length, CompressedForm.headerLength(length)), header);
        assertArrayEquals(data, TestData.bytes(stored.duplicate().position(header.length())));
        assertArrayEquals(data, TestData.bytes(CompressedForm.decompress("toy", stored, 1, UNRUN)));
    }

    @Test
    void writesTheLengthAsLittleEndianBase128() {
        // 300 = 0b10_0101100: the low seven bits with the continuation bit (0xac), then the rest (0x02).
        ByteBuffer stored = CompressedForm.compress(ByteBuffer.allocate(300), RUN);
        assertArrayEquals(new byte[] {0x11, (byte) 0xac, 0x02, 0}, TestData.bytes(stored));
        ByteBuffer raw = CompressedForm.compress(ByteBuffer.wrap(new byte[] {1, 2}), RUN);
        assertArrayEquals(new byte[] {0x10, 2, 1, 2}, TestData.bytes(raw));
    }

    @Test
    void compressedPayloadRoundTripsFromHeapAndDirectBuffersWithoutMovingThem() {
        byte[] data = new byte[16384];
        java.util.Arrays.fill(data, (byte) 'x');
        for (boolean direct : new boolean[] {false, true}) {
            ByteBuffer input = TestData.place(data, direct);
            int position = input.position();
            int limit = input.limit();
            ByteBuffer stored = CompressedForm.compress(input, RUN);
            assertEquals(position, input.position());
            assertEquals(limit, input.limit());
            assertEquals(new Header(true, 16384, 4), CompressedForm.header("toy", stored));
            assertEquals(5, stored.remaining());

            ByteBuffer placed = TestData.place(TestData.bytes(stored), direct);
            int storedPosition = placed.position();
            ByteBuffer restored = CompressedForm.decompress("toy", placed, 1 << 20, UNRUN);
            assertEquals(storedPosition, placed.position());
            assertEquals(0, restored.position());
            assertArrayEquals(data, TestData.bytes(restored));
        }
    }

    @Test
    void keepsAPayloadOnlyWhenShorterThanTheInput() {
        int[] offered = new int[1];
        Encoder doesNotFit = (input, out) -> {
            offered[0] = out.remaining();
            return -1;
        };
        ByteBuffer stored = CompressedForm.compress(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), doesNotFit);
        assertEquals(3, offered[0], "the encoder is offered one byte less than the input");
        assertFalse(CompressedForm.header("toy", stored).compressed());

        Encoder claimsTheWholeInput = (input, out) -> 4;
        stored = CompressedForm.compress(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), claimsTheWholeInput);
        assertFalse(CompressedForm.header("toy", stored).compressed());
        assertArrayEquals(new byte[] {0x10, 4, 1, 2, 3, 4}, TestData.bytes(stored));
    }

    @Test
    void aSmallFormOfALargeInputDoesNotKeepTheLargeArray() {
        Encoder tiny = (input, out) -> {
            out.put(new byte[] {9, 9, 9});
            return 3;
        };
        ByteBuffer large = CompressedForm.compress(ByteBuffer.allocate(1 << 20), tiny);
        assertEquals(CompressedForm.headerLength(1 << 20) + 3, large.remaining());
        assertEquals(large.remaining(), large.capacity(), "copied into an array of its own size");
        assertEquals(1 << 20, CompressedForm.header("toy", large).originalLength());

        ByteBuffer small = CompressedForm.compress(ByteBuffer.allocate(1000), tiny);
        assertEquals(CompressedForm.headerLength(1000) + 1000, small.capacity(),
                "small inputs keep their array: copying would cost more than it saves");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void neverAsksTheEncoderToCompressFewerThanTwoBytes(int length) {
        AtomicBoolean called = new AtomicBoolean();
        ByteBuffer stored = CompressedForm.compress(ByteBuffer.allocate(length), (input, out) -> {
            called.set(true);
            return 0;
        });
        assertFalse(called.get());
        assertFalse(CompressedForm.header("toy", stored).compressed());
    }

    @Test
    void refusesInputLongerThanAReaderAccepts(@TempDir Path dir) throws IOException {
        // A sparse file mapped read-only: a buffer of more than 1 GiB that occupies no memory.
        Path file = dir.resolve("sparse");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(CompressedForm.MAX_ORIGINAL_LENGTH + 1L);
        }
        try (FileChannel channel = FileChannel.open(file)) {
            MappedByteBuffer huge = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CompressedForm.compress(huge, NEVER));
            assertTrue(e.getMessage().contains(String.valueOf(CompressedForm.MAX_ORIGINAL_LENGTH)), e.getMessage());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void malformedHeadersAreIntegrityErrors() {
        assertRefused("truncated in its header", new byte[0]);
        assertRefused("truncated in its header", new byte[] {0x10});
        assertRefused("truncated in its header", new byte[] {0x11, (byte) 0x80});
        assertRefused("format byte 0x12", new byte[] {0x12, 0});
        assertRefused("format byte 0x0", new byte[] {0x00, 0});
        assertRefused("length field is too long",
                new byte[] {0x10, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0});
        // 2^30 + 1 in five bytes: one more than a stored form may claim.
        assertRefused("more than the limit",
                new byte[] {0x10, (byte) 0x81, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04});
    }

    @Test
    void aRawPayloadMustHaveTheRecordedLength() {
        assertRefused("raw stored form holds 2 bytes, its header says 3", new byte[] {0x10, 3, 1, 2});
        assertRefused("raw stored form holds 4 bytes, its header says 3", new byte[] {0x10, 3, 1, 2, 3, 4});
    }

    @Test
    void aHugeClaimIsRefusedBeforeAllocatingIt() {
        // 2^30 in five bytes, then a payload of three bytes: raw, then compressed.
        byte[] raw = {0x10, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04, 1, 2, 3};
        byte[] compressed = raw.clone();
        compressed[0] = 0x11;
        AtomicBoolean decoded = new AtomicBoolean();
        Decoder watched = (payload, out) -> {
            decoded.set(true);
            return UNRUN.decode(payload, out);
        };
        long allocated = TestData.allocatedBy(() -> {
            assertThrows(IntegrityException.class, () -> CompressedForm.decompress("toy", ByteBuffer.wrap(raw), UNRUN));
            IntegrityException e = assertThrows(IntegrityException.class,
                    () -> CompressedForm.decompress("toy", ByteBuffer.wrap(compressed), 1000, watched));
            assertTrue(e.getMessage().contains("claims 1073741824 original bytes from 3 compressed bytes"),
                    e.getMessage());
        });
        assertFalse(decoded.get(), "the decoder must not run");
        assertTrue(allocated < 1 << 20, "allocated " + allocated + " bytes");
    }

    @Test
    void aPayloadAtTheMostExpansionIsAccepted() {
        // 1000 bytes from one payload byte: exactly the bound.
        ByteBuffer stored = CompressedForm.compress(ByteBuffer.allocate(1000), RUN);
        assertEquals(1000, CompressedForm.decompress("toy", stored, 1000, UNRUN).remaining());
        assertThrows(IntegrityException.class, () -> CompressedForm.decompress("toy", stored, 999, UNRUN));
        assertThrows(IllegalArgumentException.class, () -> CompressedForm.decompress("toy", stored, 0, UNRUN));
    }

    @Test
    void decoderFailuresBecomeIntegrityErrorsNamingTheAlgorithm() {
        ByteBuffer stored = CompressedForm.compress(ByteBuffer.allocate(100), RUN);

        IntegrityException thrown = assertThrows(IntegrityException.class, () -> CompressedForm.decompress("toy",
                stored, 100, (payload, out) -> {
                    throw new IOException("bad block");
                }));
        assertTrue(thrown.getMessage().startsWith("toy: compressed payload of 3 stored bytes is corrupt"),
                thrown.getMessage());
        assertTrue(thrown.getCause() instanceof IOException);

        // A native library that fails to load must not escape as an Error.
        thrown = assertThrows(IntegrityException.class, () -> CompressedForm.decompress("toy", stored, 100,
                (payload, out) -> {
                    throw new UnsatisfiedLinkError("no libtoy");
                }));
        assertTrue(thrown.getCause() instanceof UnsatisfiedLinkError);

        IntegrityException own = new IntegrityException("toy: the decoder's own words");
        assertSame(own, assertThrows(IntegrityException.class, () -> CompressedForm.decompress("toy", stored, 100,
                (payload, out) -> {
                    throw own;
                })));

        thrown = assertThrows(IntegrityException.class, () -> CompressedForm.decompress("toy", stored, 100,
                (payload, out) -> 99));
        assertEquals("toy: compressed payload decoded to 99 bytes, its header says 100", thrown.getMessage());
    }

    private static void assertRefused(String expected, byte[] stored) {
        IntegrityException e = assertThrows(IntegrityException.class,
                () -> CompressedForm.decompress("toy", ByteBuffer.wrap(stored), UNRUN));
        assertTrue(e.getMessage().startsWith("toy: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /** putRaw writes, in place, exactly what compress makes of a block its encoder declines; golden header bytes. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 127, 128, 4096, 70_000})
    void putRawWritesWhatCompressMakesWhenTheEncoderDeclines(int length) {
        byte[] data = new byte[length];
        new java.util.Random(length).nextBytes(data);
        ByteBuffer expected = CompressedForm.compress(ByteBuffer.wrap(data), (in, out) -> -1);
        ByteBuffer out = ByteBuffer.allocate(CompressedForm.rawLength(length) + 3);
        out.position(3);
        ByteBuffer input = ByteBuffer.wrap(data);
        CompressedForm.putRaw(out, input);
        assertEquals(0, input.position());
        assertEquals(out.capacity(), out.position());
        assertEquals(expected, out.flip().position(3).slice());
        if (length == 4096) {
            assertEquals("108020", java.util.HexFormat.of().formatHex(expected.array(), 0, 3)); // raw, varint 4096
        }
        assertThrows(java.nio.BufferOverflowException.class,
                () -> CompressedForm.putRaw(ByteBuffer.allocate(CompressedForm.rawLength(length) - 1),
                        ByteBuffer.wrap(data)));
    }
}
