package io.albireo.asd.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import io.albireo.api.Assert;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdIdentity;
import io.albireo.api.osd.OsdStatistics;

/**
 * A real ASD store (RocksDB and blob files) offered as an Osd without the network: what the ABM's and the proxy's
 * tests claim and write to (through this bundle's test-jar). It lives in the ASD's package for {@code AsdStore.range},
 * which the bundle keeps package-private.
 *
 * <p>Made with {@link #StoreOsd(AsdStore, String)}, it does every request on the caller's thread, which keeps tests
 * simple and orderly. Made with {@link #served}, it hands requests to pools as the ASD server does
 * ({@code AsdServer.handle}): reads other than small slice reads to its read pool, applies that write values to
 * files to its write pool; so that a benchmark sees the concurrency an appliance's ASDs give.
 */
public final class StoreOsd implements Osd {
    private final AsdStore store;
    private final String nodeId;
    /** Null: the caller's thread. */
    private final Executor reads;
    private final Executor writes;

    public StoreOsd(AsdStore store, String nodeId) {
        this(store, nodeId, null, null);
    }

    private StoreOsd(AsdStore store, String nodeId, Executor reads, Executor writes) {
        this.store = store;
        this.nodeId = nodeId;
        this.reads = reads;
        this.writes = writes;
    }

    /** @return the store served on these pools, as the ASD server serves it (the caller shuts them down) */
    public static StoreOsd served(AsdStore store, String nodeId, Executor reads, Executor writes) {
        return new StoreOsd(store, nodeId, reads, writes);
    }

    /** On the read pool when served, else at once on the caller's thread (a failure thrown, not completed). */
    private <T> CompletableFuture<T> read(Supplier<T> read) {
        return reads == null ? CompletableFuture.completedFuture(read.get()) : CompletableFuture.supplyAsync(read,
                reads);
    }

    @Override
    public OsdIdentity identity() {
        return new OsdIdentity(store.longId(), nodeId, "asd");
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> get(List<io.albireo.api.Bytes> keys) {
        return get(keys, false);
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> getOnce(List<io.albireo.api.Bytes> keys) {
        return get(keys, true);
    }

    private CompletableFuture<List<Optional<ByteBuffer>>> get(List<io.albireo.api.Bytes> keys, boolean once) {
        return read(() -> {
            List<Optional<ByteBuffer>> values = new ArrayList<>();
            keys.forEach(k -> values.add(store.get(k, once)));
            return values;
        });
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> getSlices(List<Slice> slices) {
        long bytes = 0;
        for (Slice slice : slices) {
            bytes += slice.length();
        }
        Supplier<List<Optional<ByteBuffer>>> read = () -> {
            List<Optional<ByteBuffer>> values = new ArrayList<>();
            slices.forEach(s -> values.add(store.getSlice(s.key(), s.offset(), s.length())));
            return values;
        };
        return bytes <= AsdServer.INLINE_SLICE_BYTES ? CompletableFuture.completedFuture(read.get()) : read(read);
    }

    @Override
    public CompletableFuture<RangeResult> range(KeyRange range, int limit, boolean withValues) {
        boolean[] more = {false};
        return CompletableFuture.completedFuture(new RangeResult(store.range(range, limit, withValues, more),
                more[0]));
    }

    @Override
    public CompletableFuture<Void> apply(List<Assert> asserts, List<Update> updates) {
        if (writes == null || !store.writesBlobs(updates)) {
            return store.apply(asserts, updates);
        }
        return CompletableFuture.supplyAsync(() -> store.apply(asserts, updates), writes).thenCompose(f -> f);
    }

    @Override
    public CompletableFuture<DiskUsage> diskUsage() {
        return CompletableFuture.completedFuture(store.diskUsage());
    }

    @Override
    public CompletableFuture<OsdStatistics> statistics() {
        return CompletableFuture.completedFuture(store.statistics());
    }
}
