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

import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/** lz4-java's three XXHash64 implementations: JNI, Java with sun.misc.Unsafe, and plain Java. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class Xxh64VariantsBenchmark {
    @Param({"jni", "unsafe", "safe"})
    String variant;

    @Param({"4096", "1048576"})
    int size;

    @Param({"heap", "direct"})
    String buffer;

    private XXHash64 hash;
    private ByteBuffer data;

    @Setup
    public void setup() {
        XXHashFactory factory = switch (variant) {
            case "jni" -> XXHashFactory.nativeInstance();
            case "unsafe" -> XXHashFactory.unsafeInstance();
            case "safe" -> XXHashFactory.safeInstance();
            default -> throw new IllegalArgumentException(variant);
        };
        hash = factory.hash64();
        byte[] bytes = new byte[size];
        new Random(4).nextBytes(bytes);
        data = buffer.equals("heap") ? ByteBuffer.wrap(bytes) : ByteBuffer.allocateDirect(size).put(bytes).flip();
    }

    @Benchmark
    public long hash() {
        return hash.hash(data, 0, size, 0);
    }
}
