package io.albireo.cipher.aesgcm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Cipher.BlockRange;
import io.albireo.api.codec.Cipher.SealedLayout;
import io.albireo.api.codec.CipherKey;

class AesGcmCipherTest {
    private static final int HEADER = AesGcmCipher.HEADER_LENGTH;
    private static final int TAG = AesGcmCipher.TAG_LENGTH;

    private final AesGcmCipher cipher = new AesGcmCipher();
    private final byte[] secret = bytes(32, 42);
    private final CipherKey key = new CipherKey("vpool-1", secret);

    private static byte[] bytes(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] array(ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.duplicate().get(b);
        return b;
    }

    private static ByteBuffer direct(byte[] b) {
        return ByteBuffer.allocateDirect(b.length).put(b).flip();
    }

    /** A 1300-byte plaintext in 512-byte blocks: two whole blocks and a short one. */
    private byte[] sealThreeBlocks(byte[] plaintext) {
        return array(cipher.encrypt(key, ByteBuffer.wrap(plaintext), 512));
    }

    static Stream<Arguments> sizes() {
        List<Arguments> cases = new ArrayList<>();
        for (int b : new int[] {512, 4096, 65536}) {
            for (int length : new int[] {0, 1, b - 1, b, b + 1, 3 * 1024 * 1024 + 7}) {
                cases.add(Arguments.of(b, length));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "block {0}, {1} bytes")
    @MethodSource("sizes")
    void roundTripsHeapAndDirect(int blockSize, int length) {
        byte[] data = bytes(length, length);
        SealedLayout layout = cipher.layout(blockSize);
        for (boolean directIn : new boolean[] {false, true}) {
            ByteBuffer plaintext = directIn ? direct(data) : ByteBuffer.wrap(data);
            ByteBuffer sealed = cipher.encrypt(key, plaintext, blockSize);
            assertEquals(0, sealed.position());
            assertEquals(layout.sealedLength(length), sealed.remaining());
            for (boolean directSealed : new boolean[] {false, true}) {
                ByteBuffer input = directSealed ? direct(array(sealed)) : sealed;
                ByteBuffer opened = cipher.decrypt(key, input);
                assertEquals(0, opened.position());
                assertEquals(ByteBuffer.wrap(data), opened);
            }
        }
    }

    @Test
    void leavesTheCallersPositionsAndLimitsAlone() {
        byte[] data = bytes(5000, 1);
        for (ByteBuffer outer : new ByteBuffer[] {ByteBuffer.wrap(data), direct(data)}) {
            ByteBuffer plaintext = outer.position(100).limit(4100).slice().position(7).limit(3007);
            ByteBuffer sealed = cipher.encrypt(key, plaintext, 1024);
            assertEquals(7, plaintext.position());
            assertEquals(3007, plaintext.limit());

            ByteBuffer shifted = ByteBuffer.allocate(sealed.remaining() + 20).position(10);
            shifted.put(sealed.duplicate()).flip().position(10);
            ByteBuffer opened = cipher.decrypt(key, shifted);
            assertEquals(10, shifted.position());
            assertEquals(10 + sealed.remaining(), shifted.limit());
            assertEquals(ByteBuffer.wrap(data, 107, 3000), opened);
        }
    }

    @Test
    void theHeaderRecordsVersionBlockSizeAndLength() {
        ByteBuffer sealed = cipher.encrypt(key, ByteBuffer.wrap(bytes(70_000, 2)), 16_384);
        assertEquals(1, sealed.get(0));
        assertEquals(14, sealed.get(1));
        assertEquals(70_000L, sealed.getLong(2));
        assertEquals(58, cipher.layout(16_384).headerLength());
        assertEquals(16, cipher.layout(16_384).tagLength());
    }

    @Test
    void everyChangedByteFailsAuthentication() {
        byte[] plaintext = bytes(1300, 3);
        byte[] sealed = sealThreeBlocks(plaintext);
        SealedLayout layout = cipher.layout(512);
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < HEADER; i++) {
            positions.add(i); // version, block size, length, salt, header tag
        }
        for (int block = 0; block < 3; block++) {
            int start = (int) layout.blockOffset(block);
            int end = block == 2 ? sealed.length : (int) layout.blockOffset(block + 1);
            int tag = end - TAG;
            positions.addAll(List.of(start, (start + tag) / 2, tag - 1, tag, tag + TAG / 2, end - 1));
        }
        for (int position : positions) {
            for (int bit : new int[] {0x01, 0x80}) {
                byte[] changed = sealed.clone();
                changed[position] ^= bit;
                assertThrows(IntegrityException.class, () -> cipher.decrypt(key, ByteBuffer.wrap(changed)),
                        "byte " + position + " bit " + bit);
            }
        }
    }

    @Test
    void aChangedBlockIsNamedInTheMessage() {
        byte[] sealed = sealThreeBlocks(bytes(1300, 4));
        sealed[(int) cipher.layout(512).blockOffset(1) + 5] ^= 1;
        IntegrityException e = assertThrows(IntegrityException.class, () -> cipher.decrypt(key, ByteBuffer.wrap(sealed)));
        assertEquals("aes-256-gcm: block 1 of 3 failed authentication: wrong key or changed bytes", e.getMessage());
    }

    @Test
    void anEmptyPlaintextIsAuthenticatedToo() {
        byte[] sealed = array(cipher.encrypt(key, ByteBuffer.allocate(0), 4096));
        assertEquals(HEADER, sealed.length);
        assertEquals(0, cipher.decrypt(key, ByteBuffer.wrap(sealed)).remaining());
        for (int i = 0; i < HEADER; i++) {
            byte[] changed = sealed.clone();
            changed[i] ^= 0x04;
            assertThrows(IntegrityException.class, () -> cipher.decrypt(key, ByteBuffer.wrap(changed)), "byte " + i);
        }
        IntegrityException e = assertThrows(IntegrityException.class,
                () -> cipher.decrypt(otherKey(), ByteBuffer.wrap(sealed)));
        assertEquals("aes-256-gcm: the header failed authentication: wrong key or changed bytes", e.getMessage());
    }

    private static CipherKey otherKey() {
        return new CipherKey("other", bytes(32, 99));
    }

    @Test
    void aWrongKeyFails() {
        byte[] sealed = sealThreeBlocks(bytes(1300, 5));
        IntegrityException e = assertThrows(IntegrityException.class,
                () -> cipher.decrypt(otherKey(), ByteBuffer.wrap(sealed)));
        assertTrue(e.getMessage().contains("failed authentication"), e.getMessage());
    }

    @Test
    void truncatedExtendedAndReorderedFormsFail() {
        byte[] sealed = sealThreeBlocks(bytes(1300, 6));
        SealedLayout layout = cipher.layout(512);
        int block1 = (int) layout.blockOffset(1);
        int block2 = (int) layout.blockOffset(2);
        List<byte[]> forgeries = new ArrayList<>();
        forgeries.add(Arrays.copyOf(sealed, sealed.length - 1)); // last byte cut
        forgeries.add(Arrays.copyOf(sealed, block2)); // last block dropped
        forgeries.add(Arrays.copyOf(sealed, HEADER)); // header only
        forgeries.add(Arrays.copyOf(sealed, HEADER - 1)); // not even a header
        forgeries.add(Arrays.copyOf(sealed, sealed.length + 1)); // a byte appended
        byte[] repeated = Arrays.copyOf(sealed, sealed.length + block2 - block1);
        System.arraycopy(sealed, block1, repeated, sealed.length, block2 - block1); // block 1 appended again
        forgeries.add(repeated);
        byte[] swapped = sealed.clone(); // blocks 0 and 1 swapped (both whole)
        System.arraycopy(sealed, block1, swapped, HEADER, block1 - HEADER);
        System.arraycopy(sealed, HEADER, swapped, block1, block1 - HEADER);
        forgeries.add(swapped);
        // Truncated with the length edited to match: two whole blocks claiming 1024 bytes, and the header alone
        // claiming an empty plaintext. Only authentication of the header can catch these.
        byte[] shortened = Arrays.copyOf(sealed, block2);
        ByteBuffer.wrap(shortened).putLong(2, 1024);
        forgeries.add(shortened);
        byte[] emptied = Arrays.copyOf(sealed, HEADER);
        ByteBuffer.wrap(emptied).putLong(2, 0);
        forgeries.add(emptied);
        for (int i = 0; i < forgeries.size(); i++) {
            byte[] forged = forgeries.get(i);
            assertThrows(IntegrityException.class, () -> cipher.decrypt(key, ByteBuffer.wrap(forged)), "forgery " + i);
        }
    }

    @Test
    void twoEncryptionsOfTheSamePlaintextDiffer() {
        byte[] plaintext = bytes(1300, 7);
        byte[] first = sealThreeBlocks(plaintext);
        byte[] second = sealThreeBlocks(plaintext);
        assertFalse(Arrays.equals(Arrays.copyOfRange(first, 10, 42), Arrays.copyOfRange(second, 10, 42)), "salts");
        assertFalse(Arrays.equals(Arrays.copyOfRange(first, HEADER, HEADER + 512),
                Arrays.copyOfRange(second, HEADER, HEADER + 512)), "first blocks");
        assertArrayEquals(plaintext, array(cipher.decrypt(key, ByteBuffer.wrap(second))));
    }

    @Test
    void decryptBlocksOpensJustTheBlocksOfAPartialRead() {
        byte[] plaintext = bytes(10 * 4096 + 1000, 8);
        byte[] sealed = array(cipher.encrypt(key, ByteBuffer.wrap(plaintext), 4096));
        SealedLayout layout = cipher.layout(4096);
        ByteBuffer header = ByteBuffer.wrap(sealed, 0, HEADER).slice();
        // A middle range, and one that ends in the short last block.
        for (long[] wanted : new long[][] {{10_000, 9_000}, {4096 * 9 + 5, 4096 + 900}, {0, 1}}) {
            BlockRange range = layout.blocksFor(plaintext.length, wanted[0], wanted[1]);
            byte[] blocks = Arrays.copyOfRange(sealed, (int) range.sealedOffset(),
                    (int) (range.sealedOffset() + range.sealedLength()));
            for (ByteBuffer in : new ByteBuffer[] {ByteBuffer.wrap(blocks), direct(blocks)}) {
                ByteBuffer opened = cipher.decryptBlocks(key, header, range.firstBlock(), in);
                int from = (int) range.firstBlock() * 4096;
                int to = (int) Math.min(plaintext.length, (range.firstBlock() + range.count()) * 4096);
                assertEquals(ByteBuffer.wrap(plaintext, from, to - from), opened);
                assertEquals(0, in.position());
                assertEquals(blocks.length, in.limit());
                assertEquals(0, header.position());
                // The bytes asked for are in what came back, where blocksFor says.
                assertEquals(ByteBuffer.wrap(plaintext, (int) wanted[0], (int) wanted[1]),
                        opened.slice((int) (wanted[0] - from), (int) wanted[1]));
            }
        }
    }

    @Test
    void decryptBlocksFailsOnChangedBlocksAndWrongIndexes() {
        byte[] plaintext = bytes(10 * 512 + 100, 9);
        byte[] sealed = array(cipher.encrypt(key, ByteBuffer.wrap(plaintext), 512));
        SealedLayout layout = cipher.layout(512);
        ByteBuffer header = ByteBuffer.wrap(sealed, 0, HEADER).slice();
        BlockRange range = layout.blocksFor(plaintext.length, 1500, 1000); // blocks 2 to 4
        byte[] blocks = Arrays.copyOfRange(sealed, (int) range.sealedOffset(),
                (int) (range.sealedOffset() + range.sealedLength()));
        assertEquals(2, range.firstBlock());
        assertEquals(1536, cipher.decryptBlocks(key, header, 2, ByteBuffer.wrap(blocks)).remaining());

        for (int position : new int[] {0, 600, blocks.length - 1}) {
            byte[] changed = blocks.clone();
            changed[position] ^= 0x20;
            assertThrows(IntegrityException.class,
                    () -> cipher.decryptBlocks(key, header, 2, ByteBuffer.wrap(changed)), "byte " + position);
        }
        IntegrityException wrongIndex = assertThrows(IntegrityException.class,
                () -> cipher.decryptBlocks(key, header, 3, ByteBuffer.wrap(blocks)));
        assertEquals("aes-256-gcm: block 3 of 11 failed authentication: wrong key, changed bytes, or not block 3 of"
                + " this sealed form", wrongIndex.getMessage());
        assertThrows(IntegrityException.class, () -> cipher.decryptBlocks(key, header, 1, ByteBuffer.wrap(blocks)));
        assertThrows(IntegrityException.class, () -> cipher.decryptBlocks(key, header, 9, ByteBuffer.wrap(blocks)),
                "runs past the last block");
        assertThrows(IntegrityException.class, () -> cipher.decryptBlocks(key, header, 12, ByteBuffer.allocate(0)));
        assertThrows(IntegrityException.class, () -> cipher.decryptBlocks(key, header, 2,
                ByteBuffer.wrap(blocks, 0, blocks.length - 1)), "cut short");
        assertThrows(IntegrityException.class, () -> cipher.decryptBlocks(otherKey(), header, 2,
                ByteBuffer.wrap(blocks)), "wrong key");
        assertThrows(IllegalArgumentException.class, () -> cipher.decryptBlocks(key, header, -1,
                ByteBuffer.wrap(blocks)));
        for (int position : new int[] {2, 20, 50}) {
            byte[] changedHeader = Arrays.copyOf(sealed, HEADER);
            changedHeader[position] ^= 1;
            assertThrows(IntegrityException.class, () -> cipher.decryptBlocks(key, ByteBuffer.wrap(changedHeader), 2,
                    ByteBuffer.wrap(blocks)), "header byte " + position);
        }
        assertThrows(IntegrityException.class, () -> cipher.decryptBlocks(key, ByteBuffer.wrap(sealed, 0, HEADER - 1),
                2, ByteBuffer.wrap(blocks)), "short header");
    }

    @ParameterizedTest
    @ValueSource(ints = {-4096, 0, 1, 256, 511, 513, 1000, 3 * 4096, 131_072})
    void rejectsInvalidBlockSizes(int blockSize) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cipher.layout(blockSize));
        assertTrue(e.getMessage().contains("got " + blockSize), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cipher.encrypt(key, ByteBuffer.allocate(10), blockSize));
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 17, 0, 255})
    void rejectsAHeaderWithAnInvalidBlockSize(int log2) {
        byte[] sealed = sealThreeBlocks(bytes(1300, 10));
        sealed[1] = (byte) log2;
        IntegrityException e = assertThrows(IntegrityException.class, () -> cipher.decrypt(key, ByteBuffer.wrap(sealed)));
        assertTrue(e.getMessage().contains("block size"), e.getMessage());
    }

    @Test
    void rejectsAnotherFormatVersion() {
        byte[] sealed = sealThreeBlocks(bytes(1300, 11));
        sealed[0] = 2;
        IntegrityException e = assertThrows(IntegrityException.class, () -> cipher.decrypt(key, ByteBuffer.wrap(sealed)));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    }

    @Test
    void aKeyOfTheWrongLengthIsRefusedByName() {
        CipherKey aes128 = new CipherKey("legacy", bytes(16, 12));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cipher.encrypt(aes128, ByteBuffer.allocate(10), 4096));
        assertEquals("aes-256-gcm needs a 32-byte key; CipherKey[legacy, 128 bits] has 16 bytes", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cipher.decrypt(aes128, ByteBuffer.allocate(100)));
    }

    @Test
    void noMessageOrStringRevealsTheKey() throws Exception {
        byte[] sealed = sealThreeBlocks(bytes(1300, 13));
        byte[] changed = sealed.clone();
        changed[HEADER + 3] ^= 1;
        CipherKey shortKey = new CipherKey("short", Arrays.copyOf(secret, 16));
        List<Throwable> failures = new ArrayList<>();
        failures.add(assertThrows(IntegrityException.class, () -> cipher.decrypt(key, ByteBuffer.wrap(changed))));
        failures.add(assertThrows(IntegrityException.class, () -> cipher.decrypt(otherKey(), ByteBuffer.wrap(sealed))));
        failures.add(assertThrows(IllegalArgumentException.class,
                () -> cipher.encrypt(shortKey, ByteBuffer.allocate(1), 512)));
        failures.add(assertThrows(IntegrityException.class, () -> cipher.decryptBlocks(key,
                ByteBuffer.wrap(sealed, 0, HEADER), 1, ByteBuffer.wrap(sealed, HEADER, 512 + TAG))));
        byte[] subkey = Hkdf.derive(javax.crypto.Mac.getInstance("HmacSHA256"), secret,
                Arrays.copyOfRange(sealed, 10, 42), AesGcmCipher.INFO.getBytes(), 32);
        List<String> texts = new ArrayList<>(List.of(key.toString(), cipher.toString(),
                new RawKey("AES", subkey).toString()));
        for (Throwable failure : failures) {
            for (Throwable t = failure; t != null; t = t.getCause()) {
                texts.add(t.toString());
                texts.add(String.valueOf(t.getMessage()));
            }
        }
        for (byte[] material : new byte[][] {secret, Arrays.copyOf(secret, 16), subkey}) {
            String hex = HexFormat.of().formatHex(material);
            List<String> forms = List.of(hex, hex.toUpperCase(), hex.substring(0, 16),
                    Base64.getEncoder().encodeToString(material), Arrays.toString(material));
            for (String text : texts) {
                for (String form : forms) {
                    assertFalse(text.contains(form), () -> "'" + text + "' contains key material");
                }
            }
        }
    }

    @Test
    void wipedKeysCannotBeUsed() {
        RawKey raw = new RawKey("AES", secret);
        assertArrayEquals(secret, raw.getEncoded());
        raw.destroy();
        assertTrue(raw.isDestroyed());
        assertThrows(IllegalStateException.class, raw::getEncoded);
        CipherKey destroyed = new CipherKey("gone", secret);
        destroyed.destroy();
        assertThrows(IllegalStateException.class, () -> cipher.encrypt(destroyed, ByteBuffer.allocate(1), 512));
    }

    @Test
    void isSafeToShareBetweenThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 200; i++) {
                        byte[] data = bytes(random.nextInt(20_000), random.nextLong());
                        int blockSize = 512 << random.nextInt(8);
                        ByteBuffer sealed = cipher.encrypt(key, ByteBuffer.wrap(data), blockSize);
                        if (!ByteBuffer.wrap(data).equals(cipher.decrypt(key, sealed))) {
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

    @Test
    void nameAndKeyLength() {
        assertEquals("aes-256-gcm", cipher.name());
        assertEquals(32, cipher.keyLength());
        assertNotEquals(cipher.layout(512), cipher.layout(1024));
    }
}
