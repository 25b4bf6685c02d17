package io.albireo.benchmarks.metadata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
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

import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.ManifestFormat;
import io.albireo.api.metadata.ManifestSamples;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.object.Overwrite;
import io.albireo.metadata.rocksdb.internal.RocksMetadataStore;
import io.albireo.nsm.internal.ApplyOperation;
import io.albireo.nsm.internal.NamespaceManagerService;

/**
 * The namespace manager on the embedded RocksDB store, with the documented 64 MiB (8,2) manifest (2 chunks of 10
 * fragments, 397 bytes stored; every manifest has the example's 20 OSDs, drawn once from 0..999, so a batch touches
 * 20 OSDs; putBatched1000Placed12 places each object on 10 of 12 OSDs as the proxy does): puts of new names one per
 * {@code nsm.apply} (1 and 8 threads: the group commit shares the synced WAL write), 1000 per {@code nsm.apply} (from
 * 1 and 4 threads), gets of stored names, and {@link ManifestFormat} alone. Every score is manifests per second. The
 * store lives under {@code albireo.bench.dir} (default /var/tmp), deleted after each trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
public class ManifestBenchmark {
    private static final String NS = "bench";
    private static final int BATCH = 1000;
    private static final int PRELOADED = 10_000;
    private static final int PLACEMENT_OSDS = 12;

    private Path dir;
    private RocksMetadataStore store;
    private NamespaceManager nsm;
    private Manifest shape;
    private byte[] stored;
    private final AtomicLong next = new AtomicLong();
    /** Per rotation, the chunks of an object placed as the proxy does: the same 10 of 12 OSDs for every chunk. */
    private final List<List<Manifest.Chunk>> placed = new ArrayList<>();

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory(Path.of(System.getProperty("albireo.bench.dir", "/var/tmp")), "nsm-bench");
        ApplyOperation op = new ApplyOperation();
        store = RocksMetadataStore.open(dir, RocksMetadataStore.Settings.DEFAULT,
                name -> ApplyOperation.NAME.equals(name) ? op : null);
        Namespace ns = new Namespace(NS, 1, "default", "local", Namespace.State.ACTIVE);
        nsm = new NamespaceManagerService(store, name -> NS.equals(name) ? Optional.of(ns) : Optional.empty());
        shape = ManifestSamples.example(ManifestSamples.exampleName(0), 1);
        stored = ManifestFormat.encode(shape);
        for (int i = 0; i < PRELOADED; i += BATCH) {
            List<NamespaceManager.Change> puts = new ArrayList<>(BATCH);
            for (int j = i; j < i + BATCH; j++) {
                puts.add(new NamespaceManager.Put(named(ManifestSamples.exampleName(j)), Overwrite.UNCONDITIONAL));
            }
            nsm.apply(NS, puts);
        }
        next.set(PRELOADED);
        for (int r = 0; r < PLACEMENT_OSDS; r++) {
            List<Manifest.Chunk> chunks = new ArrayList<>();
            for (Manifest.Chunk c : shape.chunks()) {
                List<Manifest.Fragment> fragments = new ArrayList<>();
                for (int f = 0; f < c.fragments().size(); f++) {
                    fragments.add(new Manifest.Fragment((r + f) % PLACEMENT_OSDS, c.fragments().get(f).checksum()));
                }
                chunks.add(new Manifest.Chunk(c.length(), c.storedLength(), c.fragmentLength(), fragments));
            }
            placed.add(chunks);
        }
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

    /** The example's shape under another (new) name, as every put of a new object has. */
    private Manifest named(String name) {
        return new Manifest(name, shape.objectId(), 0, shape.size(), shape.checksum(), shape.policy(),
                shape.compressor(), shape.cipher(), shape.keyId(), shape.fragmentChecksum(), shape.erasureCodec(),
                shape.blockSize(), shape.chunks());
    }

    private Manifest fresh() {
        return named(ManifestSamples.exampleName((int) next.incrementAndGet()));
    }

    @Benchmark
    @Threads(1)
    public Manifest putSingle1Thread() {
        return nsm.put(NS, fresh(), Overwrite.NONE);
    }

    @Benchmark
    @Threads(8)
    public Manifest putSingle8Threads() {
        return nsm.put(NS, fresh(), Overwrite.NONE);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public List<Optional<Manifest>> putBatched1000() {
        List<NamespaceManager.Change> puts = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            puts.add(new NamespaceManager.Put(fresh(), Overwrite.NONE));
        }
        return nsm.apply(NS, puts);
    }

    /** As putBatched1000, each object on 10 of 12 OSDs (the same for both chunks), as the proxy places them. */
    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public List<Optional<Manifest>> putBatched1000Placed12() {
        List<NamespaceManager.Change> puts = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            long n = next.incrementAndGet();
            Manifest m = named(ManifestSamples.exampleName((int) n));
            puts.add(new NamespaceManager.Put(new Manifest(m.name(), m.objectId(), 0, m.size(), m.checksum(),
                    m.policy(), m.compressor(), m.cipher(), m.keyId(), m.fragmentChecksum(), m.erasureCodec(),
                    m.blockSize(), placed.get((int) (n % PLACEMENT_OSDS))), Overwrite.NONE));
        }
        return nsm.apply(NS, puts);
    }

    /** Several clients sending batches at once: group commit merges them into one synced write. */
    @Benchmark
    @Threads(4)
    @OperationsPerInvocation(BATCH)
    public List<Optional<Manifest>> putBatched1000FourThreads() {
        return putBatched1000();
    }

    @Benchmark
    @Threads(1)
    public Optional<Manifest> get() {
        return nsm.get(NS, ManifestSamples.exampleName(ThreadLocalRandom.current().nextInt(PRELOADED)));
    }

    @Benchmark
    @Threads(1)
    public byte[] encode() {
        return ManifestFormat.encode(shape);
    }

    @Benchmark
    @Threads(1)
    public Manifest decode() {
        return ManifestFormat.decode(stored);
    }
}
