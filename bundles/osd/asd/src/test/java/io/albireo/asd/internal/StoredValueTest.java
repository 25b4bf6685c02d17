package io.albireo.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import io.albireo.api.IntegrityException;

/**
 * The stored form of the ASD's RocksDB values, pinned by golden bytes: a change of format shows here, and the
 * version 0 values of ASDs written before it stay readable.
 */
class StoredValueTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void inlineValuesOfVersion1HaveTheirBytesAndAChecksum() {
        byte[] raw = StoredValue.inline(ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("116162632a69cc8f", HEX.formatHex(raw));
        StoredValue.verify(raw);
        assertFalse(StoredValue.isBlob(raw));
        assertEquals(3, StoredValue.valueLength(raw));
        assertEquals(ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII)), StoredValue.inlineValue(raw));
        assertEquals("11b048173d", HEX.formatHex(StoredValue.inline(ByteBuffer.allocate(0))), "the empty value");
    }

    @Test
    void blobPointersOfVersion1CarryTheContentsChecksumAndTheirOwn() {
        byte[] raw = StoredValue.blob(0x0102030405060708L, 1 << 20, 0xcafebabe);
        assertEquals("1201020304050607080000000000100000cafebabe6238affc", HEX.formatHex(raw));
        StoredValue.verify(raw);
        assertTrue(StoredValue.isBlob(raw));
        assertEquals(0x0102030405060708L, StoredValue.blobId(raw));
        assertEquals(1 << 20, StoredValue.valueLength(raw));
        assertTrue(StoredValue.hasContentsCrc(raw));
        assertEquals(0xcafebabe, StoredValue.contentsCrc(raw));
    }

    @Test
    void segmentPointersOfVersion1NameSegmentOffsetLengthAndBothChecksums() {
        byte[] raw = StoredValue.segment(7, 0x2000, 1 << 20, 0xcafebabe);
        assertEquals("13000000000000000700000000000020000000000000100000cafebabe9dc97c8d", HEX.formatHex(raw));
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

    @Test
    void version0ValuesStayReadable() {
        byte[] inline = HEX.parseHex("00616263");
        StoredValue.verify(inline);
        assertEquals(ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII)), StoredValue.inlineValue(inline));
        byte[] blob = HEX.parseHex("0100000000000000ff0000000000012345");
        StoredValue.verify(blob);
        assertTrue(StoredValue.isBlob(blob));
        assertEquals(0xff, StoredValue.blobId(blob));
        assertEquals(0x12345, StoredValue.valueLength(blob));
        assertFalse(StoredValue.hasContentsCrc(blob), "version 0 pointers carry no checksum of the blob");
    }

    @Test
    void everyFlippedBitIsDetected() {
        byte[][] values = {StoredValue.inline(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5})),
                StoredValue.blob(42, 1_000_000, 7), StoredValue.segment(3, 4096, 70_000, 9)};
        for (byte[] good : values) {
            for (int bit = 0; bit < good.length * 8; bit++) {
                byte[] bad = good.clone();
                bad[bit / 8] ^= (byte) (1 << (bit % 8));
                assertThrows(IntegrityException.class, () -> StoredValue.verify(bad), "bit " + bit);
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
        assertThrows(IntegrityException.class, () -> StoredValue.verify(java.util.Arrays.copyOf(longer, 26)));
    }
}
