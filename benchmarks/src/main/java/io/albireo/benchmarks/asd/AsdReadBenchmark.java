package io.albireo.benchmarks.asd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
import io.albireo.api.osd.Osd;
import io.albireo.asd.internal.AsdStore;
import io.albireo.asd.internal.BenchAsdServer;
import io.albireo.osd.asd.internal.BenchAsdDriver;

/**
 * The read path a proxy's partial read takes when its fragment is not cached locally: a 4 KiB {@code getSlices} from 8
 * threads, through the ASD driver, loopback TCP and the ASD server, to the store. Values of 1 MiB are blob files
 * (read through the page cache); values of 4 KiB live in RocksDB. The store lives under
 * {@code albireo.bench.dir} (default /var/tmp), deleted after the trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(8)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
public class AsdReadBenchmark {
    static final int SLICE = 4096;

    /** The size of the values read from. */
    @Param({"1048576", "4096"})
    public int valueSize;

    /**
     * The bytes of values written before the reads: 64 MiB stays in the page cache once read (blobs are written with
     * direct I/O, so only reads bring them in); 3 GiB, like the proxy benchmark's fragments, mostly does not.
     */
    @Param({"64"})
    public int workingSetMiB;

    private int values;

    private Path dir;
    private AsdStore store;
    private BenchAsdServer server;
    private Osd osd;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory(Path.of(System.getProperty("albireo.bench.dir", "/var/tmp")), "asd-read");
        store = AsdStore.open(dir, AsdStore.Settings.DEFAULT);
        server = new BenchAsdServer(store);
        osd = BenchAsdDriver.open(server.port());
        values = (int) ((long) workingSetMiB * (1 << 20) / valueSize);
        byte[] bytes = new byte[valueSize];
        new Random(1).nextBytes(bytes);
        List<Update> updates = new ArrayList<>();
        for (int i = 0; i < values; i++) {
            updates.add(Update.set(Bytes.utf8("v" + i), ByteBuffer.wrap(bytes)));
            if (updates.size() == 16) {
                osd.apply(List.of(), updates).join();
                updates = new ArrayList<>();
            }
        }
        if (!updates.isEmpty()) {
            osd.apply(List.of(), updates).join();
        }
    }

    @Benchmark
    public ByteBuffer getSlice() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Osd.Slice slice = new Osd.Slice(Bytes.utf8("v" + random.nextInt(values)),
                random.nextInt(valueSize - SLICE + 1), SLICE);
        return osd.getSlices(List.of(slice)).join().get(0).orElseThrow();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        BenchAsdDriver.close(osd);
        server.close();
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
