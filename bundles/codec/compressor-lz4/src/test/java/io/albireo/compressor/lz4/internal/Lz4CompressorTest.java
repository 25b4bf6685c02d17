package io.albireo.compressor.lz4.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.Compressor;
import io.albireo.api.codec.Compressor.Levels;
import io.albireo.api.codec.CompressorContract;
import io.albireo.api.codec.TestData;
import net.jpountz.lz4.LZ4Factory;

class Lz4CompressorTest extends CompressorContract {
    private final Lz4Compressor lz4 = new Lz4Compressor();

    @Override
    protected Compressor compressor() {
        return lz4;
    }

    /** LZ4's window: a match reaches back at most 64 KiB. */
    @Override
    protected int block() {
        return 64 << 10;
    }

    @Test
    void isNamedLz4WithLevels1To12Default1() {
        assertEquals("lz4", lz4.name());
        assertEquals(new Levels(1, 12, 1), lz4.levels());
    }

    @Test
    void usesTheNativeLibrary() {
        // lz4-java ships it for this platform; its absence would cost a factor of two or three.
        assertEquals("lz4 (LZ4Factory:JNI)", lz4.toString());
    }

    @Test
    void thePayloadIsARawLz4Block() {
        byte[] data = TestData.generate(TestData.Kind.TEXT, 100_000, 1);
        ByteBuffer stored = lz4.compress(ByteBuffer.wrap(data));
        byte[] block = TestData.bytes(stored.position(CompressedForm.header("lz4", stored).length()));
        assertArrayEquals(data, LZ4Factory.safeInstance().safeDecompressor().decompress(block, data.length));
    }

    @Test
    void hcLevelsCompressTextMoreThanFastMode() {
        byte[] data = TestData.generate(TestData.Kind.TEXT, 1 << 20, 2);
        int fast = lz4.compress(ByteBuffer.wrap(data), 1).remaining();
        int hc = lz4.compress(ByteBuffer.wrap(data), 9).remaining();
        assertTrue(hc < fast, "HC level 9: " + hc + " bytes, fast: " + fast);
    }
}
