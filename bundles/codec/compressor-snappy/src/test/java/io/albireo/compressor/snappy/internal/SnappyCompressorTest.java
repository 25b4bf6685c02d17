package io.albireo.compressor.snappy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

import io.albireo.api.IntegrityException;
import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.Compressor;
import io.albireo.api.codec.Compressor.Levels;
import io.albireo.api.codec.CompressorContract;
import io.albireo.api.codec.TestData;

class SnappyCompressorTest extends CompressorContract {
    private final SnappyCompressor snappy = new SnappyCompressor();

    @Override
    protected Compressor compressor() {
        return snappy;
    }

    /** Snappy compresses in independent fragments of 64 KiB (kBlockSize). */
    @Override
    protected int block() {
        return 64 << 10;
    }

    @Test
    void isNamedSnappyWithoutLevels() {
        assertEquals("snappy", snappy.name());
        assertEquals(Levels.NONE, snappy.levels());
    }

    @Test
    void thePayloadIsARawSnappyBlock() throws IOException {
        byte[] data = TestData.generate(TestData.Kind.TEXT, 100_000, 1);
        ByteBuffer stored = snappy.compress(ByteBuffer.wrap(data));
        byte[] block = TestData.bytes(stored.position(CompressedForm.header("snappy", stored).length()));
        assertArrayEquals(data, Snappy.uncompress(block));
    }

    @Test
    void aBlockClaimingMoreThanTheHeaderIsRefusedBeforeDecoding() throws IOException {
        // A valid snappy block of 1000 bytes under a header that says 10: decoding it would write past the buffer.
        byte[] block = Snappy.compress(new byte[1000]);
        ByteBuffer forged = ByteBuffer.allocate(2 + block.length).put((byte) 0x11).put((byte) 10).put(block).flip();
        IntegrityException e = assertThrows(IntegrityException.class, () -> snappy.decompress(forged));
        assertTrue(e.getMessage().contains("snappy block says it holds 1000 bytes"), e.getMessage());
    }
}
