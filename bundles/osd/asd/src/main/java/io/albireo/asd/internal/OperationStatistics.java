package io.albireo.asd.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.albireo.api.osd.OsdStatistics;

/** Counters per operation, cheap enough to update on every request from many threads. */
final class OperationStatistics {
    private final Map<String, Counters> operations = new ConcurrentHashMap<>();

    /** Records one operation that moved {@code bytes} and started at {@code startNanos}. */
    void record(String operation, long bytes, long startNanos) {
        long nanos = System.nanoTime() - startNanos;
        Counters c = operations.computeIfAbsent(operation, o -> new Counters());
        c.count.increment();
        c.bytes.add(bytes);
        c.nanos.add(nanos);
        c.maxNanos.accumulateAndGet(nanos, Math::max);
    }

    OsdStatistics snapshot() {
        Map<String, OsdStatistics.Operation> snapshot = new TreeMap<>();
        operations.forEach((name, c) -> {
            long count = c.count.sum();
            snapshot.put(name, new OsdStatistics.Operation(count, c.bytes.sum(),
                    count == 0 ? 0 : c.nanos.sum() / 1000.0 / count, c.maxNanos.get() / 1000.0));
        });
        return new OsdStatistics(snapshot);
    }

    private static final class Counters {
        final LongAdder count = new LongAdder();
        final LongAdder bytes = new LongAdder();
        final LongAdder nanos = new LongAdder();
        final AtomicLong maxNanos = new AtomicLong();
    }
}
