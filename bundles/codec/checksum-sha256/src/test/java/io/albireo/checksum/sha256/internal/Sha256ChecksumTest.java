package io.albireo.checksum.sha256.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.albireo.api.codec.Checksum;

import org.junit.jupiter.api.Test;

import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Digest;

class Sha256ChecksumTest {
    private final Sha256Checksum sha = new Sha256Checksum();

    private String hex(String ascii) {
        return sha.compute(ByteBuffer.wrap(ascii.getBytes(StandardCharsets.US_ASCII))).hex();
    }

    /** FIPS 180-4 examples (NIST's SHA-256 example values); the million 'a' is the classic long-message vector. */
    @Test
    void matchesThePublishedVectors() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", hex("abc"));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hex(""));
        assertEquals("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
        byte[] million = new byte[1_000_000];
        Arrays.fill(million, (byte) 'a');
        assertEquals("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
                sha.compute(ByteBuffer.allocateDirect(million.length).put(million).flip()).hex());
        assertEquals("sha-256", sha.compute(ByteBuffer.allocate(0)).algorithm());
        assertEquals(32, sha.length());
    }

    @Test
    void aHasherFedInPiecesGivesThePublishedVector() {
        // The million 'a' in pieces of 333,333 bytes, heap, direct and read-only in turn, with compute() calls on the
        // same thread in between (the hasher has its own state).
        byte[] piece = new byte[333_333];
        Arrays.fill(piece, (byte) 'a');
        Checksum.Hasher h = sha.hasher();
        h.update(ByteBuffer.wrap(piece));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", hex("abc"));
        h.update(ByteBuffer.allocateDirect(piece.length).put(piece).flip());
        h.update(ByteBuffer.wrap(piece).asReadOnlyBuffer());
        h.update(ByteBuffer.wrap(new byte[] {'a'}));
        assertEquals("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", h.digest().hex());
    }

    @Test
    void heapDirectAndReadOnlyAgreeAndNoneMoves() {
        byte[] data = new byte[70_001];
        new Random(1).nextBytes(data);
        Digest expected = sha.compute(ByteBuffer.wrap(data, 13, 60_000).slice());
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip();
        for (ByteBuffer buffer : new ByteBuffer[] {ByteBuffer.wrap(data), direct, ByteBuffer.wrap(data).asReadOnlyBuffer()}) {
            buffer.position(13).limit(60_013);
            assertEquals(expected, sha.compute(buffer));
            assertEquals(13, buffer.position());
            assertEquals(60_013, buffer.limit());
        }
    }

    @Test
    void verifyDetectsAFlippedBit() {
        byte[] data = new byte[4096];
        new Random(2).nextBytes(data);
        Digest digest = sha.compute(ByteBuffer.wrap(data));
        assertDoesNotThrow(() -> sha.verify(ByteBuffer.wrap(data), digest));
        data[4095] ^= 0x01;
        IntegrityException e = assertThrows(IntegrityException.class, () -> sha.verify(ByteBuffer.wrap(data), digest));
        assertTrue(e.getMessage().startsWith("sha-256 mismatch"), e.getMessage());
    }

    @Test
    void givesTheSameAnswerOnEveryThread() throws Exception {
        byte[] data = new byte[100_000];
        new Random(3).nextBytes(data);
        Digest expected = sha.compute(ByteBuffer.wrap(data));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        if (!expected.equals(sha.compute(ByteBuffer.wrap(data)))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
