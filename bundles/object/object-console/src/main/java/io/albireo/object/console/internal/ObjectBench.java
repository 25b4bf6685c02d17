package io.albireo.object.console.internal;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.albireo.api.object.ObjectStore;
import io.albireo.api.object.Overwrite;

/**
 * A load generator on any ObjectStore: puts, whole gets or 4 KiB partial reads of objects of one size, from several
 * threads for a while, in a namespace of its own that it deletes afterwards. No Karaf types, so it can be tested and
 * run from a plain main as well as from {@code proxy:bench}.
 */
final class ObjectBench {

    /** What to measure. */
    enum Mode {
        PUT, GET, PARTIAL;

        static Mode parse(String text) {
            try {
                return valueOf(text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown mode '" + text + "': put, get or partial");
            }
        }
    }

    /**
     * @param ops the operations done
     * @param bytes the object bytes moved
     * @param nanos how long it ran
     * @param latencyNanos every operation's latency, sorted
     */
    record Result(long ops, long bytes, long nanos, long[] latencyNanos) {
        double opsPerSecond() {
            return ops * 1e9 / nanos;
        }

        double mbPerSecond() {
            return bytes * 1e9 / nanos / (1 << 20);
        }

        /** @return the latency at a percentile (0 to 100), in microseconds */
        double percentileMicros(double p) {
            if (latencyNanos.length == 0) {
                return 0;
            }
            int i = (int) Math.min(latencyNanos.length - 1, Math.ceil(p / 100 * latencyNanos.length) - 1);
            return latencyNanos[Math.max(0, i)] / 1e3;
        }

        void print(PrintStream out, Mode mode, int size, int threads) {
            out.printf(Locale.ROOT, "%s %s x %d threads: %d ops in %.1f s: %.0f ops/s, %.1f MB/s;"
                    + " latency p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us%n", mode.name().toLowerCase(
                    Locale.ROOT), size(size), threads, ops, nanos / 1e9, opsPerSecond(), mbPerSecond(),
                    percentileMicros(50), percentileMicros(90), percentileMicros(99), percentileMicros(100));
        }
    }

    /** The bytes a partial read takes. */
    static final int PARTIAL = 4096;
    /** Objects written before a get or partial run, per thread. */
    static final int OBJECTS_PER_THREAD = 4;

    private ObjectBench() {
    }

    /** Parses "4096", "4k", "4KiB", "64m", "1g". */
    static int parseSize(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long unit = 1;
        if (t.endsWith("k")) {
            unit = 1 << 10;
        } else if (t.endsWith("m")) {
            unit = 1 << 20;
        } else if (t.endsWith("g")) {
            unit = 1 << 30;
        }
        if (unit > 1) {
            t = t.substring(0, t.length() - 1);
        }
        long v;
        try {
            v = Long.parseLong(t.trim()) * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "' (e.g. 4096, 4KiB, 64MiB)");
        }
        if (v < 1 || v > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a size of " + text + " is not between 1 byte and 2 GiB");
        }
        return (int) v;
    }

    static String size(long bytes) {
        return bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? bytes / (1 << 20) + " MiB"
                : bytes >= 1 << 10 && bytes % (1 << 10) == 0 ? bytes / (1 << 10) + " KiB" : bytes + " B";
    }

    /**
     * Runs a benchmark; the namespace is created first and deleted with its objects afterwards, whatever happens.
     *
     * @param warmupSeconds how long to run the load before counting
     * @param seconds how long to count
     * @param namespace the namespace to create, or null for a fresh name
     */
    static Result run(ObjectStore store, Mode mode, int size, int threads, double warmupSeconds, double seconds,
            String namespace, String preset) throws Exception {
        if (threads < 1 || seconds <= 0) {
            throw new IllegalArgumentException("--threads and --seconds must be positive");
        }
        if (warmupSeconds < 0) {
            throw new IllegalArgumentException("--warmup must not be negative");
        }
        if (mode == Mode.PARTIAL && size < PARTIAL) {
            throw new IllegalArgumentException("partial reads take " + PARTIAL + " bytes: --size must be at least"
                    + " that");
        }
        String ns = namespace != null ? namespace : "bench-" + UUID.randomUUID().toString().substring(0, 8);
        store.createNamespace(ns, preset);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            byte[] payload = new byte[size];
            new Random(42).nextBytes(payload);
            if (mode != Mode.PUT) {
                for (int i = 0; i < threads * OBJECTS_PER_THREAD; i++) {
                    store.put(ns, "o" + i, ByteBuffer.wrap(payload), Overwrite.UNCONDITIONAL);
                }
            }
            // Operations before `start` run the same code (JIT compilation, caches, connections) but are not counted.
            long start = System.nanoTime() + (long) (warmupSeconds * 1e9);
            long deadline = start + (long) (seconds * 1e9);
            List<Future<long[]>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> worker(store, mode, ns, payload, thread, threads, start, deadline)));
            }
            List<long[]> all = new ArrayList<>();
            long ops = 0;
            for (Future<long[]> f : futures) {
                long[] l = f.get();
                all.add(l);
                ops += l.length;
            }
            long nanos = System.nanoTime() - start;
            long[] latencies = new long[(int) ops];
            int at = 0;
            for (long[] l : all) {
                System.arraycopy(l, 0, latencies, at, l.length);
                at += l.length;
            }
            Arrays.sort(latencies);
            long perOp = mode == Mode.PARTIAL ? PARTIAL : size;
            return new Result(ops, ops * perOp, nanos, latencies);
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            cleanUp(store, ns);
        }
    }

    private static long[] worker(ObjectStore store, Mode mode, String ns, byte[] payload, int thread, int threads,
            long start, long deadline) {
        Random random = new Random(thread);
        long[] latencies = new long[1024];
        int n = 0;
        int puts = 0;
        int objects = threads * OBJECTS_PER_THREAD;
        while (System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            switch (mode) {
                case PUT -> store.put(ns, "t" + thread + "-" + puts++, ByteBuffer.wrap(payload),
                        Overwrite.UNCONDITIONAL);
                case GET -> store.get(ns, "o" + random.nextInt(objects)).orElseThrow();
                case PARTIAL -> store.read(List.of(new ObjectStore.ObjectRange(ns, "o" + random.nextInt(objects),
                        random.nextInt(payload.length - PARTIAL + 1), PARTIAL)));
                default -> throw new IllegalStateException();
            }
            if (t0 < start) {
                continue;
            }
            if (n == latencies.length) {
                latencies = Arrays.copyOf(latencies, n * 2);
            }
            latencies[n++] = System.nanoTime() - t0;
        }
        return Arrays.copyOf(latencies, n);
    }

    private static void cleanUp(ObjectStore store, String ns) {
        String after = null;
        while (true) {
            ObjectStore.ObjectListing page = store.list(ns, "", after, 1000);
            page.names().forEach(name -> store.delete(ns, name));
            if (!page.more() || page.names().isEmpty()) {
                break;
            }
            after = page.names().get(page.names().size() - 1);
        }
        store.deleteNamespace(ns);
    }
}
