package io.albireo.proxy.internal;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.albireo.api.Assert;
import io.albireo.api.Bytes;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdIdentity;
import io.albireo.api.osd.OsdStatistics;
import io.albireo.api.osd.OsdUnavailableException;

/** A real OSD that can be switched off: every operation then fails as an unreachable OSD's would. */
public final class FlakyOsd implements Osd {
    private final Osd real;
    private volatile boolean down;

    public FlakyOsd(Osd real) {
        this.real = real;
    }

    public void down(boolean isDown) {
        this.down = isDown;
    }

    public Osd real() {
        return real;
    }

    private <T> CompletableFuture<T> gate(java.util.function.Supplier<CompletableFuture<T>> op) {
        return down ? CompletableFuture.failedFuture(new OsdUnavailableException(real.identity().longId() + " is down"))
                : op.get();
    }

    @Override
    public OsdIdentity identity() {
        return real.identity();
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> get(List<Bytes> keys) {
        return gate(() -> real.get(keys));
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> getOnce(List<Bytes> keys) {
        return gate(() -> real.getOnce(keys));
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> getSlices(List<Slice> slices) {
        return gate(() -> real.getSlices(slices));
    }

    @Override
    public CompletableFuture<RangeResult> range(KeyRange range, int limit, boolean withValues) {
        return gate(() -> real.range(range, limit, withValues));
    }

    @Override
    public CompletableFuture<Void> apply(List<Assert> asserts, List<Update> updates) {
        return gate(() -> real.apply(asserts, updates));
    }

    @Override
    public CompletableFuture<DiskUsage> diskUsage() {
        return gate(real::diskUsage);
    }

    @Override
    public CompletableFuture<OsdStatistics> statistics() {
        return gate(real::statistics);
    }
}
