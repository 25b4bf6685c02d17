package io.albireo.volumedriver.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.AssertFailedException;
import io.albireo.api.IntegrityException;
import io.albireo.api.StorageException;
import io.albireo.api.object.ObjectStore;
import io.albireo.api.object.ObjectStore.ObjectAssert;
import io.albireo.api.object.ObjectStore.ObjectChange;
import io.albireo.api.object.Overwrite;
import io.albireo.api.volume.VDisk;
import io.albireo.api.volume.VolumeException;
import io.albireo.framing.DaemonThreads;

/**
 * One vDisk at work: its log-structured write path, its reads, its uploads and its recovery (docs/VOLUMES.md).
 *
 * <p>A write appends whole clusters to the current SCO file in the write buffer and a record per cluster to the TLog
 * tail in memory, and updates the LBA map; it is acknowledged then. A flush writes the TLog tail to the TLog file and
 * fdatasyncs the SCO file and then the TLog file, so a flushed record never points at bytes that are not durable; a
 * record whose bytes did not reach the disk (a crash before the flush) fails its data checksum at the next start, and
 * it and every record after it, none of them flushed, are dropped. A full SCO is sealed (synced with its TLog) and
 * put to the backend, then its TLog, each with a fencing assert on the "owner" object this volume put when it opened,
 * so that a stale owner can never overwrite a newer one's SCOs. SCO n and TLog n go together: TLog n lists the writes
 * into SCO n and the trims made while it was current.
 *
 * <p>Writes are serialised by one lock (appends are page-cache writes; the fsyncs of a flush run outside it). Reads
 * take no lock: they look clusters up in the map and read them from the SCO file, the read cache or the backend, and
 * check each against its CRC32C.
 */
