package io.albireo.benchmarks.compress;

import java.io.IOException;
import java.util.Arrays;
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

/**
 * The candidate libraries per algorithm side by side, on raw heap arrays: what chose the library behind each compressor
 * bundle. The {@code mb} counter is MB/s (10^6 bytes of original data per second); the setup prints the ratio,
 * original / compressed bytes, as a line "# ratio LIBRARY DATA: R".
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar LibraryComparison -f 1 -wi 2 -i 3
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class LibraryComparisonBenchmark {

    @Param({"zstd-jni", "aircompressor-zstd", "lz4-java", "lz4-java-java", "aircompressor-lz4", "snappy-java",
            "aircompressor-snappy", "gzip-jdk", "gzip-commons-compress"})
    public String library;

    @Param({"text", "binary", "zeros", "random"})
    public String data;

    private Libraries.Codec codec;
    private byte[] input;
    private byte[] compressed;
    private int compressedLength;
    private byte[] restored;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        codec = Libraries.of(library);
        input = Samples.load(data);
        compressed = new byte[codec.maxCompressedLength(input.length)];
        compressedLength = codec.compress(input, input.length, compressed);
        restored = new byte[input.length];
        int restoredLength = codec.decompress(compressed, compressedLength, restored, input.length);
        if (restoredLength != input.length || !Arrays.equals(input, restored)) {
            throw new IllegalStateException(library + " does not round-trip " + data);
        }
        System.out.printf("%n# ratio %s %s: %.3f (%d -> %d bytes)%n", library, data,
                (double) input.length / compressedLength, input.length, compressedLength);
    }

    @Benchmark
    public int compress(Rate rate) throws IOException {
        rate.mb += input.length / 1e6;
        return codec.compress(input, input.length, compressed);
    }

    @Benchmark
    public int decompress(Rate rate) throws IOException {
        rate.mb += input.length / 1e6;
        return codec.decompress(compressed, compressedLength, restored, input.length);
    }

    /** MB of original data per second, reported beside ops/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Rate {
        public double mb;

        @Setup(Level.Iteration)
        public void reset() {
            mb = 0;
        }
    }
}
