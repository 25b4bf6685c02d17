package io.albireo.checksum.crc32c.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.albireo.api.codec.Checksum;

import org.junit.jupiter.api.Test;

import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Digest;

class Crc32cChecksumTest {
    private final Crc32cChecksum crc = new Crc32cChecksum();

    @Test
    void matchesTheStandardCheckValue() {
        // The CRC-32C check value from RFC 3720 (iSCSI) and the CRC catalogue: crc32c("123456789") = e3069283.
        Digest digest = crc.compute(ByteBuffer.wrap("123456789".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("crc32c:e3069283", digest.toString());
    }

    @Test
    void aHasherFedInPiecesGivesTheCheckValue() {
        // "123" on the heap, "4567" direct, "89" read-only: the pieces of one object as chunks of any kind.
        Checksum.Hasher h = crc.hasher();
        ByteBuffer heap = ByteBuffer.wrap("x123".getBytes(StandardCharsets.US_ASCII)).position(1);
        h.update(heap);
        h.update(ByteBuffer.allocateDirect(4).put("4567".getBytes(StandardCharsets.US_ASCII)).flip());
        h.update(ByteBuffer.wrap("89".getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer());
        assertEquals(1, heap.position());
        assertEquals("crc32c:e3069283", h.digest().toString());
    }

    @Test
    void readsFromPositionToLimitWithoutMovingThem() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(20);
        buffer.put("xx123456789yy".getBytes(StandardCharsets.US_ASCII)).flip();
        buffer.position(2).limit(11);
        assertEquals("e3069283", crc.compute(buffer).hex());
        assertEquals(2, buffer.position());
        assertEquals(11, buffer.limit());
    }

    @Test
    void verifyDetectsAFlippedBit() {
        byte[] data = new byte[4096];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        Digest digest = crc.compute(ByteBuffer.wrap(data));
        assertDoesNotThrow(() -> crc.verify(ByteBuffer.wrap(data), digest));
        data[1234] ^= 0x10;
        IntegrityException e = assertThrows(IntegrityException.class, () -> crc.verify(ByteBuffer.wrap(data), digest));
        assertTrue(e.getMessage().contains("crc32c mismatch"), e.getMessage());
    }

    @Test
    void verifyRefusesADigestOfAnotherAlgorithm() {
        Digest other = Digest.of("sha-256", new byte[32]);
        assertThrows(IntegrityException.class, () -> crc.verify(ByteBuffer.allocate(1), other));
    }
}
