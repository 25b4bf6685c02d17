package io.albireo.asd.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.IntegrityException;

/**
 * What an ASD does at start: counts the bytes it holds, finds the next blob id, and removes the blob files no key
 * points to (a crash between a blob's write and its commit, or before a superseded blob's unlink).
 *
 * <p>It deletes a file only when it knows for certain that no key points to it: after a scan of every key that RocksDB
 * reported complete ({@link RocksIterator#status()}), and with every value verified. A scan that ends early, or a
 * value that fails its checksum (its blob id cannot be trusted), removes nothing and says so; so does a file in the
 * blob folders that is not a blob.
 *
 * <p>Memory is bounded: the blob ids referenced are marked in a bit set over a window of ids ({@link #WINDOW} ids,
 * 2 MiB), not kept in a set (a large disk holds tens of millions). Ids are handed out in order from 0, so one window
 * covers most disks; a disk whose ids go further is scanned once more per further window.
 */
final class OrphanSweep {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanSweep.class);
    /** The ids one pass covers: 2^24 bits, 2 MiB. */
    static final int WINDOW = 1 << 24;

    /**
     * What the sweep found.
     *
     * @param bytes the bytes held, keys and values
     * @param keys the keys held
     * @param nextBlob the first blob id not in use, on disk or in a key
     * @param removed the orphaned blobs removed
     * @param kept blob files kept although no key was seen to point to them, because the scan was uncertain or the
     *        delete failed
     * @param unknown files in the blob folders that are not blobs, kept
     * @param corrupt values that failed verification
     * @param passes the scans of the keys made
     * @param segments what the first scan found of the segment files, for {@link Segments#recover}
     */
    record Result(long bytes, long keys, long nextBlob, long removed, long kept, long unknown, long corrupt,
            int passes, Segments.Found segments) {
    }

    /** The most ranges collected for the unsealed segments; past it their orphans wait for a later start. */
    static final int MAX_UNSEALED_RANGES = 1 << 20;

    private final RocksDB db;
    private final ColumnFamilyHandle data;
    private final BlobFiles blobs;
    private final String name;
    private final int window;
    private final long sealedThrough;

    /**
     * @param window the ids one pass covers (a multiple of 64); tests make it small
     * @param sealedThrough the segments' sealed mark: the ranges of the segments above it are collected
     */
    OrphanSweep(RocksDB db, ColumnFamilyHandle data, BlobFiles blobs, String name, int window, long sealedThrough) {
        this.db = db;
        this.data = data;
        this.blobs = blobs;
        this.name = name;
        this.window = window;
        this.sealedThrough = sealedThrough;
    }

    /**
     * Runs the sweep.
     *
     * @throws IOException if a scan of the keys or of the blob folders could not complete; nothing was deleted then
     *         that was not certainly an orphan
     */
    Result run() throws IOException {
        long[] marks = new long[window / 64];
        Scan first = scan(0, marks, true);
        long maxReferenced = first.maxReferenced;
        boolean certain = first.corrupt == 0;
        if (!certain) {
            LOG.error("ASD {}: {} stored value(s) failed verification, so which blobs they point to is unknown: the "
                    + "orphan sweep removes nothing", name, first.corrupt);
        }
        Counts counts = new Counts();
        long maxFile = sweep(0, marks, certain, maxReferenced, counts);
        int passes = 1;
        for (long start = window; certain && counts.beyond > 0 && start <= maxReferenced; start += window) {
            Arrays.fill(marks, 0);
            scan(start, marks, false);
            counts.beyond = 0;
            sweep(start, marks, true, maxReferenced, counts);
            passes++;
        }
        long next = Math.max(maxReferenced, maxFile) + 1;
        boolean segmentsCertain = certain && first.unsealedRanges <= MAX_UNSEALED_RANGES;
        if (certain && !segmentsCertain) {
            LOG.warn("ASD {}: more than {} values in segments above the sealed mark; their orphans are freed at a "
                    + "later start", name, MAX_UNSEALED_RANGES);
        }
        Result result = new Result(first.bytes, first.keys, next, counts.removed, counts.kept, counts.unknown,
                first.corrupt, passes, new Segments.Found(segmentsCertain, first.segmentLive,
                        segmentsCertain ? first.unsealed : Map.of()));
        if (result.removed() > 0) {
            LOG.info("ASD {}: removed {} blob(s) orphaned by an interrupted commit", name, result.removed());
        }
        if (result.kept() > 0) {
            LOG.warn("ASD {}: kept {} blob file(s) that may be orphans (see the errors above); they are retried at the "
                    + "next start", name, result.kept());
        }
        return result;
    }

    /** One scan of every key: blob ids in [start, start + window) marked; on the first, bytes and keys counted. */
    private Scan scan(long start, long[] marks, boolean count) throws IOException {
        Scan s = new Scan();
        try (RocksIterator it = db.newIterator(data)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] value = it.value();
                try {
                    StoredValue.verify(value);
                } catch (IntegrityException e) {
                    if (count) {
                        s.corrupt++;
                        s.keys++;
                        s.bytes += it.key().length + value.length;
                    }
                    continue;
                }
                if (count) {
                    s.keys++;
                    s.bytes += it.key().length + StoredValue.valueLength(value);
                }
                if (count && StoredValue.isSegment(value)) {
                    long segment = StoredValue.segmentId(value);
                    long padded = DirectIo.padded(StoredValue.valueLength(value));
                    s.segmentLive.merge(segment, padded, Long::sum);
                    if (segment > sealedThrough && ++s.unsealedRanges <= MAX_UNSEALED_RANGES) {
                        s.unsealed.computeIfAbsent(segment, x -> new ArrayList<>())
                                .add(new long[] {StoredValue.segmentOffset(value), padded});
                    }
                }
                if (StoredValue.isBlob(value)) {
                    long id = StoredValue.blobId(value);
                    s.maxReferenced = Math.max(s.maxReferenced, id);
                    if (id >= start && id - start < window) {
                        int bit = (int) (id - start);
                        marks[bit >>> 6] |= 1L << bit;
                    }
                }
            }
            it.status();
        } catch (RocksDBException e) {
            throw new IOException("ASD " + name + ": the scan of its keys ended early (" + e.getMessage()
                    + "); no blob was removed", e);
        }
        return s;
    }

    /**
     * Goes through the blob files: those in the window and not marked, and those beyond every key's blob id, are
     * orphans; the rest beyond the window wait for a later pass.
     *
     * @return the highest blob id on disk, or -1
     */
    private long sweep(long start, long[] marks, boolean certain, long maxReferenced, Counts counts)
            throws IOException {
        long[] max = {-1};
        try {
            blobs.forEach(id -> {
                max[0] = Math.max(max[0], id);
                boolean orphan;
                if (id > maxReferenced) {
                    orphan = true;
                } else if (id >= start && id - start < window) {
                    int bit = (int) (id - start);
                    orphan = (marks[bit >>> 6] & (1L << bit)) == 0;
                } else {
                    if (id >= start) {
                        counts.beyond++;
                    }
                    return;
                }
                if (!orphan) {
                    return;
                }
                if (!certain) {
                    counts.kept++;
                    return;
                }
                try {
                    blobs.delete(id);
                    counts.removed++;
                } catch (UncheckedIOException e) {
                    LOG.error("ASD {}: cannot remove the orphaned blob {}", name, Long.toHexString(id), e);
                    counts.kept++;
                }
            }, file -> {
                if (start == 0) {
                    counts.unknown++;
                    LOG.warn("ASD {}: {} in the blob folders is not a blob; it is kept", name, file);
                }
            });
        } catch (IOException e) {
            throw new IOException("ASD " + name + ": the scan of its blob folders ended early (" + e.getMessage()
                    + "); orphans found so far were removed, the rest are kept", e);
        }
        return max[0];
    }

    private static final class Scan {
        long bytes;
        long keys;
        long corrupt;
        long maxReferenced = -1;
        /** Per segment, the padded bytes of the values keys point to. */
        final Map<Long, Long> segmentLive = new HashMap<>();
        /** Per segment above the sealed mark, the ranges keys point to. */
        final Map<Long, List<long[]>> unsealed = new HashMap<>();
        long unsealedRanges;
    }

    private static final class Counts {
        long removed;
        long kept;
        long unknown;
        long beyond;
    }
}
