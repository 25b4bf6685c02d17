package io.albireo.benchmarks.erasure;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;

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

import io.albireo.api.codec.ErasureCode;
import io.albireo.api.codec.ErasureCodec;
import io.albireo.codec.rs.internal.ReedSolomonCodec;
import io.albireo.codec.rs.isal.internal.IsalReedSolomonCodec;

/**
 * RS encode, and decode with min(m, k) data fragments lost, one thread, for the pure-Java and the ISA-L codec. One
 * operation processes k fragments of {@code fragmentSize} bytes; {@link ErasureReport} turns operations per second into
 * GB/s of data.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ErasureBenchmark {

    @Param({"java", "isal"})
    public String impl;

    @Param({"4+2", "8+2", "8+3", "16+4"})
    public String shape;

    @Param({"1048576"})
    public int fragmentSize;

    @Param({"heap", "direct"})
    public String buffers;

    private ErasureCode code;
    private ByteBuffer[] data;
    private ByteBuffer[] parity;
    private ByteBuffer[] surviving;
    private int[] lost;
    private ByteBuffer[] rebuilt;

    @Setup(Level.Trial)
    public void setUp() {
        ErasureCodec codec = impl.equals("isal") ? new IsalReedSolomonCodec() : new ReedSolomonCodec();
        int k = Integer.parseInt(shape.substring(0, shape.indexOf('+')));
        int m = Integer.parseInt(shape.substring(shape.indexOf('+') + 1));
        code = codec.code(k, m);
        Random random = new Random(1);
        data = allocate(k, random);
        parity = allocate(m, null);
        code.encode(data, parity);
        lost = new int[Math.min(m, k)];
        surviving = new ByteBuffer[k + m];
        for (int i = 0; i < k; i++) {
            surviving[i] = i < lost.length ? null : data[i];
        }
        System.arraycopy(parity, 0, surviving, k, m);
        for (int i = 0; i < lost.length; i++) {
            lost[i] = i;
        }
        rebuilt = allocate(lost.length, null);
    }

    @Benchmark
    public ByteBuffer[] encode() {
        code.encode(data, parity);
        return parity;
    }

    @Benchmark
    public ByteBuffer[] decode() {
        code.reconstruct(surviving, lost, rebuilt);
        return rebuilt;
    }

    private ByteBuffer[] allocate(int count, Random random) {
        ByteBuffer[] result = new ByteBuffer[count];
        byte[] bytes = new byte[fragmentSize];
        for (int i = 0; i < count; i++) {
            // Direct buffers aligned on 64 bytes, as the C reference's are: AVX-512 loads that straddle cache lines
            // cost ISA-L about a tenth of its speed.
            result[i] = buffers.equals("direct")
                    ? ByteBuffer.allocateDirect(fragmentSize + 63).alignedSlice(64).limit(fragmentSize).slice()
                    : ByteBuffer.allocate(fragmentSize);
            if (random != null) {
                random.nextBytes(bytes);
                result[i].duplicate().put(bytes);
            }
        }
        return result;
    }
}
