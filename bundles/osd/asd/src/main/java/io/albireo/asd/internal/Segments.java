package io.albireo.asd.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.IntegrityException;

/**
 * Values of an ASD from its blob threshold (64 KiB) up to {@code valueMax} (8 MiB), many to a file: segment files
 * under {@code segments/}, named by their 64-bit id in hex, appended to and never rewritten. A value goes at the next
 * aligned offset of the active segment, reserved atomically, so the write threads write side by side into one file;
 * a commit then makes all of a batch's values durable with one fdatasync per segment touched, where a file per value
 * took a create, an fdatasync and its share of a directory sync each (docs/ASD.md, docs/PERFORMANCE.md).
 *
 * <p>Space: a value superseded by a committed overwrite or delete has its blocks freed at once by punching a hole
 * (fallocate PUNCH_HOLE), and a segment whose values are all dead is unlinked. A value written by an apply that was
 * never committed (an assert failed, a crash came first) is an orphan: the first kind is punched right away; the
 * second is found at the next start, because a segment counts as sealed only once every value in it was decided
 * (committed or punched) and the ASD records the highest id below which every segment is sealed. At start the ASD
 * punches, in the few segments above that mark, every range no key points to ({@link #recover}).
 *
 * <p>Reads go through a channel per segment kept open; large values read once (repair, scrub) through a second one,
 * opened with direct I/O on first use ({@link DirectIo}). A reader checks after its read that the key still points to
 * what it read (AsdStore does), because a punched range reads as zeros, not as an error.
 */
