package io.albireo.asd.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.Assert;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.IntegrityException;
import io.albireo.api.KeyRange;
import io.albireo.api.StorageException;
import io.albireo.api.Update;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.OsdFullException;
import io.albireo.api.osd.OsdStatistics;
import io.albireo.api.osd.OsdUnavailableException;

/**
 * One ASD's storage: keys and small values in RocksDB, large values in blob files ({@link BlobFiles}); every value in
 * RocksDB in the checksummed format of {@link StoredValue}.
 *
 * <p>
 * An apply is atomic and durable before it completes. Its blob files are written (and, with {@code fsync}, synced) by
 * the caller's thread; then a single committer thread takes every apply waiting, checks their asserts in order (each
 * sees the ones before it in the batch), makes the batch's blobs durable ({@link BlobSync}), writes one RocksDB batch
 * with a synced WAL, and only then completes them. The WAL record is the commit point: before it, nothing of the
 * batch is visible after a crash (its blobs are orphans, removed at the next start); after it, everything is. So a
 * failure before the WAL write removes the batch's new blobs, and nothing after it does: when the WAL write itself
 * fails, whether the record is durable is unknown, the applies fail as "outcome unknown" and their blobs stay for the
 * sweep at the next start ({@link OrphanSweep}) to judge by what RocksDB then holds; a superseded blob that cannot be
 * unlinked is left to that sweep too. Many clients' applies share one sync, which is where the throughput comes from.
 *
 * <p>
 * Reads go to RocksDB directly and see committed data only. A blob is never modified: an overwrite writes a new blob,
 * and the old one is unlinked after the commit, so a reader that lost that race reads the key again. Every stored value
 * is verified when read, and a blob read whole against its checksum: a flipped bit is an {@link IntegrityException},
 * never data. {@link #close()} waits for the reads and the commit in flight before it frees RocksDB.
 */
