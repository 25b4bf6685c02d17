package io.albireo.compressor.gzip.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;

import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.Compressor;
import io.albireo.api.codec.Compressor.Levels;
import io.albireo.api.codec.CompressorContract;
import io.albireo.api.codec.TestData;

class GzipCompressorTest extends CompressorContract {
    private final GzipCompressor gzip = new GzipCompressor();

    @Override
    protected Compressor compressor() {
        return gzip;
    }

    /** deflate's window: a match reaches back at most 32 KiB. */
    @Override
    protected int block() {
        return 32 << 10;
    }

    @Test
    void isNamedGzipWithLevels1To9Default6() {
        assertEquals("gzip", gzip.name());
        assertEquals(new Levels(1, 9, 6), gzip.levels());
    }

    @Test
    void thePayloadIsAGzipMember() throws IOException {
        byte[] data = TestData.generate(TestData.Kind.TEXT, 100_000, 1);
        ByteBuffer stored = gzip.compress(ByteBuffer.wrap(data));
        byte[] member = TestData.bytes(stored.position(CompressedForm.header("gzip", stored).length()));
        assertEquals(0x1f, member[0] & 0xff);
        assertEquals(0x8b, member[1] & 0xff);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(member))) {
            assertArrayEquals(data, in.readAllBytes());
        }
    }

    @Test
    void theLevelReachesZlib() {
        byte[] data = TestData.generate(TestData.Kind.TEXT, 1 << 20, 2);
        int fast = gzip.compress(ByteBuffer.wrap(data), 1).remaining();
        int best = gzip.compress(ByteBuffer.wrap(data), 9).remaining();
        assertTrue(best < fast, "level 9: " + best + " bytes, level 1: " + fast);
    }
}
