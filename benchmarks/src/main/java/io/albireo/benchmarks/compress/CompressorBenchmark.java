package io.albireo.benchmarks.compress;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.albireo.api.codec.Compressor;
import io.albireo.compressor.bzip2.internal.Bzip2Compressor;
import io.albireo.compressor.gzip.internal.GzipCompressor;
import io.albireo.compressor.lz4.internal.Lz4Compressor;
import io.albireo.compressor.none.internal.NoneCompressor;
import io.albireo.compressor.snappy.internal.SnappyCompressor;
import io.albireo.compressor.zstd.internal.ZstdCompressor;

/**
 * Albireo's compressors as the appliance calls them: heap buffers in, the stored form (header, raw fallback) out. The
 * {@code mb} counter is MB/s (10^6 bytes of original data per second); the setup prints the ratio, original / stored
 * bytes, as a line "# ratio CODEC DATA: R". A codec is a name with an optional level, {@code zstd:9}; without one the
 * default level.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar CompressorBenchmark -f 1 -wi 2 -i 3
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class CompressorBenchmark {

    @Param({"none", "lz4", "lz4:9", "snappy", "zstd:1", "zstd", "zstd:9", "gzip:1", "gzip", "bzip2:1", "bzip2"})
    public String codec;

    @Param({"text", "binary", "zeros", "random"})
    public String data;

    private Compressor compressor;
    private int level;
    private ByteBuffer input;
    private ByteBuffer stored;

    @Setup(Level.Trial)
    public void setUp() {
        String[] nameAndLevel = codec.split(":");
        compressor = compressor(nameAndLevel[0]);
        level = nameAndLevel.length > 1 ? Integer.parseInt(nameAndLevel[1]) : compressor.levels().defaultLevel();
        input = ByteBuffer.wrap(Samples.load(data));
        stored = compressor.compress(input, level);
        if (!compressor.decompress(stored).equals(input)) {
            throw new IllegalStateException(codec + " does not round-trip " + data);
        }
        // JMH has no per-trial scalar to report beside the scores (an EVENTS counter is summed over iterations).
        System.out.printf("%n# ratio %s %s: %.3f (%d -> %d bytes)%n", codec, data,
                (double) input.remaining() / stored.remaining(), input.remaining(), stored.remaining());
    }

    static Compressor compressor(String name) {
        return switch (name) {
            case "none" -> new NoneCompressor();
            case "lz4" -> new Lz4Compressor();
            case "snappy" -> new SnappyCompressor();
            case "zstd" -> new ZstdCompressor();
            case "gzip" -> new GzipCompressor();
            case "bzip2" -> new Bzip2Compressor();
            default -> throw new IllegalArgumentException("no compressor '" + name + "'");
        };
    }

    @Benchmark
    public ByteBuffer compress(Counters counters) {
        counters.mb += input.remaining() / 1e6;
        return compressor.compress(input, level);
    }

    @Benchmark
    public ByteBuffer decompress(Counters counters) {
        counters.mb += input.remaining() / 1e6;
        return compressor.decompress(stored);
    }

    /** MB of original data per second, reported beside ops/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public double mb;

        @Setup(Level.Iteration)
        public void reset() {
            mb = 0;
        }
    }
}
