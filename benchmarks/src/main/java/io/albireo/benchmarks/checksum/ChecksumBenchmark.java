package io.albireo.benchmarks.checksum;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.Digest;
import io.albireo.checksum.crc32c.internal.Crc32cChecksum;
import io.albireo.checksum.sha256.internal.Sha256Checksum;
import io.albireo.checksum.xxh64.internal.Xxh64Checksum;

/**
 * Each checksum as its bundle ships it. For sha-256 without the CPU's SHA extensions add
 * {@code -jvmArgsAppend -XX:-UseSHA}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ChecksumBenchmark {
    @Param({"crc32c", "sha-256", "xxh64"})
    String algorithm;

    @Param({"4096", "1048576"})
    int size;

    @Param({"heap", "direct"})
    String buffer;

    private Checksum checksum;
    private ByteBuffer data;

    @Setup
    public void setup() {
        checksum = switch (algorithm) {
            case "crc32c" -> new Crc32cChecksum();
            case "sha-256" -> new Sha256Checksum();
            case "xxh64" -> new Xxh64Checksum();
            default -> throw new IllegalArgumentException(algorithm);
        };
        byte[] bytes = new byte[size];
        new Random(3).nextBytes(bytes);
        data = buffer.equals("heap") ? ByteBuffer.wrap(bytes) : ByteBuffer.allocateDirect(size).put(bytes).flip();
    }

    @Benchmark
    public Digest compute() {
        return checksum.compute(data);
    }
}
