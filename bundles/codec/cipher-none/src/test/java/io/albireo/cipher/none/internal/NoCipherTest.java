package io.albireo.cipher.none.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Cipher.BlockRange;
import io.albireo.api.codec.Cipher.SealedLayout;

class NoCipherTest {
    private final NoCipher none = new NoCipher();

    private static byte[] bytes(int length) {
        byte[] b = new byte[length];
        new Random(length).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 511, 512, 513, 100_000})
    void roundTripsHeapAndDirectWithoutMovingTheCallersBuffer(int length) {
        byte[] data = bytes(length);
        for (ByteBuffer plaintext : new ByteBuffer[] {ByteBuffer.wrap(data),
                ByteBuffer.allocateDirect(length).put(data).flip()}) {
            ByteBuffer sealed = none.encrypt(null, plaintext, 4096);
            assertEquals(0, sealed.position());
            assertEquals(none.layout(4096).sealedLength(length), sealed.remaining());
            ByteBuffer opened = none.decrypt(null, sealed);
            assertEquals(ByteBuffer.wrap(data), opened);
            assertEquals(0, plaintext.position());
            assertEquals(length, plaintext.limit());
            assertEquals(0, sealed.position());
        }
    }

    @Test
    void theSealedFormIsTheRemainingPlaintextItself() {
        ByteBuffer plaintext = ByteBuffer.wrap(bytes(1000));
        plaintext.position(100).limit(900);
        ByteBuffer sealed = none.encrypt(null, plaintext, 512);
        assertEquals(plaintext, sealed);
        assertEquals(100, plaintext.position());
        assertEquals(900, plaintext.limit());
    }

    @Test
    void layoutHasNoHeaderAndNoTags() {
        SealedLayout layout = none.layout(512);
        assertEquals(new SealedLayout(0, 512, 0), layout);
        assertEquals(12_345, layout.sealedLength(12_345));
        assertEquals(1024, layout.blockOffset(2));
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 1024, 4096, 65536})
    void acceptsPowersOfTwoFrom512To64KiB(int blockSize) {
        assertEquals(blockSize, none.layout(blockSize).blockSize());
    }

    @ParameterizedTest
    @ValueSource(ints = {-512, 0, 1, 256, 511, 513, 1000, 3 * 1024, 131_072})
    void rejectsOtherBlockSizes(int blockSize) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> none.layout(blockSize));
        assertTrue(e.getMessage().contains("got " + blockSize), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> none.encrypt(null, ByteBuffer.allocate(10), blockSize));
    }

    @Test
    void decryptBlocksReturnsTheBlocksOfAPartialRead() {
        byte[] data = bytes(10_000);
        SealedLayout layout = none.layout(1024);
        ByteBuffer sealed = none.encrypt(null, ByteBuffer.wrap(data), 1024);
        BlockRange range = layout.blocksFor(data.length, 3000, 2500); // bytes 3000 to 5499: blocks 2 to 5
        assertEquals(2, range.firstBlock());
        assertEquals(4, range.count());
        ByteBuffer blocks = sealed.slice((int) range.sealedOffset(), (int) range.sealedLength());
        ByteBuffer opened = none.decryptBlocks(null, ByteBuffer.allocate(0), range.firstBlock(), blocks);
        assertEquals(ByteBuffer.wrap(data, 2048, 4096), opened);
    }

    @Test
    void decryptBlocksRefusesAHeaderOfAnotherCipher() {
        assertThrows(IntegrityException.class,
                () -> none.decryptBlocks(null, ByteBuffer.allocate(58), 0, ByteBuffer.allocate(512)));
        assertThrows(IllegalArgumentException.class,
                () -> none.decryptBlocks(null, ByteBuffer.allocate(0), -1, ByteBuffer.allocate(512)));
    }

    @Test
    void needsNoKey() {
        assertEquals(0, none.keyLength());
        assertEquals("none", none.name());
    }
}
