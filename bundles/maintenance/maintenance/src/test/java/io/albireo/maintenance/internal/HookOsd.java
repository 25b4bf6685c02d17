package io.albireo.maintenance.internal;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import io.albireo.api.Assert;
import io.albireo.api.Bytes;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdIdentity;
import io.albireo.api.osd.OsdStatistics;

/**
 * An OSD with hooks, so that a test can make a race happen at one exact point (a put between a repair's read and its
 * commit, say) instead of hoping a timing brings it: a hook runs in the caller's thread before the call goes to the
 * real OSD, and may answer in its place. Counts the keys read through it.
 */
final class HookOsd implements Osd {
    /** Runs before a get; may block. */
    @FunctionalInterface
    interface GetHook {
        void before(List<Bytes> keys);
    }

    /** Runs before an apply; returns the answer to give instead of the real OSD's, or null to go on to it. */
    @FunctionalInterface
    interface ApplyHook {
        CompletableFuture<Void> apply(List<Assert> asserts, List<Update> updates, Osd real);
    }

    final Osd real;
    volatile GetHook onGet = keys -> { };
    volatile ApplyHook onApply = (a, u, r) -> null;
    /** Keys read with get, not counting probes. */
    final AtomicLong keysRead = new AtomicLong();

    HookOsd(Osd real) {
        this.real = real;
    }

    @Override
    public OsdIdentity identity() {
        return real.identity();
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> get(List<Bytes> keys) {
        onGet.before(keys);
        keysRead.addAndGet(keys.size());
        return real.get(keys);
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> getOnce(List<Bytes> keys) {
        onGet.before(keys);
        keysRead.addAndGet(keys.size());
        return real.getOnce(keys);
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> getSlices(List<Slice> slices) {
        keysRead.addAndGet(slices.size());
        return real.getSlices(slices);
    }

    @Override
    public CompletableFuture<RangeResult> range(KeyRange range, int limit, boolean withValues) {
        return real.range(range, limit, withValues);
    }

    @Override
    public CompletableFuture<Void> apply(List<Assert> asserts, List<Update> updates) {
        CompletableFuture<Void> instead = onApply.apply(asserts, updates, real);
        return instead != null ? instead : real.apply(asserts, updates);
    }

    @Override
    public CompletableFuture<DiskUsage> diskUsage() {
        return real.diskUsage();
    }

    @Override
    public CompletableFuture<OsdStatistics> statistics() {
        return real.statistics();
    }
}