final class Volume implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Volume.class);
    /** The object a volume puts when it opens; every SCO and TLog put asserts it still holds that version. */
    static final String OWNER = "owner";
    private static final int MAP_BATCH = 1024;
    private static final HexFormat HEX = HexFormat.of();

    /**
     * What a volume is.
     *
     * @param name the vDisk's name
     * @param id its number in the vPool's LBA maps
     * @param namespace its namespace on the backend
     * @param clusterSize its cluster size
     * @param scoSize the bytes of an SCO
     * @param owner this appliance's name, written into the owner object
     */
    record Layout(String name, int id, String namespace, int clusterSize, int scoSize, String owner) {
        int clustersPerSco() {
            return scoSize / clusterSize;
        }
    }

    /** An SCO with its file in the write buffer. */
    private final class Sco implements WriteBuffer.Evictable {
        final long number;
        final Path file;
        final FileChannel channel;
        volatile long sealedAt;
        volatile boolean uploaded;
        volatile boolean evicted;

        Sco(long number, FileChannel channel) {
            this.number = number;
            this.file = scoFile(number);
            this.channel = channel;
        }

        @Override
        public long bytes() {
            return layout.scoSize();
        }

        @Override
        public long sealedAt() {
            return sealedAt;
        }

        @Override
        public boolean evictable() {
            return uploaded && replayFrom.get() > number;
        }

        @Override
        public void evict() {
            evicted = true;
            local.remove(number, this);
            closeQuietly(channel);
            try {
                Files.deleteIfExists(file);
                Files.deleteIfExists(tlogFile(number));
            } catch (IOException e) {
                LOG.warn("vDisk {}: cannot remove SCO {} from the write buffer", layout.name(), number, e);
            }
        }
    }

    private final Layout layout;
    private final ObjectStore store;
    private final LbaMap map;
    private final WriteBuffer buffer;
    private final ReadCache cache;
    private final Executor readers;
    private final Path dir;
    private final ExecutorService uploader;
    private final ConcurrentSkipListMap<Long, Sco> local = new ConcurrentSkipListMap<>();
    /** The first TLog the next start replays: everything before it is in the map for good. */
    private final AtomicLong replayFrom = new AtomicLong(1);
    private final AtomicLong backendBytes = new AtomicLong();
    private final String ownerId;

    private final ReentrantLock log = new ReentrantLock();
    // Guarded by log.
    private long size;
    private Sco current;
    private FileChannel tlog;
    private int nextCluster;
    private ByteBuffer tail = ByteBuffer.allocate(64 * TLogFormat.RECORD);
    private volatile boolean closed;
    private volatile StorageException fenced;

    private Volume(Layout layout, long size, ObjectStore store, LbaMap map, WriteBuffer buffer, ReadCache cache,
            Executor readers) throws IOException {
        this.layout = layout;
        this.size = size;
        this.store = store;
        this.map = map;
        this.buffer = buffer;
        this.cache = cache;
        this.readers = readers;
        this.dir = buffer.directory().resolve(layout.name());
        Files.createDirectories(dir.resolve("sco"));
        Files.createDirectories(dir.resolve("tlog"));
        this.uploader = Executors.newSingleThreadExecutor(DaemonThreads.named("albireo-vdisk-upload-" + layout.name()));
        this.ownerId = store.put(layout.namespace(), OWNER, ByteBuffer.wrap(layout.owner()
                .getBytes(StandardCharsets.UTF_8)), Overwrite.UNCONDITIONAL).objectId();
    }

    /**
     * Opens a vDisk: replays its local TLogs after the map's checkpoint (or, with no local state, every TLog on the
     * backend), seals the SCO a crash left open, queues what the backend lacks, and starts a new SCO.
     *
     * @param size its size in bytes
     * @param readers where reads run
     */
    static Volume open(Layout layout, long size, ObjectStore store, LbaMap map, WriteBuffer buffer, ReadCache cache,
            Executor readers) {
        try {
            Volume v = new Volume(layout, size, store, map, buffer, cache, readers);
            v.recover();
            return v;
        } catch (IOException e) {
            throw new StorageException("vDisk " + layout.name() + ": cannot open its write buffer at "
                    + buffer.directory() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("vDisk " + layout.name() + ": interrupted while it opened", e);
        }
    }

    Layout layout() {
        return layout;
    }

    long size() {
        return size;
    }

    void resize(long newSize) {
        log.lock();
        try {
            size = newSize;
        } finally {
            log.unlock();
        }
    }

    /** @return the bytes of its SCOs in the write buffer that the backend does not hold yet */
    long writeBufferBytes() {
        return local.values().stream().filter(s -> !s.uploaded).count() * layout.scoSize();
    }

    /** @return the bytes of its SCOs on the backend */
    long backendBytes() {
        return backendBytes.get();
    }

    /** @return the number of the SCO being filled */
    long scos() {
        log.lock();
        try {
            return current == null ? 0 : current.number;
        } finally {
            log.unlock();
        }
    }

    // ---- writes ------------------------------------------------------------------------------------------------------

    CompletableFuture<Void> write(long offset, ByteBuffer data, boolean fua) {
        try {
            checkRange(offset, data.remaining());
            int cs = layout.clusterSize();
            if (data.remaining() == 0) {
                return fua ? flush() : CompletableFuture.completedFuture(null);
            }
            log.lock();
            try {
                checkOpen();
                long first = offset / cs;
                long end = (offset + data.remaining() + cs - 1) / cs;
                ByteBuffer whole;
                if (offset % cs == 0 && data.remaining() % cs == 0) {
                    whole = data.duplicate();
                } else {
                    // Read-modify-write of the partial clusters at either end, under the lock so that no other write
                    // of the same clusters comes between the read and the append.
                    whole = ByteBuffer.allocate((int) ((end - first) * cs));
                    whole.put(0, readNow(first, 1), 0, cs);
                    if (end - first > 1) {
                        whole.put((int) ((end - first - 1) * cs), readNow(end - 1, 1), 0, cs);
                    }
                    whole.put((int) (offset - first * cs), data.duplicate(), data.position(), data.remaining());
                }
                append(first, whole);
            } finally {
                log.unlock();
            }
            return fua ? flush() : CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(new VolumeException("vDisk " + layout.name()
                    + ": interrupted while the write waited for room in the write buffer", e));
        }
    }

    CompletableFuture<Void> trim(long offset, long length, boolean fua) {
        try {
            checkRange(offset, length);
            int cs = layout.clusterSize();
            long firstWhole = (offset + cs - 1) / cs;
            long endWhole = (offset + length) / cs;
            // The partial clusters at the edges are written as zeros; the whole ones become holes.
            if (firstWhole > endWhole) {
                return write(offset, ByteBuffer.allocate((int) length), fua);
            }
            long head = firstWhole * cs - offset;
            long tailBytes = offset + length - endWhole * cs;
            CompletableFuture<Void> edges = CompletableFuture.allOf(
                    head > 0 ? write(offset, ByteBuffer.allocate((int) head), false)
                            : CompletableFuture.completedFuture(null),
                    tailBytes > 0 ? write(endWhole * cs, ByteBuffer.allocate((int) tailBytes), false)
                            : CompletableFuture.completedFuture(null));
            if (endWhole > firstWhole) {
                log.lock();
                try {
                    checkOpen();
                    ensureCurrent();
                    TLogRecord r = TLogRecord.trim(firstWhole, endWhole - firstWhole);
                    record(r);
                    map.apply(layout.id(), List.of(r));
                } finally {
                    log.unlock();
                }
            }
            return fua ? edges.thenCompose(x -> flush()) : edges;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(new VolumeException("vDisk " + layout.name() + ": interrupted", e));
        }
    }

    /** Appends whole clusters from {@code first}, rolling to new SCOs as they fill. Under the lock. */
    private void append(long first, ByteBuffer whole) throws InterruptedException {
        int cs = layout.clusterSize();
        long cluster = first;
        List<TLogRecord> records = new ArrayList<>(whole.remaining() / cs);
        try {
            while (whole.hasRemaining()) {
                ensureCurrent();
                int n = Math.min(whole.remaining() / cs, layout.clustersPerSco() - nextCluster);
                ByteBuffer piece = whole.slice(whole.position(), n * cs);
                long at = (long) nextCluster * cs;
                ByteBuffer w = piece.duplicate();
                while (w.hasRemaining()) {
                    at += current.channel.write(w, at);
                }
                CRC32C crc = new CRC32C();
                for (int i = 0; i < n; i++) {
                    crc.reset();
                    crc.update(piece.slice(i * cs, cs));
                    TLogRecord r = TLogRecord.write(cluster + i, new ScoLocation(current.number, nextCluster + i),
                            (int) crc.getValue());
                    record(r);
                    records.add(r);
                }
                nextCluster += n;
                cluster += n;
                whole.position(whole.position() + n * cs);
                if (records.size() >= MAP_BATCH) {
                    map.apply(layout.id(), records);
                    records.clear();
                }
            }
        } catch (IOException e) {
            throw new StorageException("vDisk " + layout.name() + ": cannot write SCO " + current.number
                    + " in the write buffer: " + e.getMessage(), e);
        } finally {
            if (!records.isEmpty()) {
                map.apply(layout.id(), records);
            }
        }
    }

    private void record(TLogRecord r) {
        if (tail.remaining() < TLogFormat.RECORD) {
            tail = ByteBuffer.allocate(tail.capacity() * 2).put(tail.flip());
        }
        TLogFormat.put(tail, r);
    }

    /** Makes sure an SCO with room is current, sealing a full one. Under the lock. */
    private void ensureCurrent() throws InterruptedException {
        if (current != null && nextCluster < layout.clustersPerSco()) {
            return;
        }
        if (current != null) {
            seal();
        }
        long number = current == null ? nextScoNumber() : current.number + 1;
        buffer.reserve(layout.scoSize());
        try {
            FileChannel sco = FileChannel.open(scoFile(number), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileChannel t = FileChannel.open(tlogFile(number), StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            t.write(TLogFormat.header(number, layout.clusterSize()));
            // The new files' names must survive a power cut before anything flushed lands in them.
            syncDirectory(dir.resolve("sco"));
            syncDirectory(dir.resolve("tlog"));
            current = new Sco(number, sco);
            local.put(number, current);
            tlog = t;
            nextCluster = 0;
        } catch (IOException e) {
            throw new StorageException("vDisk " + layout.name() + ": cannot start SCO " + number
                    + " in the write buffer: " + e.getMessage(), e);
        }
    }

    private long nextScoNumber() {
        Map.Entry<Long, Sco> last = local.lastEntry();
        return Math.max(last == null ? 0 : last.getKey(), replayFrom.get() - 1) + 1;
    }

    /** Seals the current SCO: its TLog written and both synced; then queues its upload. Under the lock. */
    private void seal() {
        Sco sco = current;
        try {
            writeTail();
            sco.channel.force(false);
            tlog.force(false);
            tlog.close();
        } catch (IOException e) {
            throw new StorageException("vDisk " + layout.name() + ": cannot seal SCO " + sco.number + ": "
                    + e.getMessage(), e);
        }
        sco.sealedAt = System.nanoTime();
        current = null;
        tlog = null;
        queueUpload(sco);
    }

    /** Writes the TLog tail to the TLog file (not synced). Under the lock. */
    private void writeTail() throws IOException {
        tail.flip();
        while (tail.hasRemaining()) {
            tlog.write(tail);
        }
        tail.clear();
    }

    /** Makes every write acknowledged before it durable in the write buffer. */
    CompletableFuture<Void> flush() {
        FileChannel scoChannel;
        FileChannel tlogChannel;
        log.lock();
        try {
            if (current == null) {
                return CompletableFuture.completedFuture(null); // sealing synced everything before it
            }
            writeTail();
            scoChannel = current.channel;
            tlogChannel = tlog;
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new StorageException("vDisk " + layout.name()
                    + ": cannot write its TLog: " + e.getMessage(), e));
        } finally {
            log.unlock();
        }
        try {
            // Data first, then the records that point at it.
            scoChannel.force(false);
            tlogChannel.force(false);
        } catch (ClosedChannelException e) {
            // Sealed meanwhile, which synced both.
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new StorageException("vDisk " + layout.name()
                    + ": cannot make its writes durable: " + e.getMessage(), e));
        }
        return CompletableFuture.completedFuture(null);
    }

    // ---- reads -------------------------------------------------------------------------------------------------------

    CompletableFuture<ByteBuffer> read(long offset, int length) {
        try {
            checkRange(offset, length);
            checkOpen();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CompletableFuture.supplyAsync(() -> {
            int cs = layout.clusterSize();
            long first = offset / cs;
            long end = (offset + length + cs - 1) / cs;
            ByteBuffer whole = readNow(first, (int) (end - first));
            return whole.slice((int) (offset - first * cs), length);
        }, readers);
    }

    /** @return {@code count} whole clusters from {@code first}, zeros where never written */
    private ByteBuffer readNow(long first, int count) {
        int cs = layout.clusterSize();
        ByteBuffer out = ByteBuffer.allocate(count * cs);
        for (int done = 0; done < count;) {
            int n = Math.min(MAP_BATCH, count - done);
            List<LbaMap.Entry> entries = map.get(layout.id(), first + done, n);
            int i = 0;
            while (i < n) {
                LbaMap.Entry e = entries.get(i);
                if (e == null) {
                    i++;
                    continue;
                }
                // A run of clusters stored one after another in one SCO is read at once.
                int j = i + 1;
                while (j < n && entries.get(j) != null && entries.get(j).location().sco() == e.location().sco()
                        && entries.get(j).location().cluster() == e.location().cluster() + (j - i)) {
                    j++;
                }
                readRun(e.location(), entries.subList(i, j), first + done + i, out, (done + i) * cs, true);
                i = j;
            }
            done += n;
        }
        return out;
    }

    /** Reads a run of clusters of one SCO into {@code out} at {@code at}, each checked against its CRC32C. */
    private void readRun(ScoLocation start, List<LbaMap.Entry> run, long firstCluster, ByteBuffer out, int at,
            boolean tryLocal) {
        int cs = layout.clusterSize();
        int n = run.size();
        ByteBuffer bytes = tryLocal ? readLocal(start, n) : null;
        boolean fromBackend = bytes == null;
        if (fromBackend) {
            bytes = readBackend(start, n);
        }
        for (int k = 0; k < n; k++) {
            ByteBuffer cluster = bytes.slice(k * cs, cs);
            CRC32C crc = new CRC32C();
            crc.update(cluster.duplicate());
            if ((int) crc.getValue() != run.get(k).crc()) {
                Sco sco = local.get(start.sco());
                if (!fromBackend && sco != null && sco.uploaded) {
                    // A damaged write buffer file: the backend's copy is read instead.
                    LOG.warn("vDisk {}: cluster {} in SCO {} of the write buffer fails its checksum; reading the "
                            + "backend's copy", layout.name(), firstCluster + k, start.sco());
                    readRun(start, run, firstCluster, out, at, false);
                    return;
                }
                throw new IntegrityException("vDisk " + layout.name() + ": cluster " + (firstCluster + k)
                        + " (SCO " + start.sco() + ", cluster " + (start.cluster() + k) + ") fails its checksum");
            }
            out.put(at + k * cs, cluster, 0, cs);
        }
    }

    /** @return the run from the SCO's file in the write buffer, or null if it has none (or it was just evicted) */
    private ByteBuffer readLocal(ScoLocation start, int n) {
        Sco sco = local.get(start.sco());
        if (sco == null || sco.evicted) {
            return null;
        }
        int cs = layout.clusterSize();
        ByteBuffer b = ByteBuffer.allocate(n * cs);
        try {
            long at = (long) start.cluster() * cs;
            while (b.hasRemaining()) {
                if (sco.channel.read(b, at + b.position()) < 0) {
                    return null;
                }
            }
            return b.flip();
        } catch (ClosedChannelException e) {
            return null;
        } catch (IOException e) {
            LOG.warn("vDisk {}: cannot read SCO {} in the write buffer ({}); reading the backend's copy",
                    layout.name(), start.sco(), e.toString());
            return null;
        }
    }

    /** @return the run read from the backend: whole from the read cache, else by a partial read of the SCO */
    private ByteBuffer readBackend(ScoLocation start, int n) {
        int cs = layout.clusterSize();
        ByteBuffer b = ByteBuffer.allocate(n * cs);
        boolean all = cache.enabled();
        for (int k = 0; k < n && all; k++) {
            byte[] c = cache.get(layout.id(), new ScoLocation(start.sco(), start.cluster() + k).packed());
            if (c == null) {
                all = false;
            } else {
                b.put(k * cs, c);
            }
        }
        if (all) {
            return b;
        }
        ByteBuffer read = store.read(List.of(new ObjectStore.ObjectRange(layout.namespace(), scoName(start.sco()),
                (long) start.cluster() * cs, n * cs))).get(0).slice();
        if (read.remaining() != n * cs) {
            throw new IntegrityException("vDisk " + layout.name() + ": SCO " + start.sco() + " on the backend is "
                    + "shorter than its TLog says");
        }
        for (int k = 0; cache.enabled() && k < n; k++) {
            byte[] c = new byte[cs];
            read.get(read.position() + k * cs, c);
            cache.put(layout.id(), new ScoLocation(start.sco(), start.cluster() + k).packed(), c);
        }
        return read;
    }

    /** @return the runs of data and holes of {@code [offset, offset + length)}, in cluster granularity */
    List<VDisk.Extent> allocation(long offset, long length) {
        checkRange(offset, length);
        int cs = layout.clusterSize();
        long first = offset / cs;
        long end = (offset + length + cs - 1) / cs;
        List<VDisk.Extent> extents = new ArrayList<>();
        long at = first;
        for (long[] run : map.written(layout.id(), first, end - first)) {
            if (run[0] > at) {
                extents.add(new VDisk.Extent(at * cs, (run[0] - at) * cs, true));
            }
            extents.add(new VDisk.Extent(run[0] * cs, run[1] * cs, false));
            at = run[0] + run[1];
        }
        if (at < end) {
            extents.add(new VDisk.Extent(at * cs, (end - at) * cs, true));
        }
        // Clip to the bytes asked for.
        List<VDisk.Extent> clipped = new ArrayList<>(extents.size());
        for (VDisk.Extent e : extents) {
            long s = Math.max(e.offset(), offset);
            long t = Math.min(e.offset() + e.length(), offset + length);
            if (t > s) {
                clipped.add(new VDisk.Extent(s, t - s, e.hole()));
            }
        }
        return clipped;
    }

    // ---- uploads -----------------------------------------------------------------------------------------------------

    private void queueUpload(Sco sco) {
        uploader.execute(() -> upload(sco));
    }

    /**
     * Puts an SCO and then its TLog, with the fencing assert, retrying while the backend is unavailable; then moves
     * the checkpoint past it and lets the write buffer evict it.
     */
    private void upload(Sco sco) {
        long backoff = 100;
        // A close lets the queued uploads finish (shutdown); a crash or a close that gave up interrupts them.
        while (!Thread.currentThread().isInterrupted()) {
            try {
                ByteBuffer data;
                try (FileChannel ch = FileChannel.open(scoFile(sco.number), StandardOpenOption.READ)) {
                    data = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
                }
                byte[] t = Files.readAllBytes(tlogFile(sco.number));
                ObjectAssert owner = ObjectAssert.hasId(OWNER, ownerId);
                store.apply(layout.namespace(), List.of(owner), List.of(new ObjectChange.Put(scoName(sco.number),
                        data, Overwrite.UNCONDITIONAL)));
                store.apply(layout.namespace(), List.of(owner), List.of(new ObjectChange.Put(tlogName(sco.number),
                        ByteBuffer.wrap(t), Overwrite.UNCONDITIONAL)));
                backendBytes.addAndGet(data.remaining());
                sco.uploaded = true;
                // Every record of TLogs up to this one is in the map: the next start need not replay them.
                if (replayFrom.get() <= sco.number) {
                    map.checkpoint(layout.id(), sco.number + 1);
                    replayFrom.set(sco.number + 1);
                }
                buffer.evictableLater(sco);
                return;
            } catch (AssertFailedException e) {
                fenced = new VolumeException("vDisk " + layout.name() + " is owned by another appliance now (its "
                        + "owner object changed): this appliance stopped writing it");
                LOG.error("vDisk {}: SCO {} not put: {}", layout.name(), sco.number, fenced.getMessage());
                return;
            } catch (IOException | RuntimeException e) {
                if (backoff == 100) {
                    LOG.warn("vDisk {}: putting SCO {} to the backend failed ({}); retrying", layout.name(),
                            sco.number, e.toString());
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, 5000);
            }
        }
    }

    // ---- recovery ----------------------------------------------------------------------------------------------------

    private void recover() throws IOException, InterruptedException {
        TreeMap<Long, Path> tlogs = numbered(dir.resolve("tlog"));
        TreeMap<Long, Path> scos = numbered(dir.resolve("sco"));
        if (!map.hasCheckpoint(layout.id())) {
            // A new vDisk, or one whose map was lost: the TLogs on the backend first, then the local ones after them.
            restoreFromBackend();
            map.checkpoint(layout.id(), replayFrom.get());
        } else {
            replayFrom.set(map.replayFrom(layout.id()));
        }
        boolean torn = false;
        for (Map.Entry<Long, Path> t : tlogs.entrySet()) {
            long n = t.getKey();
            Path scoPath = scos.get(n);
            if (scoPath == null || torn && n >= replayFrom.get()) {
                // Without its SCO (an eviction cut short), or after a torn record (nothing in it was flushed): kept
                // aside, not deleted.
                LOG.warn("vDisk {}: TLog {} {}; moved aside", layout.name(), n,
                        scoPath == null ? "has no SCO" : "follows a torn write and was never flushed");
                discard(t.getValue());
                if (scoPath != null) {
                    discard(scoPath);
                    scos.remove(n);
                }
                continue;
            }
            if (n >= replayFrom.get() && neverFlushed(t.getValue())) {
                // Its header never reached the disk, so neither did any record (a flush syncs the header with them):
                // the SCO a crash left open right after it began. Kept aside, not deleted.
                LOG.warn("vDisk {}: TLog {} was never flushed (a crash right after it began); moved aside",
                        layout.name(), n);
                discard(t.getValue());
                discard(scoPath);
                scos.remove(n);
                torn = true;
                continue;
            }
            FileChannel ch = FileChannel.open(scoPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Sco sco = new Sco(n, ch);
            local.put(n, sco);
            buffer.adopt(layout.scoSize());
            if (n >= replayFrom.get()) {
                torn = replay(n, t.getValue(), ch);
            }
            sco.sealedAt = System.nanoTime();
        }
        for (Map.Entry<Long, Path> s : scos.entrySet()) {
            if (!tlogs.containsKey(s.getKey())) {
                LOG.warn("vDisk {}: SCO {} has no TLog; moved aside", layout.name(), s.getKey());
                discard(s.getValue());
            }
        }
        // Every local SCO is sealed now (the one a crash left open too): what the backend lacks is queued.
        for (Sco sco : local.values()) {
            sco.channel.force(false);
            if (store.stat(layout.namespace(), tlogName(sco.number)).isPresent()) {
                sco.uploaded = true;
                backendBytes.addAndGet(Files.size(sco.file));
                buffer.evictableLater(sco);
            } else {
                queueUpload(sco);
            }
        }
        syncDirectory(dir.resolve("tlog"));
    }

    /** @return whether a TLog file is shorter than its header or its header is all zeros: it was never synced */
    private static boolean neverFlushed(Path tlog) throws IOException {
        if (Files.size(tlog) < TLogFormat.RECORD) {
            return true;
        }
        byte[] header = new byte[TLogFormat.RECORD];
        try (FileChannel ch = FileChannel.open(tlog, StandardOpenOption.READ)) {
            ch.read(ByteBuffer.wrap(header), 0);
        }
        for (byte b : header) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Replays one local TLog into the map, checking each write's bytes in its SCO file; cuts the TLog at the first
     * record that is torn or whose bytes did not reach the disk.
     *
     * @return whether it was cut
     */
    private boolean replay(long n, Path file, FileChannel sco) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        TLogFormat.checkHeader(b.duplicate(), n, layout.clusterSize(), "TLog " + n + " of vDisk " + layout.name());
        b.position(TLogFormat.RECORD);
        List<TLogRecord> records = new ArrayList<>();
        int cs = layout.clusterSize();
        ByteBuffer cluster = ByteBuffer.allocate(cs);
        boolean cut = false;
        while (b.remaining() >= TLogFormat.RECORD) {
            int at = b.position();
            TLogRecord r = TLogFormat.next(b);
            boolean good = r != null;
            if (good && r.type() == TLogRecord.WRITE) {
                ScoLocation l = r.location();
                cluster.clear();
                good = l.sco() == n && sco.read(cluster, (long) l.cluster() * cs) == cs
                        && crc(cluster.flip()) == r.dataCrc();
            }
            if (!good) {
                cut = true;
                b.position(at);
                break;
            }
            records.add(r);
        }
        if (cut || b.hasRemaining()) {
            long keep = b.position();
            LOG.warn("vDisk {}: TLog {} ends in {} bytes never flushed (a crash); they are cut off", layout.name(),
                    n, Files.size(file) - keep);
            try (FileChannel t = FileChannel.open(file, StandardOpenOption.WRITE)) {
                t.truncate(keep);
                t.force(false);
            }
        }
        for (int i = 0; i < records.size(); i += MAP_BATCH) {
            map.apply(layout.id(), records.subList(i, Math.min(records.size(), i + MAP_BATCH)));
        }
        return cut;
    }

    /** No local state: the map is rebuilt from the TLogs on the backend, in order, up to the first gap. */
    private void restoreFromBackend() {
        long expected = 1;
        String after = null;
        outer:
        for (;;) {
            ObjectStore.ObjectListing page = store.list(layout.namespace(), "tlog_", after, 1000);
            for (String name : page.names()) {
                long n = HexFormat.fromHexDigitsToLong(name.substring("tlog_".length()));
                if (n != expected) {
                    LOG.warn("vDisk {}: TLog {} is missing on the backend; TLogs from {} on are not replayed",
                            layout.name(), expected, n);
                    break outer;
                }
                ByteBuffer t = store.get(layout.namespace(), name).orElseThrow(() -> new StorageException("vDisk "
                        + layout.name() + ": TLog " + name + " vanished while it was replayed"));
                TLogFormat.checkHeader(t.duplicate(), n, layout.clusterSize(), "TLog " + n + " of vDisk "
                        + layout.name() + " on the backend");
                t.position(t.position() + TLogFormat.RECORD);
                List<TLogRecord> records = new ArrayList<>();
                while (t.remaining() >= TLogFormat.RECORD) {
                    TLogRecord r = TLogFormat.next(t);
                    if (r == null) {
                        throw new IntegrityException("vDisk " + layout.name() + ": TLog " + n + " on the backend "
                                + "has a damaged record");
                    }
                    records.add(r);
                }
                for (int i = 0; i < records.size(); i += MAP_BATCH) {
                    map.apply(layout.id(), records.subList(i, Math.min(records.size(), i + MAP_BATCH)));
                }
                store.stat(layout.namespace(), scoName(n)).ifPresent(i -> backendBytes.addAndGet(i.size()));
                expected = n + 1;
                after = name;
            }
            if (!page.more()) {
                break;
            }
        }
        replayFrom.set(expected);
        if (expected > 1) {
            LOG.info("vDisk {}: no local state; rebuilt its map from {} TLog(s) on the backend", layout.name(),
                    expected - 1);
        }
    }

    // ---- closing -----------------------------------------------------------------------------------------------------

    /** Flushes, seals the current SCO and waits (up to {@code waitMillis}) for the uploads; then closes its files. */
    @Override
    public void close() {
        close(TimeUnit.MINUTES.toMillis(2));
    }

    void close(long waitMillis) {
        log.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (current != null && (nextCluster > 0 || tail.position() > 0)) {
                seal();
            } else if (current != null) {
                // Nothing in it: its files go, so that no empty SCO is put.
                Sco empty = current;
                current = null;
                closeQuietly(tlog);
                closeQuietly(empty.channel);
                local.remove(empty.number);
                buffer.release(empty);
                try {
                    Files.deleteIfExists(empty.file);
                    Files.deleteIfExists(tlogFile(empty.number));
                } catch (IOException e) {
                    LOG.warn("vDisk {}: cannot remove the empty SCO {}", layout.name(), empty.number, e);
                }
            }
        } finally {
            log.unlock();
        }
        uploader.shutdown();
        try {
            if (!uploader.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
                LOG.warn("vDisk {}: closed with SCOs not yet on the backend; they are put at the next open",
                        layout.name());
                uploader.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            uploader.shutdownNow();
        }
        for (Sco s : local.values()) {
            closeQuietly(s.channel);
            buffer.release(s);
        }
    }

    /** Closes without flushing or waiting, as a crash would leave it (for tests of recovery). */
    void crash() {
        closed = true;
        uploader.shutdownNow();
        for (Sco s : local.values()) {
            closeQuietly(s.channel);
            buffer.release(s);
        }
        closeQuietly(tlog);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------------

    private void checkRange(long offset, long length) {
        long s = size;
        if (offset < 0 || length < 0 || offset + length > s || offset + length < 0) {
            throw new IllegalArgumentException("vDisk " + layout.name() + ": bytes " + offset + " to "
                    + (offset + length) + " are outside it (it has " + s + ")");
        }
    }

    private void checkOpen() {
        if (fenced != null) {
            throw fenced;
        }
        if (closed) {
            throw new VolumeException("vDisk " + layout.name() + " is closed");
        }
    }

    private Path scoFile(long n) {
        return dir.resolve("sco").resolve(HEX.toHexDigits(n));
    }

    private Path tlogFile(long n) {
        return dir.resolve("tlog").resolve(HEX.toHexDigits(n));
    }

    static String scoName(long n) {
        return "sco_" + HEX.toHexDigits(n);
    }

    static String tlogName(long n) {
        return "tlog_" + HEX.toHexDigits(n);
    }

    private static int crc(ByteBuffer b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    private static TreeMap<Long, Path> numbered(Path folder) throws IOException {
        TreeMap<Long, Path> out = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (n.length() == 16 && n.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    out.put(HexFormat.fromHexDigitsToLong(n), f);
                }
            }
        }
        return out;
    }

    private static void discard(Path file) throws IOException {
        Files.move(file, file.resolveSibling(file.getFileName() + ".discarded"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static void syncDirectory(Path d) throws IOException {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.warn("closing a write buffer file failed", e);
            }
        }
    }

    /** For tests: the SCO numbers with a file in the write buffer. */
    List<Long> localScos() {
        return List.copyOf(local.keySet());
    }

    /** For tests: whether a cluster's entry exists in the map. */
    Optional<LbaMap.Entry> entry(long cluster) {
        return map.get(layout.id(), cluster);
    }
}
