package io.albireo.benchmarks.asd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.asd.internal.AsdStore;

/**
 * The ASD's store without the network: applies of one new key each from 8 threads, made durable by the group commit.
 * It decides the two choices the store leaves to measurement: fsync per blob or one syncfs per batch, and the size
 * above which values go to files. The store lives under {@code albireo.bench.dir} (default /var/tmp: the root disk),
 * deleted after each trial. MB/s = ops/s x valueSize / 10^6.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(8)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class AsdStoreBenchmark {

    @Param({"fsync", "syncfs"})
    public String sync;

    @Param({"4096", "65536", "1048576"})
    public int valueSize;

    /** Values longer than this go to files. */
    @Param({"65536"})
    public int blobThreshold;

    /** Whether blob files are written with direct I/O (the default) or through the page cache. */
    @Param({"true"})
    public boolean directIo;

    private Path dir;
    private AsdStore store;
    private ByteBuffer value;
    private final AtomicLong next = new AtomicLong();

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory(Path.of(System.getProperty("albireo.bench.dir", "/var/tmp")), "asd-bench");
        store = AsdStore.open(dir, new AsdStore.Settings(0, blobThreshold, sync, 1024, directIo));
        byte[] bytes = new byte[valueSize];
        new Random(1).nextBytes(bytes);
        value = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    @Benchmark
    public void apply() {
        store.apply(List.of(), List.of(Update.set(Bytes.utf8("k" + next.incrementAndGet()), value))).join();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
