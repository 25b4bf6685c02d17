package io.albireo.compressor.bzip2.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.junit.jupiter.api.Test;

import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.Compressor;
import io.albireo.api.codec.Compressor.Levels;
import io.albireo.api.codec.CompressorContract;
import io.albireo.api.codec.TestData;

class Bzip2CompressorTest extends CompressorContract {
    private final Bzip2Compressor bzip2 = new Bzip2Compressor();

    @Override
    protected Compressor compressor() {
        return bzip2;
    }

    /** bzip2 sorts blocks of the level times 100 000 bytes: 900 000 at the default level 9. */
    @Override
    protected int block() {
        return 900_000;
    }

    @Test
    void isNamedBzip2WithLevels1To9Default9() {
        assertEquals("bzip2", bzip2.name());
        assertEquals(new Levels(1, 9, 9), bzip2.levels());
    }

    @Test
    void thePayloadIsAStandardBzip2Stream() throws IOException {
        byte[] data = TestData.generate(TestData.Kind.TEXT, 300_000, 1);
        byte[] payload = payload(bzip2.compress(ByteBuffer.wrap(data)));
        try (BZip2CompressorInputStream in = new BZip2CompressorInputStream(new ByteArrayInputStream(payload))) {
            assertArrayEquals(data, in.readAllBytes());
        }
    }

    @Test
    void aSmallInputGetsTheBlockSizeItNeeds() {
        // The stream header is "BZh" and the block size digit. 79 000 bytes fit 100 000 even if grown by a quarter.
        assertEquals('1', blockSizeDigit(79_000, 9));
        assertEquals('2', blockSizeDigit(81_000, 9));
        assertEquals('9', blockSizeDigit(1 << 20, 9));
        assertEquals('3', blockSizeDigit(1 << 20, 3));
    }

    private char blockSizeDigit(int size, int level) {
        byte[] data = TestData.generate(TestData.Kind.TEXT, size, 1);
        return (char) payload(bzip2.compress(ByteBuffer.wrap(data), level))[3];
    }

    private static byte[] payload(ByteBuffer stored) {
        return TestData.bytes(stored.duplicate().position(CompressedForm.header("bzip2", stored).length()));
    }
}
