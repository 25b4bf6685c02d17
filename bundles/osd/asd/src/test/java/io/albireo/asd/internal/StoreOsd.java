package io.albireo.asd.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

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
 */
public final class StoreOsd implements Osd {
    private final AsdStore store;
    private final String nodeId;

    public StoreOsd(AsdStore store, String nodeId) {
        this.store = store;
        this.nodeId = nodeId;
    }

    @Override
    public OsdIdentity identity() {
        return new OsdIdentity(store.longId(), nodeId, "asd");
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> get(List<io.albireo.api.Bytes> keys) {
        List<Optional<ByteBuffer>> values = new ArrayList<>();
        keys.forEach(k -> values.add(store.get(k)));
        return CompletableFuture.completedFuture(values);
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> getSlices(List<Slice> slices) {
        List<Optional<ByteBuffer>> values = new ArrayList<>();
        slices.forEach(s -> values.add(store.getSlice(s.key(), s.offset(), s.length())));
        return CompletableFuture.completedFuture(values);
    }

    @Override
    public CompletableFuture<RangeResult> range(KeyRange range, int limit, boolean withValues) {
        boolean[] more = {false};
        return CompletableFuture.completedFuture(new RangeResult(store.range(range, limit, withValues, more),
                more[0]));
    }

    @Override
    public CompletableFuture<Void> apply(List<Assert> asserts, List<Update> updates) {
        return store.apply(asserts, updates);
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
