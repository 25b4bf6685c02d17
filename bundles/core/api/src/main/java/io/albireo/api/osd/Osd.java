package io.albireo.api.osd;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.albireo.api.Assert;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;

/**
 * One storage device. Every operation is asynchronous; failures complete the future exceptionally with a
 * {@link io.albireo.api.StorageException}: {@link io.albireo.api.AssertFailedException}, {@link OsdFullException},
 * {@link OsdProtocolException} or {@link OsdUnavailableException}. Registered as a service with the OSD's long id as
 * {@link io.albireo.api.AlbireoName}.
 */
public interface Osd {

    /** @return who this OSD is, as checked at connection time */
    OsdIdentity identity();

    /**
     * Reads whole values.
     *
     * @param keys the keys to read
     * @return one entry per key, in order, empty where the key is absent
     */
    CompletableFuture<List<Optional<ByteBuffer>>> get(List<Bytes> keys);

    /**
     * Reads whole values that the caller reads once and will not ask for again soon: repair, scrub and rebalancing
     * read every fragment of a lost disk's objects this way. The OSD may read them past its caches (the ASD reads large
     * values with direct I/O), so that they cost less and do not evict the values clients read over and over. Same
     * results as {@link #get}, which is what an OSD without such a path does.
     *
     * @param keys the keys to read
     * @return one entry per key, in order, empty where the key is absent
     */
    default CompletableFuture<List<Optional<ByteBuffer>>> getOnce(List<Bytes> keys) {
        return get(keys);
    }

    /**
     * Reads byte ranges of values, reading only those bytes from the device.
     *
     * @param slices the ranges to read
     * @return one buffer per slice, in order, empty where the key is absent
     */
    CompletableFuture<List<Optional<ByteBuffer>>> getSlices(List<Slice> slices);

    /**
     * Lists keys in order, with or without their values.
     *
     * @param range the keys to list
     * @param limit the most entries to return
     * @param withValues whether to return values too
     * @return the entries, and whether more follow
     */
    CompletableFuture<RangeResult> range(KeyRange range, int limit, boolean withValues);

    /**
     * Applies updates atomically and durably: if every assert holds, all updates become visible together and survive a
     * crash before the future completes; otherwise nothing changes and the future fails with
     * {@link io.albireo.api.AssertFailedException}. Deletes are accepted even when the OSD is full.
     *
     * @param asserts the conditions
     * @param updates the changes
     * @return completes when the apply is durable
     */
    CompletableFuture<Void> apply(List<Assert> asserts, List<Update> updates);

    /** @return the bytes used and the capacity */
    CompletableFuture<DiskUsage> diskUsage();

    /** @return counters and latencies of the operations served so far */
    CompletableFuture<OsdStatistics> statistics();

    /**
     * A byte range of one value.
     *
     * @param key the value's key
     * @param offset the first byte
     * @param length the number of bytes
     */
    record Slice(Bytes key, long offset, int length) {
        /** Validates the range. */
        public Slice {
            if (offset < 0 || length < 0) {
                throw new IllegalArgumentException("negative slice " + offset + "+" + length + " of " + key);
            }
        }
    }

    /**
     * A page of a range listing.
     *
     * @param entries the entries, in key order
     * @param more whether entries past the last one remain in the range
     */
    record RangeResult(List<Entry> entries, boolean more) {
        /** Copies the list. */
        public RangeResult {
            entries = List.copyOf(entries);
        }
    }
}
