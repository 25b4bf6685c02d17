package io.albireo.osd.console.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

import io.albireo.api.Assert;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdIdentity;
import io.albireo.api.osd.OsdStatistics;
import io.albireo.api.osd.OsdUnavailableException;

/** An Osd in memory, answering on its own threads, that can be told to fail or corrupt. */
final class MemoryOsd implements Osd, AutoCloseable {
    final NavigableMap<Bytes, byte[]> store = new ConcurrentSkipListMap<>();
    /** Every key ever set. */
    final Set<Bytes> everSet = ConcurrentHashMap.newKeySet();
    /** Updates for which an apply fails, with an OsdUnavailableException. */
    volatile Predicate<Update> failing = u -> false;
    /** Run on every set: lets a test advance its clock. */
    volatile Runnable onSet = () -> {
    };
    /** Flip the first byte of every value read. */
    volatile boolean corrupt;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);

    @Override
    public OsdIdentity identity() {
        return new OsdIdentity("memory-1", "node-1", "memory");
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> get(List<Bytes> keys) {
        return CompletableFuture.supplyAsync(() -> {
            List<Optional<ByteBuffer>> values = new ArrayList<>();
            for (Bytes k : keys) {
                values.add(Optional.ofNullable(store.get(k)).map(this::read));
            }
            return values;
        }, executor);
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> getSlices(List<Slice> slices) {
        return CompletableFuture.supplyAsync(() -> {
            List<Optional<ByteBuffer>> values = new ArrayList<>();
            for (Slice s : slices) {
                byte[] v = store.get(s.key());
                if (v == null) {
                    values.add(Optional.empty());
                } else {
                    int from = (int) Math.min(v.length, s.offset());
                    int to = (int) Math.min(v.length, s.offset() + s.length());
                    byte[] part = new byte[to - from];
                    System.arraycopy(v, from, part, 0, part.length);
                    values.add(Optional.of(read(part)));
                }
            }
            return values;
        }, executor);
    }

    private ByteBuffer read(byte[] value) {
        byte[] copy = value.clone();
        if (corrupt && copy.length > 0) {
            copy[0] ^= 1;
        }
        return ByteBuffer.wrap(copy);
    }

    @Override
    public CompletableFuture<RangeResult> range(KeyRange range, int limit, boolean withValues) {
        return CompletableFuture.supplyAsync(() -> {
            NavigableMap<Bytes, byte[]> view = range.end() == null ? store.tailMap(range.first(), true)
                    : store.subMap(range.first(), true, range.end(), false);
            List<Entry> entries = new ArrayList<>();
            for (Map.Entry<Bytes, byte[]> e : view.entrySet()) {
                if (entries.size() == limit) {
                    return new RangeResult(entries, true);
                }
                entries.add(new Entry(e.getKey(), withValues ? Bytes.of(e.getValue()) : null));
            }
            return new RangeResult(entries, false);
        }, executor);
    }

    @Override
    public CompletableFuture<Void> apply(List<Assert> asserts, List<Update> updates) {
        return CompletableFuture.runAsync(() -> {
            synchronized (store) {
                for (Update u : updates) {
                    if (failing.test(u)) {
                        throw new OsdUnavailableException("memory-1: told to fail");
                    }
                }
                for (int i = 0; i < asserts.size(); i++) {
                    byte[] v = store.get(asserts.get(i).key());
                    if (!asserts.get(i).holdsFor(v == null ? null : ByteBuffer.wrap(v))) {
                        throw new AssertFailedException(i, asserts.get(i).key());
                    }
                }
                for (Update u : updates) {
                    if (u.isDelete()) {
                        store.remove(u.key());
                    } else {
                        everSet.add(u.key());
                        store.put(u.key(), Bytes.copyOf(u.value()).toByteArray());
                        onSet.run();
                    }
                }
            }
        }, executor);
    }

    @Override
    public CompletableFuture<DiskUsage> diskUsage() {
        return CompletableFuture.completedFuture(new DiskUsage(0, 0));
    }

    @Override
    public CompletableFuture<OsdStatistics> statistics() {
        return CompletableFuture.completedFuture(new OsdStatistics(Map.of()));
    }

    /** @return the keys under {@code prefix} now */
    List<Bytes> keysUnder(String prefix) {
        Bytes p = Bytes.utf8(prefix);
        return new ArrayList<>(store.subMap(p, true, p.prefixEnd(), false).keySet());
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
