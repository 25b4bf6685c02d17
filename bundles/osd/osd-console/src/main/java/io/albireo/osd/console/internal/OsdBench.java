package io.albireo.osd.console.internal;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.osd.Osd;

/**
 * The measurements behind {@code osd:bench}, like {@code rados bench}: N clients, each one operation at a time, write
 * values under fresh keys for a fixed time, then read each back whole, then a 4 KiB slice of each, then delete them.
 * Every read is checked against what was written. Keys are {@code bench/RUN/CLIENT/N} with RUN 16 random hex digits,
 * so a run touches only keys it made: it checks that nothing exists under its prefix before it starts, and it deletes
 * everything under the prefix when it ends, whether it finished, failed or was interrupted.
 */
final class OsdBench {
    /** Bytes per partial read. */
    static final int SLICE = 4096;
    /** How long one operation may take before the bench gives up on it: a bound for broken drivers, not a measure. */
    static final long OPERATION_TIMEOUT_SECONDS = 120;
    private static final int SWEEP_PAGE = 1000;

    private final Osd osd;
    private final int size;
    private final int clients;
    private final double seconds;
    private final LongSupplier clock;
    private final String runId;
    private final Bytes prefix;
    private final byte[] template;
    private final long[] attempted;
    private final long[] written;
    /** Each client's write buffer: one operation in flight per client, so the buffer is free once it completes. */
    private final byte[][] buffers;
    private volatile boolean stop;

    /**
     * One measured phase.
     *
     * @param phase its name
     * @param operations operations that succeeded
     * @param bytes payload bytes they moved
     * @param nanos how long the phase took
     * @param latencies the latencies of the operations that succeeded
     * @param errors operations that failed (a client stops at its first)
     * @param firstError what the first failure said, or null
     */
    record Result(String phase, long operations, long bytes, long nanos, Latencies latencies, long errors,
            String firstError) {
        double opsPerSecond() {
            return nanos == 0 ? 0 : operations / (nanos / 1e9);
        }

        double megabytesPerSecond() {
            return nanos == 0 ? 0 : bytes / 1e6 / (nanos / 1e9);
        }

        String line() {
            // Deletes move no payload: a dash rather than a misleading 0.0 MB/s.
            return String.format(Locale.ROOT, "  %-11s %9d %10.1f %9s %10.3f %10.3f %10.3f %10.3f %7d", phase,
                    operations, opsPerSecond(), "delete".equals(phase) ? "-"
                            : String.format(Locale.ROOT, "%.1f", megabytesPerSecond()),
                    latencies.mean() / 1e6, latencies.percentile(0.5) / 1e6, latencies.percentile(0.99) / 1e6,
                    latencies.max() / 1e6, errors);
        }

        static String header() {
            return String.format(Locale.ROOT, "  %-11s %9s %10s %9s %10s %10s %10s %10s %7s", "phase", "ops", "ops/s",
                    "MB/s", "mean ms", "p50 ms", "p99 ms", "max ms", "errors");
        }
    }

    /**
     * What a run did.
     *
     * @param phases the phases measured, in order (fewer than four if it was interrupted)
     * @param leftOver keys still under the prefix after the clean-up (0 unless the OSD failed it)
     * @param cleanupError why the clean-up failed, or null
     * @param interrupted whether the run was interrupted
     */
    record Run(List<Result> phases, long leftOver, String cleanupError, boolean interrupted) {
        long errors() {
            return phases.stream().mapToLong(Result::errors).sum();
        }

        String firstError() {
            return phases.stream().map(Result::firstError).filter(e -> e != null).findFirst().orElse(null);
        }
    }

    /**
     * @param osd the OSD to measure
     * @param size bytes per value
     * @param clients concurrent clients, each with one operation in flight
     * @param seconds how long the write phase lasts, and the most each read phase may
     * @param clock nanoseconds (System::nanoTime)
     * @param runId the run's id, part of every key: random in production
     */
    OsdBench(Osd osd, int size, int clients, double seconds, LongSupplier clock, String runId) {
        if (size < 1) {
            throw new IllegalArgumentException("--size must be at least 1 byte; got " + size);
        }
        if (clients < 1) {
            throw new IllegalArgumentException("--clients must be at least 1; got " + clients);
        }
        if (!(seconds > 0) || seconds > 600) {
            throw new IllegalArgumentException("--seconds must be more than 0 and at most 600; got " + seconds);
        }
        this.osd = osd;
        this.size = size;
        this.clients = clients;
        this.seconds = seconds;
        this.clock = clock;
        this.runId = runId;
        this.prefix = Bytes.utf8("bench/" + runId + "/");
        this.attempted = new long[clients];
        this.written = new long[clients];
        this.buffers = new byte[clients][];
        // Random bytes: an OSD that compresses gains nothing, as with encrypted or erasure-coded fragments.
        this.template = new byte[size];
        new Random(runId.hashCode()).nextBytes(template);
    }