public final class AsdStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AsdStore.class);

    /** The fill at which the ASD refuses new data and still accepts deletes. */
    static final double FULL = 0.99;
    private static final byte[] LONG_ID = "long-id".getBytes(StandardCharsets.UTF_8);
    /** A long id: a UUID, as {@link UUID#toString()} writes it. */
    private static final java.util.regex.Pattern LONG_ID_FORM = java.util.regex.Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** In "meta": the id up to which every segment is sealed ({@link Segments}), in {@link StoredValue}'s form. */
    private static final byte[] SEGMENTS_SEALED = "segments-sealed-through".getBytes(StandardCharsets.UTF_8);
    /** A value read from a segment is read again if its key moved meanwhile: at most this many times. */
    private static final int READ_ATTEMPTS = 16;

    static {
        // Before any RocksDB object: field initialisers below create some.
        RocksDB.loadLibrary();
    }

    /**
     * How a store is set up.
     *
     * @param capacity the bytes it may hold (keys and values); 0: the size of its file system
     * @param blobThreshold values longer than this go to blob files
     * @param sync "fsync" or "syncfs": how a batch's blobs are made durable
     * @param maxBatch the most applies one commit takes
     * @param directIo whether blob and segment files are written with direct I/O (where the file system allows it)
     * @param segmentValueMax values over the blob threshold and up to this go to segment files; 0: every such value
     *        to a blob file of its own
     * @param segmentBytes the size at which a segment file is left for a new one
     */
    public record Settings(long capacity, int blobThreshold, String sync, int maxBatch, boolean directIo,
            int segmentValueMax, long segmentBytes) {
        /** Values up to this go to segment files by default: 8 MiB, twice the default max fragment size. */
        public static final int SEGMENT_VALUE_MAX = 8 << 20;
        /** The size at which a segment file is left for a new one by default: 256 MiB. */
        public static final long SEGMENT_BYTES = 256L << 20;
        /** The defaults: the file system's size, 64 KiB, fsync, 1024 applies per commit, direct I/O, segments. */
        public static final Settings DEFAULT = new Settings(0, 64 * 1024, "fsync", 1024, true);

        public Settings {
            if (segmentValueMax > 0 && segmentBytes < segmentValueMax) {
                throw new IllegalArgumentException("segmentBytes (" + segmentBytes + ") must be at least "
                        + "segmentValueMax (" + segmentValueMax + ")");
            }
        }

        /** The settings with the default segments. */
        public Settings(long capacity, int blobThreshold, String sync, int maxBatch, boolean directIo) {
            this(capacity, blobThreshold, sync, maxBatch, directIo, SEGMENT_VALUE_MAX, SEGMENT_BYTES);
        }

        /** The settings with direct I/O and the default segments. */
        public Settings(long capacity, int blobThreshold, String sync, int maxBatch) {
            this(capacity, blobThreshold, sync, maxBatch, true);
        }
    }

    private final Path root;
    private final Settings settings;
    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final ColumnFamilyHandle data;
    private final ColumnFamilyHandle meta;
    private final WriteOptions synced = new WriteOptions().setSync(true);
    private final BlobFiles blobs;
    private final Segments segments;
    private final BlobSync sync;
    private final String longId;
    private final long capacity;
    // Found once: Files.getFileStore parses /proc/self/mountinfo at every call (1.3% of the CPU of 4 MiB puts when
    // every commit asked); its space queries are a statvfs each.
    private final FileStore fileStore;
    private final AtomicLong nextBlob = new AtomicLong();
    private final BlockingQueue<Pending> queue;
    private final Thread committer;
    private final OperationStatistics statistics = new OperationStatistics();
    /** Reads and the committer hold it shared while they use RocksDB; close() takes it exclusively to free RocksDB. */
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    /** Bytes held (keys and values); written by the committer only. */
    private volatile long used;
    /** The segments' sealed mark as last recorded in "meta"; the committer's. */
    private long sealedRecorded;
    private volatile boolean closed;
    /** Set under the exclusive lock once RocksDB is freed; the committer checks it under the shared one. */
    private boolean released;

    private AsdStore(Path root, Settings settings, int sweepWindow) throws IOException, RocksDBException {
        this.root = root;
        this.settings = settings;
        Directories.create(root);
        dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                .setMaxBackgroundJobs(2);
        cfOptions = new ColumnFamilyOptions();
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            db = RocksDB.open(dbOptions, root.resolve("db").toString(),
                    List.of(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
                            new ColumnFamilyDescriptor("meta".getBytes(StandardCharsets.UTF_8), cfOptions)),
                    handles);
        } catch (RocksDBException | RuntimeException e) {
            synced.close();
            cfOptions.close();
            dbOptions.close();
            throw e;
        }
        data = handles.get(0);
        meta = handles.get(1);
        // From here on RocksDB is open and holds its LOCK file: whatever fails closes it, or the disk could not be
        // opened again until the JVM ends.
        BlobSync opened = null;
        Segments recovered = null;
        try {
            blobs = new BlobFiles(root.resolve("blobs"), settings.directIo());
            opened = BlobSync.of(settings.sync(), root);
            sync = opened;
            longId = identity();
            fileStore = Files.getFileStore(root);
            capacity = settings.capacity() > 0 ? settings.capacity() : fileStore.getTotalSpace();
            long sealed = sealedThrough();
            OrphanSweep.Result swept = new OrphanSweep(db, data, blobs, longId, sweepWindow, sealed).run();
            nextBlob.set(swept.nextBlob());
            used = swept.bytes();
            recovered = Segments.recover(root.resolve("segments"), longId, settings.segmentBytes(),
                    settings.directIo(), sealed, swept.segments());
            segments = recovered;
            sealedRecorded = sealed;
            recordSealed(segments.sealedThrough());
        } catch (IOException | RocksDBException | RuntimeException e) {
            if (recovered != null) {
                recovered.close();
            }
            if (opened != null) {
                try {
                    opened.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            closeRocksDb();
            throw e;
        }
        queue = new ArrayBlockingQueue<>(settings.maxBatch() * 4);
        committer = new Thread(this::commitLoop, "asd-commit-" + root.getFileName());
        committer.setDaemon(true);
        committer.start();
    }

    /**
     * Opens the store under {@code root}, creating it on first use.
     *
     * @throws StorageException if the store cannot be opened
     */
    public static AsdStore open(Path root, Settings settings) {
        return open(root, settings, OrphanSweep.WINDOW);
    }

    /** As {@link #open(Path, Settings)}, with the orphan sweep's window of blob ids (tests make it small). */
    static AsdStore open(Path root, Settings settings, int sweepWindow) {
        try {
            return new AsdStore(root, settings, sweepWindow);
        } catch (IOException | RocksDBException e) {
            throw new OsdUnavailableException("cannot open the ASD store at " + root + ": " + e.getMessage(), e);
        }
    }

    /** @return the segments' sealed mark this disk recorded last, or -1 */
    private long sealedThrough() throws RocksDBException {
        byte[] raw = db.get(meta, SEGMENTS_SEALED);
        if (raw == null) {
            return -1;
        }
        return sealedMark(raw);
    }

    /** Records a new sealed mark at once, synced (at start, after the orphans were freed). */
    private void recordSealed(long mark) throws RocksDBException {
        if (mark > sealedRecorded) {
            db.put(meta, synced, SEGMENTS_SEALED, sealedRecord(mark));
            sealedRecorded = mark;
        }
    }

    /** @return the "meta" record of the segments' sealed mark: the u64 as a version 1 inline {@link StoredValue} */
    static byte[] sealedRecord(long mark) {
        return StoredValue.inline(ByteBuffer.allocate(8).putLong(0, mark));
    }

    /** @return the sealed mark a "meta" record holds, verified ({@link IntegrityException} if it fails) */
    static long sealedMark(byte[] raw) {
        StoredValue.verify(raw);
        if (!StoredValue.isInline(raw) || StoredValue.valueLength(raw) != 8) {
            throw new IntegrityException("the segments' sealed mark is not an inline value of 8 bytes");
        }
        return StoredValue.inlineValue(raw).getLong();
    }

    /** @return the "meta" record of the long id: its UTF-8 bytes as a version 1 inline {@link StoredValue} */
    static byte[] longIdRecord(String longId) {
        return StoredValue.inline(ByteBuffer.wrap(longId.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * @return the long id a "meta" record holds: a version 1 inline value, or as ASDs first wrote it, its bare text
     *         (which starts with a hex digit, never the format byte 0x11)
     * @throws IntegrityException if the record fails its checks or holds no UUID
     */
    static String longIdOf(byte[] raw) {
        String id;
        if (raw.length > 0 && raw[0] == StoredValue.V1_INLINE) {
            StoredValue.verify(raw);
            id = StandardCharsets.UTF_8.decode(StoredValue.inlineValue(raw)).toString();
        } else {
            id = new String(raw, StandardCharsets.US_ASCII);
        }
        if (!LONG_ID_FORM.matcher(id).matches()) {
            throw new IntegrityException("the disk's long id record holds no UUID: " + HexFormat.of().formatHex(raw,
                    0, Math.min(raw.length, 48)));
        }
        return id;
    }

    /** The long id is made once, when the disk is first initialised, and kept with the data. */
    private String identity() throws RocksDBException {
        byte[] stored = db.get(meta, LONG_ID);
        if (stored != null) {
            return longIdOf(stored);
        }
        String id = UUID.randomUUID().toString();
        db.put(meta, synced, LONG_ID, longIdRecord(id));
        LOG.info("ASD at {} initialised with long id {}", root, id);
        return id;
    }

    public String longId() {
        return longId;
    }

    Path root() {
        return root;
    }

    /** For tests: the segment files. */
    Segments segments() {
        return segments;
    }

    public DiskUsage diskUsage() {
        return new DiskUsage(used, capacity);
    }

    public OsdStatistics statistics() {
        return statistics.snapshot();
    }

    // ---- reads -------------------------------------------------------------------------------------------------------

    public Optional<ByteBuffer> get(Bytes key) {
        return get(key, false);
    }

    /**
     * @param once whether the value is read once (repair, scrub: {@link io.albireo.api.osd.Osd#getOnce}): a large one
     *        is then read with direct I/O, past the page cache
     */
    public Optional<ByteBuffer> get(Bytes key, boolean once) {
        long start = System.nanoTime();
        Optional<ByteBuffer> value = read(key, 0, Integer.MAX_VALUE, once);
        statistics.record(once ? "getOnce" : "get", value.map(ByteBuffer::remaining).orElse(0), start);
        return value;
    }

    /** @return bytes [offset, offset + length) of the value, fewer if it is shorter; empty if the key is absent */
    public Optional<ByteBuffer> getSlice(Bytes key, long offset, int length) {
        long start = System.nanoTime();
        Optional<ByteBuffer> value = read(key, offset, length, false);
        statistics.record("getSlices", value.map(ByteBuffer::remaining).orElse(0), start);
        return value;
    }

    private Optional<ByteBuffer> read(Bytes key, long offset, int length, boolean once) {
        lifecycle.readLock().lock();
        try {
            checkOpen();
            byte[] k = key.toByteArray();
            for (int attempt = 0;; attempt++) {
                try {
                    byte[] raw = db.get(data, k);
                    if (raw == null) {
                        return Optional.empty();
                    }
                    verify(raw, key);
                    long valueLength = StoredValue.valueLength(raw);
                    long from = Math.min(offset, valueLength);
                    int n = (int) Math.min(length, valueLength - from);
                    if (StoredValue.isInline(raw)) {
                        return Optional.of(StoredValue.inlineValue(raw).slice((int) from, n));
                    }
                    ByteBuffer bytes;
                    if (StoredValue.isSegment(raw)) {
                        bytes = segments.read(StoredValue.segmentId(raw), StoredValue.segmentOffset(raw) + from, n,
                                once);
                        // A range freed by an overwrite that committed meanwhile reads as zeros, not as an error:
                        // the bytes count only if the key still points where they came from.
                        if (!Arrays.equals(raw, db.get(data, k))) {
                            throw new NoSuchFileException("moved");
                        }
                    } else {
                        bytes = blobs.read(StoredValue.blobId(raw), from, n, once);
                    }
                    if (from == 0 && n == valueLength) {
                        verifyBlob(raw, bytes, key);
                    }
                    return Optional.of(bytes);
                } catch (NoSuchFileException e) {
                    if (attempt == READ_ATTEMPTS) {
                        throw new OsdUnavailableException("the value of key " + key + " on ASD " + longId
                                + " moved " + READ_ATTEMPTS + " times while it was read", e);
                    }
                    // overwritten or deleted meanwhile: read the key again
                } catch (IOException | RocksDBException e) {
                    throw new OsdUnavailableException("ASD " + longId + " cannot read key " + key + ": "
                            + e.getMessage(), e);
                }
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Checks a stored value read from RocksDB. */
    private void verify(byte[] raw, Bytes key) {
        try {
            StoredValue.verify(raw);
        } catch (IntegrityException e) {
            throw new IntegrityException("ASD " + longId + ", key " + key + ": " + e.getMessage(), e);
        }
    }

    /** Checks a blob read whole against the checksum its pointer carries (version 1 pointers). */
    private void verifyBlob(byte[] pointer, ByteBuffer contents, Bytes key) {
        if (StoredValue.hasContentsCrc(pointer) && StoredValue.crc32c(contents) != StoredValue.contentsCrc(pointer)) {
            throw new IntegrityException("ASD " + longId + ", key " + key + ": blob "
                    + Long.toHexString(StoredValue.blobId(pointer)) + " does not match its checksum");
        }
    }

    /** Lists keys from the range's start, up to {@code limit}, saying whether more follow within the range. */
    List<Entry> range(KeyRange range, int limit, boolean withValues, boolean[] more) {
        lifecycle.readLock().lock();
        try {
            checkOpen();
            long start = System.nanoTime();
            List<Entry> entries = new ArrayList<>();
            long bytes = 0;
            try (Slice upper = range.end() == null ? null : new Slice(range.end().toByteArray());
                    ReadOptions options = new ReadOptions();
                    RocksIterator it = db.newIterator(data,
                            upper == null ? options : options.setIterateUpperBound(upper))) {
                for (it.seek(range.first().toByteArray()); it.isValid(); it.next()) {
                    if (entries.size() == limit) {
                        more[0] = true;
                        break;
                    }
                    Bytes key = Bytes.adopt(it.key());
                    Bytes value = null;
                    if (withValues) {
                        value = read(key, 0, Integer.MAX_VALUE, false).map(Bytes::copyOf).orElse(null);
                        if (value == null) {
                            continue; // deleted since the iterator passed it
                        }
                        bytes += value.length();
                    }
                    entries.add(new Entry(key, value));
                }
                // An iterator that stopped on an error looks like the end of the range: never answer a truncated list.
                it.status();
            } catch (RocksDBException e) {
                throw new OsdUnavailableException("ASD " + longId + " cannot list the keys from " + range.first()
                        + ": " + e.getMessage(), e);
            }
            statistics.record("range", bytes, start);
            return entries;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    // ---- applies -----------------------------------------------------------------------------------------------------

    /** @return whether an apply of these updates writes blob files, which its caller's thread then does */
    public boolean writesBlobs(List<Update> updates) {
        for (Update u : updates) {
            if (!u.isDelete() && u.length() > settings.blobThreshold()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Applies the updates atomically and durably if every assert holds.
     *
     * @return completes once the apply is durable; fails with {@link AssertFailedException}, {@link OsdFullException}
     *         or {@link OsdUnavailableException}, and then nothing of it was applied
     */
    public CompletableFuture<Void> apply(List<Assert> asserts, List<Update> updates) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new OsdUnavailableException("ASD " + longId + " is stopping"));
            return done;
        }
        Pending pending = new Pending(asserts, updates, done, System.nanoTime());
        try {
            for (Update u : updates) {
                if (!u.isDelete() && u.length() > settings.blobThreshold()) {
                    int crc = StoredValue.crc32c(u.value());
                    if (u.length() <= settings.segmentValueMax()) {
                        // Synced with the rest of its segment at the commit.
                        pending.placed.put(u, segments.write(u.value(), crc));
                    } else {
                        long id = nextBlob.getAndIncrement();
                        NewBlob blob = new NewBlob(id, blobs.write(id, u.value()), crc);
                        pending.blobs.put(u, blob);
                        sync.written(blob.channel());
                    }
                }
            }
            if (!queue.offer(pending, 30, TimeUnit.SECONDS)) {
                throw new OsdUnavailableException("ASD " + longId + " is overloaded: its commit queue is full");
            }
        } catch (IOException e) {
            pending.discard();
            done.completeExceptionally(noSpace(e) ? new OsdFullException("ASD " + longId + ": its disk is full", e)
                    : new OsdUnavailableException("ASD " + longId + " cannot write a value to its disk: " + e.getMessage(),
                            e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pending.discard();
            done.completeExceptionally(new OsdUnavailableException("ASD " + longId + ": interrupted", e));
        } catch (RuntimeException e) {
            pending.discard();
            done.completeExceptionally(e);
        }
        return done;
    }

    private void commitLoop() {
        List<Pending> batch = new ArrayList<>();
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, settings.maxBatch() - 1);
                lifecycle.readLock().lock();
                try {
                    if (released) {
                        for (Pending p : batch) {
                            p.fail(new OsdUnavailableException("ASD " + longId + " is stopping"));
                        }
                    } else {
                        commit(batch);
                    }
                } finally {
                    lifecycle.readLock().unlock();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) {
                // commit() throws only before the WAL write (a read for an assert failed): nothing is committed, and
                // fail() leaves alone the blobs of any apply whose outcome is already decided.
                LOG.error("ASD {}: the commit of {} applies failed", longId, batch.size(), e);
                for (Pending p : batch) {
                    p.fail(new OsdUnavailableException("ASD " + longId + " failed to commit: " + e, e));
                }
            } finally {
                batch.clear();
            }
        }
        for (Pending p; (p = queue.poll()) != null;) {
            p.fail(new OsdUnavailableException("ASD " + longId + " is stopping"));
        }
    }

    /**
     * One group commit: asserts in order, one sync for the new blobs and segment values (a fdatasync per segment
     * touched, a directory sync per folder that got new files), one synced WAL write, then the space superseded values
     * held is freed and the applies are answered.
     */
    private void commit(List<Pending> batch) {
        Map<Bytes, Current> overlay = new HashMap<>();
        List<Pending> accepted = new ArrayList<>(batch.size());
        List<Long> unlinkAfter = new ArrayList<>();
        List<byte[]> freeAfter = new ArrayList<>();
        Set<Segments.Placed> abandonAfter = Collections.newSetFromMap(new IdentityHashMap<>());
        long newUsed = used;
        long fullMark = (long) (capacity * FULL);
        long sealed;
        try (WriteBatch writes = new WriteBatch()) {
            for (Pending p : batch) {
                int failed = firstFailedAssert(p.asserts, overlay);
                if (failed >= 0) {
                    p.fail(new AssertFailedException(failed, p.asserts.get(failed).key()));
                    continue;
                }
                // The apply's own view on top of the batch's: its final state per key, and what it supersedes.
                Map<Bytes, Current> after = new HashMap<>();
                List<Current> superseded = new ArrayList<>();
                long delta = 0;
                for (Update u : p.updates) {
                    Current old = after.containsKey(u.key()) ? after.get(u.key()) : current(u.key(), overlay);
                    Current now = Current.ABSENT;
                    if (!u.isDelete()) {
                        now = Current.of(u, p.blobs.get(u), p.placed.get(u));
                    }
                    delta += now.size() - old.size();
                    superseded.add(old);
                    after.put(u.key(), now);
                }
                if (delta > 0 && (newUsed + delta > fullMark || !roomOnDisk(delta))) {
                    p.fail(new OsdFullException("ASD " + longId + " is full (" + newUsed + " of " + capacity
                            + " bytes used): it accepts only applies that free space"));
                    continue;
                }
                for (Map.Entry<Bytes, Current> e : after.entrySet()) {
                    Current c = e.getValue();
                    byte[] key = e.getKey().toByteArray();
                    if (!c.present()) {
                        writes.delete(data, key);
                    } else {
                        writes.put(data, key, c.stored());
                    }
                }
                for (Current old : superseded) {
                    if (old.blob() >= 0) {
                        unlinkAfter.add(old.blob());
                    } else if (old.placed() != null) {
                        abandonAfter.add(old.placed()); // new in this batch, never to be pointed to
                    } else if (old.pointer() != null && StoredValue.isSegment(old.pointer())) {
                        freeAfter.add(old.pointer());
                    }
                }
                overlay.putAll(after);
                newUsed += delta;
                accepted.add(p);
            }
            if (accepted.isEmpty()) {
                return;
            }
            Set<Path> directories = new LinkedHashSet<>();
            Set<Long> touched = new LinkedHashSet<>();
            for (Pending p : accepted) {
                for (NewBlob b : p.blobs.values()) {
                    directories.add(blobs.directory(b.id));
                }
                for (Segments.Placed v : p.placed.values()) {
                    touched.add(v.segment());
                }
            }
            try {
                if (!touched.isEmpty() && sync instanceof BlobSync.Fsync) {
                    segments.sync(touched);
                }
                if (!directories.isEmpty() || !touched.isEmpty()) {
                    sync.commit(directories);
                }
            } catch (IOException e) {
                // Before the WAL write: nothing of the batch is committed, its new values may go.
                for (Pending p : accepted) {
                    p.fail(new OsdUnavailableException("ASD " + longId + " could not make its values durable: "
                            + e.getMessage(), e));
                }
                return;
            }
            sealed = segments.sealedThrough();
            if (sealed > sealedRecorded) {
                writes.put(meta, SEGMENTS_SEALED, sealedRecord(sealed));
            }
            try {
                db.write(synced, writes);
            } catch (RocksDBException e) {
                // The WAL record may be durable or not: the outcome is unknown, so the new values stay, and the next
                // start keeps those a key points to then.
                LOG.error("ASD {}: the WAL write of {} applies failed; whether they are durable is unknown", longId,
                        accepted.size(), e);
                for (Pending p : accepted) {
                    p.failUndecided(new OsdUnavailableException("ASD " + longId + " could not commit, and whether "
                            + "this apply is durable is unknown: " + e.getMessage(), e));
                }
                return;
            }
            for (Pending p : accepted) {
                p.committed = true;
            }
            used = newUsed;
            sealedRecorded = Math.max(sealedRecorded, sealed);
        } catch (RocksDBException e) {
            // Building the batch failed, before the WAL write: nothing of it is committed.
            for (Pending p : batch) {
                if (!p.done.isDone()) {
                    p.fail(new OsdUnavailableException("ASD " + longId + " could not prepare a commit: "
                            + e.getMessage(), e));
                }
            }
            return;
        }
        // From here on the batch stands, whatever fails. Superseded values are freed before the answers, so a caller
        // never finds the old value after its overwrite returned; what cannot be freed is left for the next start.
        List<Segments.Placed> committedValues = new ArrayList<>();
        for (Pending p : accepted) {
            for (Segments.Placed v : p.placed.values()) {
                if (!abandonAfter.contains(v)) {
                    committedValues.add(v);
                }
            }
        }
        segments.committed(committedValues);
        segments.abandon(abandonAfter);
        for (byte[] pointer : freeAfter) {
            segments.free(StoredValue.segmentId(pointer), StoredValue.segmentOffset(pointer),
                    StoredValue.valueLength(pointer));
        }
        for (long id : unlinkAfter) {
            try {
                blobs.delete(id);
            } catch (RuntimeException e) {
                LOG.warn("ASD {}: cannot unlink the superseded blob {}; the next start removes it", longId,
                        Long.toHexString(id), e);
            }
        }
        for (Pending p : accepted) {
            p.closeBlobs();
            statistics.record("apply", p.bytes(), p.start);
            p.done.complete(null);
        }
    }

    private int firstFailedAssert(List<Assert> asserts, Map<Bytes, Current> overlay) {
        for (int i = 0; i < asserts.size(); i++) {
            Assert a = asserts.get(i);
            Current c = current(a.key(), overlay);
            if (a.requiresAbsent() ? c.present() : !c.present() || !a.holdsFor(c.value(this, a.key()))) {
                return i;
            }
        }
        return -1;
    }

    /** @return the key's state as the batch so far leaves it */
    private Current current(Bytes key, Map<Bytes, Current> overlay) {
        Current c = overlay.get(key);
        if (c != null) {
            return c;
        }
        try {
            byte[] raw = db.get(data, key.toByteArray());
            if (raw == null) {
                return Current.ABSENT;
            }
            verify(raw, key);
            if (StoredValue.isInline(raw)) {
                return Current.inline(key.length(), StoredValue.inlineValue(raw));
            }
            return new Current(true, key.length(), StoredValue.valueLength(raw),
                    StoredValue.isBlob(raw) ? StoredValue.blobId(raw) : -1, null, 0, raw, null);
        } catch (RocksDBException e) {
            throw new OsdUnavailableException("ASD " + longId + " cannot read key " + key + ": " + e.getMessage(), e);
        }
    }

    private boolean roomOnDisk(long delta) {
        try {
            return fileStore.getUsableSpace() - delta > capacity * (1 - FULL);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A key's state during a commit.
     *
     * @param present whether it holds a value
     * @param keyLength the key's length
     * @param valueLength the value's length
     * @param blob the value's blob file, or -1
     * @param value the value when known without reading (inline, or new in this batch), else null
     * @param crc the CRC32C of a value over the threshold new in this batch
     * @param pointer the stored form of a committed blob or segment value, else null
     * @param placed where a segment value new in this batch was written, else null
     */
    private record Current(boolean present, long keyLength, long valueLength, long blob, ByteBuffer value, int crc,
            byte[] pointer, Segments.Placed placed) {
        static final Current ABSENT = new Current(false, 0, 0, -1, null, 0, null, null);

        static Current inline(long keyLength, ByteBuffer value) {
            return new Current(true, keyLength, value.remaining(), -1, value, 0, null, null);
        }

        /** @return what an update sets, with the blob file or the segment range its value went to, if any */
        static Current of(Update u, NewBlob blob, Segments.Placed placed) {
            if (placed != null) {
                return new Current(true, u.key().length(), u.length(), -1, u.value(), placed.crc(), null, placed);
            }
            if (blob != null) {
                return new Current(true, u.key().length(), u.length(), blob.id, u.value(), blob.crc, null, null);
            }
            return inline(u.key().length(), u.value());
        }

        /** @return the bytes it holds, key and value, as counted against the capacity */
        long size() {
            return present ? keyLength + valueLength : 0;
        }

        /** @return what RocksDB stores for it, new in this batch */
        byte[] stored() {
            if (placed != null) {
                return StoredValue.segment(placed.segment(), placed.offset(), valueLength, crc);
            }
            return blob >= 0 ? StoredValue.blob(blob, valueLength, crc) : StoredValue.inline(value);
        }

        /** @return the value, a committed one read whole and verified */
        ByteBuffer value(AsdStore store, Bytes key) {
            if (value != null || !present) {
                return value;
            }
            try {
                ByteBuffer contents = StoredValue.isSegment(pointer)
                        ? store.segments.read(StoredValue.segmentId(pointer), StoredValue.segmentOffset(pointer),
                                (int) valueLength, false)
                        : store.blobs.read(blob, 0, (int) valueLength, false);
                store.verifyBlob(pointer, contents, key);
                return contents;
            } catch (IOException e) {
                throw new OsdUnavailableException("ASD " + store.longId + " cannot read the value of " + key
                        + " for an assert: " + e.getMessage(), e);
            }
        }
    }

    private static boolean noSpace(IOException e) {
        return e.getMessage() != null && e.getMessage().contains("No space left on device");
    }

    private void checkOpen() {
        if (closed) {
            throw new OsdUnavailableException("ASD " + longId + " is stopping");
        }
    }

    /** A new blob, written and open, waiting for its apply's commit; {@code crc} is its contents' CRC32C. */
    private record NewBlob(long id, FileChannel channel, int crc) {
    }

    /** An apply waiting for the committer. */
    private final class Pending {
        final List<Assert> asserts;
        final List<Update> updates;
        final CompletableFuture<Void> done;
        final long start;
        /** By identity: an update's hash would read its whole value. */
        final Map<Update, NewBlob> blobs = new IdentityHashMap<>();
        /** The segment ranges its values went to, by update (identity). */
        final Map<Update, Segments.Placed> placed = new IdentityHashMap<>();
        /** Set once its WAL record is written: its blobs are the data, never to be removed here. */
        boolean committed;
        /** Set when its WAL write failed: whether it is durable is unknown, so its blobs stay for the sweep. */
        boolean undecided;

        Pending(List<Assert> asserts, List<Update> updates, CompletableFuture<Void> done, long start) {
            this.asserts = asserts;
            this.updates = updates;
            this.done = done;
            this.start = start;
        }

        long bytes() {
            long n = 0;
            for (Update u : updates) {
                n += u.length();
            }
            return n;
        }

        void closeBlobs() {
            for (NewBlob b : blobs.values()) {
                try {
                    b.channel.close();
                } catch (IOException e) {
                    LOG.warn("ASD {}: closing blob {} failed", longId, Long.toHexString(b.id), e);
                }
            }
        }

        /** Removes this apply's blobs, which no committed key points to; never those of a committed or undecided one. */
        void discard() {
            closeBlobs();
            if (committed || undecided) {
                return;
            }
            segments.abandon(placed.values());
            placed.clear();
            for (NewBlob b : blobs.values()) {
                try {
                    AsdStore.this.blobs.delete(b.id);
                } catch (RuntimeException e) {
                    LOG.warn("ASD {}: cannot remove the blob {} of a failed apply; the next start removes it", longId,
                            Long.toHexString(b.id), e);
                }
            }
        }

        /** Fails an apply that was not committed. */
        void fail(StorageException e) {
            discard();
            done.completeExceptionally(e);
        }

        /** Fails an apply whose WAL write failed: it may or may not be durable. */
        void failUndecided(StorageException e) {
            undecided = true;
            closeBlobs();
            done.completeExceptionally(e);
        }
    }

    /**
     * Stops taking applies, commits what is queued (for up to 30 s), then waits for the reads and the commit in flight
     * and frees RocksDB: a read never runs on a freed database.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            committer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (committer.isAlive()) {
            LOG.warn("ASD {}: the committer did not finish in 30 s; waiting for its commit before closing", longId);
        }
        lifecycle.writeLock().lock();
        try {
            released = true;
            try {
                sync.close();
            } catch (IOException e) {
                LOG.warn("ASD {}: closing the sync descriptor failed", longId, e);
            }
            segments.close();
            closeRocksDb();
        } finally {
            lifecycle.writeLock().unlock();
        }
        for (Pending p; (p = queue.poll()) != null;) {
            p.fail(new OsdUnavailableException("ASD " + longId + " is stopping"));
        }
    }

    /** Frees RocksDB and its options, handles first. */
    private void closeRocksDb() {
        data.close();
        meta.close();
        db.close();
        synced.close();
        dbOptions.close();
        cfOptions.close();
    }
}
