package io.albireo.codec.registry.internal.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.Compressor;
import io.albireo.checksum.crc32c.internal.Crc32cChecksum;

class CodecBenchTest {

    /** A clock that advances 1 ms each time it is read: the bench's arithmetic becomes exact. */
    private static CodecBench bench(double seconds) {
        AtomicLong now = new AtomicLong();
        return new CodecBench(seconds, () -> now.addAndGet(1_000_000));
    }

    private static final Checksum CRC = new Crc32cChecksum();

    @Test
    void reportsBytesPerSecondOverTheMeasuredTime() {
        List<CodecBench.Result> results = bench(1).checksum(CRC, CodecBench.Data.RANDOM.make(1_000_000));
        CodecBench.Result r = results.get(0);
        // After the warm-up the clock is read once at the start and once per operation: 1000 operations of 1 ms.
        assertEquals(1000, r.operations());
        assertEquals(1e9, r.bytesPerSecond(), 1e3, "10^6 bytes per ms");
        assertEquals("  compute              1000.0 MB/s      1000 ops", r.line());
    }

    @Test
    void aCompressorThatDoesNotRoundTripIsCalledBroken() {
        Compressor liar = new Compressor() {
            @Override
            public String name() {
                return "liar";
            }

            @Override
            public Levels levels() {
                return Levels.NONE;
            }

            @Override
            public ByteBuffer compress(ByteBuffer input, int level) {
                return CompressedForm.compress(input, (in, out) -> -1);
            }

            @Override
            public ByteBuffer decompress(ByteBuffer stored) {
                return ByteBuffer.allocate(1);
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> bench(0.1).compressor(liar, 0, CodecBench.Data.TEXT.make(1000)));
        assertEquals("liar did not round-trip: the compressor is broken", e.getMessage());
    }

    @Test
    void generatedInputsHaveTheAskedSizeAndCharacter() {
        for (CodecBench.Data data : CodecBench.Data.values()) {
            assertEquals(12_345, data.make(12_345).remaining(), data.name());
        }
        ByteBuffer zeros = CodecBench.Data.ZEROS.make(4096);
        assertEquals(ByteBuffer.allocate(4096), zeros);
        String text = new String(CodecBench.Data.TEXT.make(2000).array(), java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(text.matches("(?s)[a-z .\\n]+"), text);
        ByteBuffer mixed = CodecBench.Data.MIXED.make(4000);
        assertEquals(0, mixed.get(1000 + 4), "the second quarter is zeros");
    }

    @Test
    void refusesSillyDurations() {
        assertThrows(IllegalArgumentException.class, () -> bench(0));
        assertThrows(IllegalArgumentException.class, () -> bench(601));
        assertThrows(IllegalArgumentException.class, () -> bench(Double.NaN));
    }
}
