package io.albireo.checksum.xxh64.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import io.albireo.api.codec.Checksum;

import org.junit.jupiter.api.Test;

import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Digest;

class Xxh64ChecksumTest {
    private final Xxh64Checksum xxh = new Xxh64Checksum();

    private String hex(String ascii) {
        return xxh.compute(ByteBuffer.wrap(ascii.getBytes(StandardCharsets.US_ASCII))).hex();
    }

    /** The reference implementation's sanity buffer (xxHash's xxhsum sanity check): a 32-bit squaring generator. */
    private static byte[] sanityBuffer(int length) {
        byte[] b = new byte[length];
        long generator = 2654435761L;
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (generator >>> 24);
            generator = generator * generator & 0xffffffffL;
        }
        return b;
    }

    @Test
    void matchesTheReferenceVectors() {
        // As `xxhsum -H1` (xxHash 0.8.1) prints them.
        assertEquals("ef46db3751d8e999", hex(""));
        assertEquals("44bc2cf5ad770999", hex("abc"));
        assertEquals("8cb841db40e6ae83", hex("123456789"));
        // The reference's sanity-check values for seed 0: 1 and 14 bytes (tails), 101 bytes (32-byte stripes).
        assertEquals("4fce394cc88952d8", xxh.compute(ByteBuffer.wrap(sanityBuffer(1))).hex());
        assertEquals("cffa8db881bc3a3d", xxh.compute(ByteBuffer.wrap(sanityBuffer(14))).hex());
        assertEquals("0eab543384f878ad", xxh.compute(ByteBuffer.wrap(sanityBuffer(101))).hex());
    }

    @Test
    void matchesTheReferenceOnALongDirectBuffer() {
        byte[] data = new byte[1024 * 1024 + 3];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 % 251);
        }
        Digest expected = Digest.of("xxh64", java.util.HexFormat.of().parseHex("b61297f91bad8d11")); // xxhsum -H1
        assertEquals(expected, xxh.compute(ByteBuffer.allocateDirect(data.length).put(data).flip()));
        assertEquals(expected, xxh.compute(ByteBuffer.wrap(data)));
    }

    @Test
    void aHasherFedInPiecesGivesTheReference() {
        // The long buffer above in pieces: heap (with an offset), direct larger than the hasher's copy array, and
        // read-only, so every path through update() is taken.
        byte[] data = new byte[1024 * 1024 + 3];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 % 251);
        }
        Checksum.Hasher h = xxh.hasher();
        h.update(ByteBuffer.wrap(data, 0, 1000).slice());
        ByteBuffer direct = ByteBuffer.allocateDirect(200_000).put(data, 1000, 200_000).flip();
        h.update(direct);
        assertEquals(0, direct.position());
        h.update(ByteBuffer.wrap(data, 201_000, data.length - 201_000).slice().asReadOnlyBuffer());
        assertEquals("b61297f91bad8d11", h.digest().hex()); // xxhsum -H1
    }

    @Test
    void heapDirectAndReadOnlyAgreeAndNoneMoves() {
        byte[] data = new byte[70_001];
        new Random(1).nextBytes(data);
        Digest expected = xxh.compute(ByteBuffer.wrap(data, 13, 60_000).slice());
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip();
        for (ByteBuffer buffer : new ByteBuffer[] {ByteBuffer.wrap(data), direct, ByteBuffer.wrap(data).asReadOnlyBuffer(),
                direct.asReadOnlyBuffer()}) {
            buffer.position(13).limit(60_013);
            assertEquals(expected, xxh.compute(buffer));
            assertEquals(13, buffer.position());
            assertEquals(60_013, buffer.limit());
        }
    }

    @Test
    void usesLz4JavasJavaImplementationWhereverItRuns() {
        // Outside OSGi lz4-java's fastestInstance() would pick JNI; inside, only if another bundle loaded it first.
        assertTrue(xxh.toString().startsWith("xxh64 (XXHash64Java"), xxh.toString());
    }

    @Test
    void verifyDetectsAFlippedBit() {
        byte[] data = new byte[4096];
        new Random(2).nextBytes(data);
        Digest digest = xxh.compute(ByteBuffer.wrap(data));
        assertEquals(8, digest.length());
        assertDoesNotThrow(() -> xxh.verify(ByteBuffer.wrap(data), digest));
        data[17] ^= 0x40;
        IntegrityException e = assertThrows(IntegrityException.class, () -> xxh.verify(ByteBuffer.wrap(data), digest));
        assertTrue(e.getMessage().startsWith("xxh64 mismatch"), e.getMessage());
    }
}
