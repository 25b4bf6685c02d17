package io.albireo.compressor.zstd.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

import com.github.luben.zstd.Zstd;

import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.Compressor;
import io.albireo.api.codec.Compressor.Levels;
import io.albireo.api.codec.CompressorContract;
import io.albireo.api.codec.TestData;

class ZstdCompressorTest extends CompressorContract {
    private final ZstdCompressor zstd = new ZstdCompressor();

    @Override
    protected Compressor compressor() {
        return zstd;
    }

    /** zstd compresses in blocks of at most 128 KiB (ZSTD_BLOCKSIZE_MAX). */
    @Override
    protected int block() {
        return 128 << 10;
    }

    @Test
    void isNamedZstdWithLevels1To19Default3() {
        assertEquals("zstd", zstd.name());
        assertEquals(new Levels(1, 19, 3), zstd.levels());
    }

    @Test
    void thePayloadIsAStandardZstdFrameWithItsContentSize() {
        byte[] data = TestData.generate(TestData.Kind.TEXT, 100_000, 1);
        ByteBuffer stored = zstd.compress(ByteBuffer.wrap(data));
        byte[] frame = TestData.bytes(stored.position(CompressedForm.header("zstd", stored).length()));
        assertEquals(data.length, Zstd.getFrameContentSize(frame));
        assertArrayEquals(data, Zstd.decompress(frame, data.length));
    }

    @Test
    void higherLevelsCompressText() {
        byte[] data = TestData.generate(TestData.Kind.TEXT, 1 << 20, 2);
        int fast = zstd.compress(ByteBuffer.wrap(data), 1).remaining();
        int strong = zstd.compress(ByteBuffer.wrap(data), 19).remaining();
        assertTrue(strong < fast, "level 19: " + strong + " bytes, level 1: " + fast);
    }
}
