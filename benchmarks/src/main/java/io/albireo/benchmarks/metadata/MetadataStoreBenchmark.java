package io.albireo.benchmarks.metadata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.metadata.rocksdb.internal.RocksMetadataStore;

/**
 * The embedded metadata store: puts of 300-byte values under fresh keys, each op/s figure is puts/s. One put per apply
 * from 1 thread (one fsync each) and from 8 threads (the group commit shares fsyncs), and 1000 puts per apply. The
 * store lives under {@code albireo.bench.dir} (default /var/tmp: the root disk), deleted after each trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
public class MetadataStoreBenchmark {
    private static final int BATCH = 1000;

    private Path dir;
    private RocksMetadataStore store;
    private Bytes value;
    private final AtomicLong next = new AtomicLong();

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory(Path.of(System.getProperty("albireo.bench.dir", "/var/tmp")), "meta-bench");
        store = RocksMetadataStore.open(dir, RocksMetadataStore.Settings.DEFAULT, name -> null);
        byte[] bytes = new byte[300];
        new Random(1).nextBytes(bytes);
        value = Bytes.adopt(bytes);
    }

    private Bytes freshKey() {
        return Bytes.utf8(String.format("bench/%016x", next.incrementAndGet()));
    }

    @Benchmark
    @Threads(1)
    public void putOneThread() {
        store.apply(List.of(), List.of(Update.set(freshKey(), value)));
    }

    @Benchmark
    @Threads(8)
    public void putEightThreads() {
        store.apply(List.of(), List.of(Update.set(freshKey(), value)));
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public void putBatched1000() {
        List<Update> updates = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            updates.add(Update.set(freshKey(), value));
        }
        store.apply(List.of(), updates);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
