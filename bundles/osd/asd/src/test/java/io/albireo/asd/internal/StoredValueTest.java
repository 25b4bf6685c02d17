package io.albireo.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import io.albireo.api.IntegrityException;
import io.albireo.testing.golden.GoldenFile;

/**
 * The stored form of the ASD's RocksDB values, pinned by golden files ({@code src/test/resources/golden/asd-value-*}):
 * the encoder still writes exactly those bytes, they still read as the value they were written from, and the version 0
 * values of ASDs written before 2026-12 stay readable. A change of format shows here.
 */
class StoredValueTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final ByteBuffer ABC = ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII));

    private static final GoldenFile V1_INLINE = GoldenFile.of("asd-value-v1-inline");
    private static final GoldenFile V1_INLINE_EMPTY = GoldenFile.of("asd-value-v1-inline-empty");
    private static final GoldenFile V1_BLOB = GoldenFile.of("asd-value-v1-blob");
    private static final GoldenFile V1_SEGMENT = GoldenFile.of("asd-value-v1-segment");
    private static final GoldenFile V0_INLINE = GoldenFile.of("asd-value-v0-inline");
    private static final GoldenFile V0_BLOB = GoldenFile.of("asd-value-v0-blob");

    /** The sample blob pointer: a blob id and a length that show their byte order, a contents CRC32C. */
    private static byte[] blobSample() {
        return StoredValue.blob(0x0102030405060708L, 1 << 20, 0xcafebabe);
    }

    private static byte[] segmentSample() {
        return StoredValue.segment(7, 0x2000, 1 << 20, 0xcafebabe);
    }

    @Test
    void inlineValuesOfVersion1AreWrittenAsTheirGoldenFiles() {
        V1_INLINE.assertMatches(StoredValue.inline(ABC), "ASD stored value, version 1, inline: the value \"abc\"");
        V1_INLINE_EMPTY.assertMatches(StoredValue.inline(ByteBuffer.allocate(0)),
                "ASD stored value, version 1, inline: the empty value");
    }

    @Test
    void inlineValuesOfVersion1ReadFromTheirGoldenFiles() {
        byte[] raw = V1_INLINE.bytes();
        StoredValue.verify(raw);
        assertTrue(StoredValue.isInline(raw));
        assertFalse(StoredValue.isBlob(raw));
        assertFalse(StoredValue.isSegment(raw));
        assertEquals(3, StoredValue.valueLength(raw));
        assertEquals(ABC, StoredValue.inlineValue(raw));
        byte[] empty = V1_INLINE_EMPTY.bytes();
        StoredValue.verify(empty);
        assertEquals(0, StoredValue.valueLength(empty));
        assertEquals(ByteBuffer.allocate(0), StoredValue.inlineValue(empty));
    }

    @Test
    void blobPointersOfVersion1AreWrittenAsTheirGoldenFile() {
        V1_BLOB.assertMatches(blobSample(), "ASD stored value, version 1, blob pointer: blob 0102030405060708,"
                + " 1 MiB, contents crc32c cafebabe");
    }

    @Test
    void blobPointersOfVersion1ReadFromTheirGoldenFile() {
        byte[] raw = V1_BLOB.bytes();
        StoredValue.verify(raw);
        assertTrue(StoredValue.isBlob(raw));
        assertFalse(StoredValue.isInline(raw));
        assertEquals(0x0102030405060708L, StoredValue.blobId(raw));
        assertEquals(1 << 20, StoredValue.valueLength(raw));
        assertTrue(StoredValue.hasContentsCrc(raw));
        assertEquals(0xcafebabe, StoredValue.contentsCrc(raw));
    }

    @Test
    void segmentPointersOfVersion1AreWrittenAsTheirGoldenFile() {
        V1_SEGMENT.assertMatches(segmentSample(), "ASD stored value, version 1, segment pointer: segment 7,"
                + " offset 0x2000, 1 MiB, contents crc32c cafebabe");
    }

    @Test
    void segmentPointersOfVersion1ReadFromTheirGoldenFile() {
        byte[] raw = V1_SEGMENT.bytes();
        StoredValue.verify(raw);
        assertTrue(StoredValue.isSegment(raw));
        assertFalse(StoredValue.isBlob(raw));
        assertFalse(StoredValue.isInline(raw));
        assertEquals(7, StoredValue.segmentId(raw));
        assertEquals(0x2000, StoredValue.segmentOffset(raw));
        assertEquals(1 << 20, StoredValue.valueLength(raw));
        assertTrue(StoredValue.hasContentsCrc(raw));
        assertEquals(0xcafebabe, StoredValue.contentsCrc(raw));
    }

    /**
     * Version 0 is only read: no code writes it any more, so its golden files hold what ASDs before 2026-12 wrote,
     * built here field by field as they built it.
     */
    @Test
    void version0ValuesArePinnedAsTheOldAsdsWroteThem() {
        V0_INLINE.assertMatches(ByteBuffer.allocate(4).put(StoredValue.V0_INLINE).put(ABC.duplicate()).array(),
                "ASD stored value, version 0 (before 2026-12; read, never written), inline: the value \"abc\"");
        V0_BLOB.assertMatches(ByteBuffer.allocate(17).put(StoredValue.V0_BLOB).putLong(0xff).putLong(0x12345)
                .array(), "ASD stored value, version 0 (before 2026-12; read, never written), blob pointer:"
                + " blob ff, 0x12345 bytes");
    }

    @Test
    void version0ValuesStayReadable() {
        byte[] inline = V0_INLINE.bytes();
        StoredValue.verify(inline);
        assertTrue(StoredValue.isInline(inline));
        assertEquals(3, StoredValue.valueLength(inline));
        assertEquals(ABC, StoredValue.inlineValue(inline));
        byte[] blob = V0_BLOB.bytes();
        StoredValue.verify(blob);
        assertTrue(StoredValue.isBlob(blob));
        assertEquals(0xff, StoredValue.blobId(blob));
        assertEquals(0x12345, StoredValue.valueLength(blob));
        assertFalse(StoredValue.hasContentsCrc(blob), "version 0 pointers carry no checksum of the blob");
    }

    @Test
    void everyFlippedBitIsDetected() {
        byte[][] values = {StoredValue.inline(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5})),
                StoredValue.blob(42, 1_000_000, 7), StoredValue.segment(3, 4096, 70_000, 9), V1_INLINE.bytes(),
                V1_INLINE_EMPTY.bytes(), V1_BLOB.bytes(), V1_SEGMENT.bytes()};
        for (byte[] good : values) {
            assertEveryFlipIsDetected(good);
        }
    }

    private static void assertEveryFlipIsDetected(byte[] good) {
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(IntegrityException.class, () -> StoredValue.verify(bad), HEX.formatHex(good) + " bit " + bit);
        }
    }

    /**
     * Inline values of every short length: one of 12 bytes is 17 stored bytes, the length of a version 0 blob pointer,
     * which one flipped bit of the format byte (0x11 to 0x01) would make it but for the check that its CRC holds.
     */
    @Test
    void everyFlippedBitOfAnInlineValueOfEveryShortLengthIsDetected() {
        java.util.Random random = new java.util.Random(16);
        for (int n = 0; n <= 64; n++) {
            byte[] value = new byte[n];
            random.nextBytes(value);
            byte[] good = StoredValue.inline(ByteBuffer.wrap(value));
            StoredValue.verify(good);
            assertEveryFlipIsDetected(good);
        }
    }

    @Test
    void everyTruncationOfAVersion1ValueIsDetected() {
        for (byte[] good : new byte[][] {V1_INLINE.bytes(), V1_INLINE_EMPTY.bytes(), V1_BLOB.bytes(),
                V1_SEGMENT.bytes(), V0_BLOB.bytes()}) {
            for (int n = 0; n < good.length; n++) {
                byte[] bad = Arrays.copyOf(good, n);
                assertThrows(IntegrityException.class, () -> StoredValue.verify(bad), HEX.formatHex(good) + " cut to "
                        + n);
            }
        }
    }

    @Test
    void unknownFormatsAndWrongLengthsAreRefused() {
        assertThrows(IntegrityException.class, () -> StoredValue.verify(new byte[0]));
        assertThrows(IntegrityException.class, () -> StoredValue.verify(HEX.parseHex("21616263")));
        assertThrows(IntegrityException.class, () -> StoredValue.verify(HEX.parseHex("1101")));
        assertThrows(IntegrityException.class, () -> StoredValue.verify(HEX.parseHex("01000000")));
        byte[] longer = StoredValue.blob(1, 2, 3);
        assertThrows(IntegrityException.class, () -> StoredValue.verify(Arrays.copyOf(longer, 26)));
        byte[] segment = V1_SEGMENT.bytes();
        assertThrows(IntegrityException.class, () -> StoredValue.verify(Arrays.copyOf(segment, 34)));
    }
}