    /** @return a fresh run id: 16 hex digits, 64 random bits */
    static String newRunId() {
        return String.format(Locale.ROOT, "%016x", new java.security.SecureRandom().nextLong());
    }

    /** @return the prefix every key of this run starts with */
    String prefix() {
        return prefix.utf8();
    }

    /**
     * Runs the four phases, printing each line as it completes, then deletes everything under the prefix.
     *
     * @throws IllegalStateException if keys already exist under the prefix (nothing is written or deleted then)
     */
    Run run(PrintStream out) throws Exception {
        Osd.RangeResult existing = await(osd.range(KeyRange.prefix(prefix), 1, false));
        if (!existing.entries().isEmpty()) {
            throw new IllegalStateException("keys already exist under " + prefix() + ": not touching them");
        }
        List<Result> phases = new ArrayList<>();
        AtomicInteger threads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients, r -> {
            Thread t = new Thread(r, "osd-bench-" + runId + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        boolean interrupted = false;
        long leftOver = 0;
        String cleanupError = null;
        try {
            out.println(Result.header());
            int slice = Math.min(SLICE, size);
            List<Phase> plan = List.of(
                    new Phase("write", true, c -> Long.MAX_VALUE, this::write),
                    new Phase("get", true, c -> written[c], this::read),
                    new Phase("get-slices", true, c -> written[c],
                            (c, i, random, answered) -> readSlice(c, i, slice, random, answered)),
                    // Not timed: every key written must go, including those whose write failed (they may exist).
                    new Phase("delete", false, c -> attempted[c], this::delete));
            for (Phase phase : plan) {
                Result r = measure(pool, phase);
                phases.add(r);
                out.println(r.line());
                out.flush();
            }
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            stop = true;
            pool.shutdown();
            // Let every client finish its operation in flight, so none lands after the clean-up.
            boolean wasInterrupted = Thread.interrupted() || interrupted;
            while (true) {
                try {
                    if (pool.awaitTermination(OPERATION_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                        break;
                    }
                    cleanupError = "a client did not finish its operation within " + OPERATION_TIMEOUT_SECONDS + " s";
                    break;
                } catch (InterruptedException e) {
                    wasInterrupted = true;
                }
            }
            interrupted = wasInterrupted;
            try {
                leftOver = sweep();
            } catch (Exception e) {
                leftOver = -1;
                cleanupError = describe(e);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return new Run(phases, leftOver, cleanupError, interrupted);
    }

    /** One phase: which keys each client goes through, and what it does with each. */
    private record Phase(String name, boolean timed, KeyCount keys, Operation operation) {
    }

    @FunctionalInterface
    private interface KeyCount {
        long of(int client);
    }

    @FunctionalInterface
    private interface Operation {
        /**
         * @param answered where the operation puts the clock's time as soon as the OSD has answered, so that checking
         *        what was read is not counted in the latency
         * @return the payload bytes moved
         */
        long run(int client, long index, SplittableRandom random, long[] answered) throws Exception;
    }

    private Result measure(ExecutorService pool, Phase phase) throws InterruptedException {
        long start = clock.getAsLong();
        long end = start + (long) (seconds * 1e9);
        List<Future<Result>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            futures.add(pool.submit(() -> client(phase, client, end)));
        }
        Latencies latencies = new Latencies();
        long operations = 0;
        long bytes = 0;
        long errors = 0;
        String firstError = null;
        long finished = start;
        for (Future<Result> f : futures) {
            Result r;
            try {
                r = f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a bench client failed: " + describe(e.getCause()), e.getCause());
            } catch (InterruptedException e) {
                stop = true;
                throw e;
            }
            latencies.add(r.latencies());
            operations += r.operations();
            bytes += r.bytes();
            errors += r.errors();
            if (firstError == null) {
                firstError = r.firstError();
            }
            finished = Math.max(finished, start + r.nanos());
        }
        return new Result(phase.name(), operations, bytes, finished - start, latencies, errors, firstError);
    }

    /** One client's share of a phase; runs on a pool thread. */
    private Result client(Phase phase, int client, long end) {
        Latencies latencies = new Latencies();
        SplittableRandom random = new SplittableRandom(runId.hashCode() * 31L + client);
        long start = clock.getAsLong();
        long operations = 0;
        long bytes = 0;
        long errors = 0;
        String error = null;
        long keys = phase.keys().of(client);
        long[] answered = new long[1];
        for (long i = 0; i < keys && !stop; i++) {
            long t0 = clock.getAsLong();
            if (phase.timed() && t0 - end >= 0) {
                break;
            }
            try {
                bytes += phase.operation().run(client, i, random, answered);
            } catch (Exception e) {
                errors++;
                error = phase.name() + " of " + key(client, i).utf8() + ": " + describe(e);
                break;
            }
            latencies.record(answered[0] - t0);
            operations++;
        }
        return new Result(phase.name(), operations, bytes, clock.getAsLong() - start, latencies, errors, error);
    }

    private long write(int client, long index, SplittableRandom random, long[] answered) throws Exception {
        byte[] value = buffers[client];
        if (value == null) {
            value = template.clone();
            buffers[client] = value;
        }
        byte[] stamp = stamp(client, index);
        System.arraycopy(stamp, 0, value, 0, Math.min(stamp.length, size));
        attempted[client] = index + 1;
        await(osd.apply(List.of(), List.of(Update.set(key(client, index), ByteBuffer.wrap(value)))));
        answered[0] = clock.getAsLong();
        written[client] = index + 1;
        return size;
    }

    private long read(int client, long index, SplittableRandom random, long[] answered) throws Exception {
        Optional<ByteBuffer> value = await(osd.get(List.of(key(client, index)))).get(0);
        answered[0] = clock.getAsLong();
        check(value, client, index, 0, size);
        return size;
    }

    private long readSlice(int client, long index, int length, SplittableRandom random, long[] answered)
            throws Exception {
        int offset = random.nextInt(size - length + 1);
        Optional<ByteBuffer> value = await(osd.getSlices(List.of(new Osd.Slice(key(client, index), offset, length))))
                .get(0);
        answered[0] = clock.getAsLong();
        check(value, client, index, offset, length);
        return length;
    }

    private long delete(int client, long index, SplittableRandom random, long[] answered) throws Exception {
        await(osd.apply(List.of(), List.of(Update.delete(key(client, index)))));
        answered[0] = clock.getAsLong();
        return 0;
    }

    /** Checks bytes read from {@code offset} of a value against what was written there. */
    private void check(Optional<ByteBuffer> read, int client, long index, int offset, int length) {
        if (read.isEmpty()) {
            throw new IllegalStateException("the value written is absent");
        }
        ByteBuffer got = read.get();
        if (got.remaining() != length) {
            throw new IllegalStateException("read " + got.remaining() + " bytes where " + length + " were written");
        }
        byte[] stamp = stamp(client, index);
        int stamped = Math.max(0, Math.min(offset + length, Math.min(stamp.length, size)) - offset);
        int mismatch = stamped == 0 ? -1
                : got.slice(got.position(), stamped).mismatch(ByteBuffer.wrap(stamp, offset, stamped));
        if (mismatch < 0) {
            mismatch = got.slice(got.position() + stamped, length - stamped)
                    .mismatch(ByteBuffer.wrap(template, offset + stamped, length - stamped));
            mismatch = mismatch < 0 ? -1 : stamped + mismatch;
        }
        if (mismatch >= 0) {
            throw new IllegalStateException("the bytes read differ from those written, at byte " + (offset + mismatch));
        }
    }

    /**
     * @return the first bytes of a key's value: its run, client and index, so that every value differs and a read
     *         that returns another key's value is caught; the rest of every value is the run's random template
     */
    private byte[] stamp(int client, long index) {
        return (runId + "/" + client + "/" + index + "/").getBytes(StandardCharsets.US_ASCII);
    }

    Bytes key(int client, long index) {
        return prefix.concat(Bytes.utf8(client + "/" + index));
    }

    /** Deletes every key under the prefix, a page at a time. @return keys that could not be deleted */
    private long sweep() throws Exception {
        KeyRange range = KeyRange.prefix(prefix);
        while (true) {
            Osd.RangeResult page = await(osd.range(range, SWEEP_PAGE, false));
            if (page.entries().isEmpty()) {
                return 0;
            }
            List<Update> deletes = new ArrayList<>();
            for (Entry e : page.entries()) {
                deletes.add(Update.delete(e.key()));
            }
            await(osd.apply(List.of(), deletes));
        }
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(OPERATION_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new TimeoutException("no answer within " + OPERATION_TIMEOUT_SECONDS + " s");
        }
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isEmpty() ? e.getClass().getSimpleName() : message;
    }
}
