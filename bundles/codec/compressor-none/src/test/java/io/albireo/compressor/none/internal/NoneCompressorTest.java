package io.albireo.compressor.none.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Compressor;
import io.albireo.api.codec.Compressor.Levels;
import io.albireo.api.codec.CompressorContract;
import io.albireo.api.codec.TestData;

class NoneCompressorTest extends CompressorContract {
    private final NoneCompressor none = new NoneCompressor();

    @Override
    protected Compressor compressor() {
        return none;
    }

    /** "none" has no block; a 4 KiB page is as good a boundary as any. */
    @Override
    protected int block() {
        return 4096;
    }

    @Override
    protected boolean compresses() {
        return false;
    }

    @Test
    void isNamedNoneWithoutLevels() {
        assertEquals("none", none.name());
        assertEquals(Levels.NONE, none.levels());
    }

    @Test
    void storesTheHeaderThenTheInput() {
        byte[] zeros = new byte[300];
        assertArrayEquals(new byte[] {0x10, (byte) 0xac, 0x02}, java.util.Arrays.copyOf(
                TestData.bytes(none.compress(ByteBuffer.wrap(zeros))), 3));
        assertEquals(303, none.compress(ByteBuffer.wrap(zeros)).remaining());
    }

    @Test
    void refusesAStoredFormMarkedCompressed() {
        IntegrityException e = assertThrows(IntegrityException.class,
                () -> none.decompress(ByteBuffer.wrap(new byte[] {0x11, 2, 0, 0})));
        assertTrue(e.getMessage().contains("never compresses"), e.getMessage());
    }
}