final class Segments implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Segments.class);

    /**
     * Where a value was written.
     *
     * @param segment the segment's id
     * @param offset where the value starts (aligned)
     * @param length the value's length
     * @param crc the CRC32C of its bytes
     */
    record Placed(long segment, long offset, int length, int crc) {
        long padded() {
            return DirectIo.padded(length);
        }
    }

    /**
     * What the start-up scan of the keys found of the segments.
     *
     * @param certain whether every key was read and verified (else nothing is punched or removed)
     * @param live the padded bytes of the values each segment holds
     * @param referenced per segment above the sealed mark, the ranges keys point to: offset, padded length, ...
     */
    record Found(boolean certain, Map<Long, Long> live, Map<Long, List<long[]>> referenced) {
    }

    /** One segment file. */
    private final class Segment {
        final long id;
        final Path path;
        final FileChannel read;
        /** For reads of values read once, with direct I/O where enabled; opened on first use. */
        private FileChannel direct;
        /** For appends (direct where enabled); closed once sealed and drained. */
        volatile FileChannel write;
        /** The end of the bytes reserved so far. */
        final AtomicLong end;
        /** The padded bytes of committed values not freed. */
        final AtomicLong live;
        /** Values reserved and not yet committed or abandoned. */
        final AtomicInteger undecided = new AtomicInteger();
        /** For punching holes: a descriptor of libc's, opened on first use. */
        volatile int punchFd = -1;
        volatile boolean punchFailed;
        /** Set when an fdatasync of it failed: nothing written to it since is synced again. */
        volatile boolean syncFailed;
        volatile boolean deleted;

        Segment(long id, Path path, FileChannel read, FileChannel write, long end, long live) {
            this.id = id;
            this.path = path;
            this.read = read;
            this.write = write;
            this.end = new AtomicLong(end);
            this.live = new AtomicLong(live);
        }

        /** @return the offset reserved for {@code padded} bytes, or -1 if the segment is full */
        long reserve(long padded) {
            // Counted before the range is taken, so that the write channel is never closed under a reservation.
            undecided.incrementAndGet();
            for (;;) {
                long at = end.get();
                if (at > 0 && at + padded > segmentBytes) {
                    decided(this);
                    return -1;
                }
                if (end.compareAndSet(at, at + padded)) {
                    return at;
                }
            }
        }

        boolean sealed() {
            return this != active && undecided.get() == 0;
        }

        void punch(long offset, long length) {
            try {
                int fd = punchFd;
                if (fd < 0) {
                    synchronized (this) {
                        if (deleted) {
                            return;
                        }
                        fd = punchFd;
                        if (fd < 0) {
                            fd = LibC.open(path.toString(), LibC.O_WRONLY | LibC.O_CLOEXEC);
                            if (fd < 0) {
                                throw new IOException("open: errno " + LibC.errno());
                            }
                            punchFd = fd;
                        }
                    }
                }
                if (LibC.fallocate(fd, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, offset, length) != 0) {
                    throw new IOException("fallocate: errno " + LibC.errno());
                }
            } catch (IOException | UnsatisfiedLinkError e) {
                // Only space is at stake: the range stays allocated until the segment is unlinked. Said once a
                // segment, as a file system without hole punching would fail every free.
                if (!punchFailed) {
                    punchFailed = true;
                    LOG.warn("ASD {}: cannot free {} bytes at {} of segment {} ({}); its space comes back when all of "
                            + "it is dead", name, length, offset, Long.toHexString(id), e.toString());
                }
            }
        }

        /** @return the channel for direct reads, opened now if it is not yet */
        synchronized FileChannel direct() throws IOException {
            if (deleted) {
                throw new ClosedChannelException();
            }
            if (direct == null) {
                direct = io.openForDirectRead(path);
            }
            return direct;
        }

        synchronized void close() {
            closeQuietly(read);
            closeQuietly(direct);
            direct = null;
            closeQuietly(write);
            write = null;
            if (punchFd >= 0) {
                LibC.close(punchFd);
                punchFd = -1;
            }
        }
    }

    private final Path dir;
    private final String name;
    private final long segmentBytes;
    private final DirectIo io;
    private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    private final Object rolling = new Object();
    private volatile Segment active;
    /** Set when a segment was created and the directory entry is not yet durable. */
    private volatile boolean directoryDirty;
    /** Every segment up to this id is sealed: its values all decided. Advanced by the committer. */
    private long sealedThrough;

    /**
     * @param dir the segments' folder
     * @param name the ASD, for messages
     * @param segmentBytes the size at which the active segment is left for a new one
     * @param direct whether to write with direct I/O where the file system allows it
     * @param sealedThrough the mark recorded by the last run: every segment up to it sealed
     */
    private Segments(Path dir, String name, long segmentBytes, boolean direct, long sealedThrough) throws IOException {
        this.dir = dir;
        this.name = name;
        this.segmentBytes = segmentBytes;
        Directories.create(dir);
        this.io = new DirectIo(dir, direct);
        this.sealedThrough = sealedThrough;
    }

    /**
     * Opens the segments at start, after the scan of the keys: every segment above the sealed mark has the ranges no
     * key points to punched (orphans of a crash) and its tail cut; a segment no key points to is unlinked. Nothing is
     * punched or removed unless the scan was certain. Then a new active segment begins, and every old one is sealed.
     *
     * @param found what the scan of the keys found
     * @return the segments, and in {@link #sealedThrough()} the mark to record now
     */
    static Segments recover(Path dir, String name, long segmentBytes, boolean direct, long sealedThrough,
            Found found) throws IOException {
        Segments s = new Segments(dir, name, segmentBytes, direct, sealedThrough);
        long max = sealedThrough;
        long punched = 0;
        int removed = 0;
        List<Path> unknown = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String n = file.getFileName().toString();
                if (n.length() != 16 || !n.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    if (!n.equals("direct-io-probe")) {
                        unknown.add(file);
                    }
                    continue;
                }
                long id = HexFormat.fromHexDigitsToLong(n);
                max = Math.max(max, id);
                long live = found.live().getOrDefault(id, 0L);
                if (found.certain() && live == 0) {
                    Files.delete(file);
                    removed++;
                    continue;
                }
                long size = Files.size(file);
                if (found.certain() && id > sealedThrough) {
                    punched += s.punchOrphans(file, size, found.referenced().getOrDefault(id, List.of()));
                    size = Files.size(file);
                }
                FileChannel read = FileChannel.open(file, StandardOpenOption.READ);
                Segment segment = s.new Segment(id, file, read, null, DirectIo.padded(size), live);
                if (!found.certain() && id > sealedThrough) {
                    // Its orphans were not freed: it stays unsealed, so the mark stops below it until a start can.
                    segment.undecided.incrementAndGet();
                }
                s.segments.put(id, segment);
            }
        }
        for (Path file : unknown) {
            LOG.warn("ASD {}: {} in the segment folder is not a segment; it is kept", name, file);
        }
        if (removed > 0 || punched > 0) {
            Directories.sync(dir);
            LOG.info("ASD {}: removed {} segment(s) no key points to, freed {} bytes of orphaned values", name,
                    removed, punched);
        }
        // Every old segment is decided now: the next one starts above them all, and they count as sealed.
        if (found.certain()) {
            s.sealedThrough = max;
        }
        s.roll(max + 1);
        return s;
    }

    /** Punches every range of a segment above the sealed mark that no key points to, and cuts its tail off. */
    private long punchOrphans(Path file, long size, List<long[]> ranges) throws IOException {
        List<long[]> sorted = new ArrayList<>(ranges);
        sorted.sort((a, b) -> Long.compare(a[0], b[0]));
        long freed = 0;
        long at = 0;
        int fd = LibC.open(file.toString(), LibC.O_WRONLY | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("cannot open " + file + " to free its orphans: errno " + LibC.errno());
        }
        boolean punching = true;
        try {
            for (long[] r : sorted) {
                if (r[0] > at && punching) {
                    if (LibC.fallocate(fd, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, at, r[0] - at) == 0) {
                        freed += r[0] - at;
                    } else {
                        // Only space is at stake: the orphans stay allocated until the segment is unlinked.
                        LOG.warn("ASD {}: cannot free the orphans of {} (fallocate: errno {})", name, file,
                                LibC.errno());
                        punching = false;
                    }
                }
                at = Math.max(at, r[0] + r[1]);
            }
        } finally {
            LibC.close(fd);
        }
        if (size > at) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(at);
                ch.force(true);
            }
            freed += size - at;
        }
        return freed;
    }

    /** Leaves the active segment for a new one of this id, unless another thread did so already. */
    private void roll(long id) throws IOException {
        Path file = dir.resolve(HexFormat.of().toHexDigits(id));
        FileChannel write = io.openForWrite(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileChannel read;
        try {
            read = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            write.close();
            throw e;
        }
        Segment next = new Segment(id, file, read, write, 0, 0);
        segments.put(id, next);
        directoryDirty = true;
        Segment old = active;
        active = next;
        if (old != null) {
            retireWriter(old);
        }
    }

    /** Closes a former active segment's write channel once no write is under way in it. */
    private void retireWriter(Segment s) {
        synchronized (s) {
            if (s != active && s.write != null && s.undecided.get() == 0) {
                closeQuietly(s.write);
                s.write = null;
            }
        }
    }

    /**
     * Writes a value into the active segment, leaving for a new segment when it is full. Not synced: {@link #sync}
     * at the commit makes it durable.
     */
    Placed write(ByteBuffer value, int crc) throws IOException {
        long padded = DirectIo.padded(value.remaining());
        for (;;) {
            Segment s = active;
            long at = s.reserve(padded);
            if (at < 0) {
                synchronized (rolling) {
                    if (active == s) {
                        roll(segments.lastKey() + 1);
                    }
                }
                continue;
            }
            Placed placed = new Placed(s.id, at, value.remaining(), crc);
            FileChannel ch;
            synchronized (s) {
                ch = s.write;
            }
            if (ch == null) {
                // A segment left for a new one between reading the active one and reserving: nothing was written
                // into the range, so it needs no hole; try the new segment.
                decided(s);
                continue;
            }
            try {
                io.write(ch, at, value);
                return placed;
            } catch (IOException | RuntimeException e) {
                abandon(List.of(placed));
                throw e;
            }
        }
    }

    /**
     * Makes the values written into these segments durable, and the new segments' names: one fdatasync per segment,
     * one fsync of the folder if a segment was created since the last.
     */
    void sync(Collection<Long> ids) throws IOException {
        for (long id : ids) {
            Segment s = segments.get(id);
            if (s == null) {
                continue;
            }
            if (s.syncFailed) {
                throw new IOException("an earlier sync of segment " + Long.toHexString(id) + " failed, so what was "
                        + "written to it since cannot be trusted to be durable");
            }
            try {
                s.read.force(false);
            } catch (IOException e) {
                // After a failed fdatasync Linux may have dropped the dirty pages and will report the error only once:
                // a later sync of this file could succeed without the data. Nothing unsynced in it is committed
                // from now on, and new values go to a new segment.
                s.syncFailed = true;
                synchronized (rolling) {
                    if (active == s) {
                        roll(segments.lastKey() + 1);
                    }
                }
                throw e;
            }
        }
        if (directoryDirty) {
            directoryDirty = false;
            try {
                Directories.sync(dir);
            } catch (IOException e) {
                directoryDirty = true;
                throw e;
            }
        }
    }

    /** The values are committed: they count as live, and their segments may seal. */
    void committed(Collection<Placed> values) {
        for (Placed p : values) {
            Segment s = segments.get(p.segment());
            if (s != null) {
                s.live.addAndGet(p.padded());
                decided(s);
            }
        }
    }

    /** The values will never be committed: their ranges are freed, and their segments may seal. */
    void abandon(Collection<Placed> values) {
        for (Placed p : values) {
            Segment s = segments.get(p.segment());
            if (s != null) {
                s.punch(p.offset(), p.padded());
                decided(s);
            }
        }
    }

    private void decided(Segment s) {
        if (s.undecided.decrementAndGet() == 0 && s != active) {
            retireWriter(s);
            if (s.live.get() == 0) {
                delete(s);
            }
        }
    }

    /**
     * A committed overwrite or delete superseded this value: its range is freed, and its segment unlinked once it
     * holds nothing live and is sealed. Call only after the superseding commit's WAL write, and only for values a
     * committed key pointed to.
     */
    void free(long segment, long offset, long length) {
        Segment s = segments.get(segment);
        if (s == null) {
            return;
        }
        long padded = DirectIo.padded(length);
        s.punch(offset, padded);
        if (s.live.addAndGet(-padded) <= 0 && s.sealed()) {
            delete(s);
        }
    }

    private void delete(Segment s) {
        synchronized (s) {
            if (s.deleted) {
                return;
            }
            s.deleted = true;
        }
        segments.remove(s.id, s);
        s.close();
        try {
            Files.deleteIfExists(s.path);
        } catch (IOException e) {
            // The next start finds no key pointing into it and removes it.
            LOG.warn("ASD {}: cannot remove the empty segment {}", name, s.path, e);
        }
    }

    /**
     * Reads {@code length} bytes at {@code offset} of a segment.
     *
     * @param once whether the value is read once (repair, scrub): a large one is then read with direct I/O
     * @throws NoSuchFileException if the segment is gone (everything in it was superseded meanwhile)
     * @throws IntegrityException if the segment is shorter than that
     */
    ByteBuffer read(long segment, long offset, int length, boolean once) throws IOException {
        Segment s = segments.get(segment);
        if (s == null) {
            throw new NoSuchFileException("segment " + Long.toHexString(segment));
        }
        try {
            ByteBuffer out;
            if (once && io.enabled() && length >= DirectIo.DIRECT_READ_MIN) {
                out = io.read(s.direct(), offset, length);
            } else {
                out = ByteBuffer.allocate(length);
                while (out.hasRemaining() && s.read.read(out, offset + out.position()) >= 0) {
                    // until the value is read or the file ends
                }
                out.flip();
            }
            if (out.remaining() < length) {
                throw new IntegrityException("segment " + Long.toHexString(segment) + " is shorter than a pointer "
                        + "into it says: " + out.remaining() + " bytes from " + offset + ", wanted " + length);
            }
            return out;
        } catch (ClosedChannelException e) {
            throw new NoSuchFileException("segment " + Long.toHexString(segment));
        }
    }

    /** @return whether values read once are read with direct I/O (where the file system takes it) */
    boolean directReads() {
        return io.enabled();
    }

    /**
     * @return the highest id below which every segment is sealed, advanced over the segments sealed or unlinked
     *         since the last call; the committer records it
     */
    synchronized long sealedThrough() {
        Segment a = active;
        for (long id = sealedThrough + 1; a != null && id < a.id; id++) {
            Segment s = segments.get(id);
            if (s != null && !s.sealed()) {
                break;
            }
            sealedThrough = id;
        }
        return sealedThrough;
    }

    /** @return the ids of the segment files, in order */
    List<Long> ids() {
        return List.copyOf(segments.keySet());
    }

    /** @return the padded bytes of the committed values the segments hold */
    long liveBytes() {
        return segments.values().stream().mapToLong(s -> s.live.get()).sum();
    }

    @Override
    public void close() {
        for (Segment s : segments.values()) {
            s.close();
        }
        segments.clear();
    }

    private void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.warn("ASD {}: closing a segment's channel failed", name, e);
            }
        }
    }
}
