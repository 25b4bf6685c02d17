package io.albireo.proxy.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.Bytes;

/**
 * Whole fragments on local disk, one file per fragment named by its key in hex, at most {@code capacity} bytes, least
 * recently used out first. Filled with the data fragments of new objects and with fragments read whole (verified
 * first). Survives restarts: at start the files are indexed oldest first by modification time, which a hit refreshes
 * at most once a minute per file (the order in memory is exact; a metadata write per 4 KiB hit would not be cheap).
 * A fragment's key carries the object id, new at every put, so an entry is never stale, only unused.
 *
 * <p>Files of evicted entries are kept as spares (up to {@link #SPARES}) and reused by the next puts, truncated and
 * rewritten under a new name: creating and unlinking a file per fragment made ext4 search its inode bitmaps for every
 * create (find_inode_bit, recently_deleted: about 6% of the CPU of 4 MiB puts, docs/PERFORMANCE.md). A file that a
 * read has open when its entry goes is unlinked instead, so a read never sees another fragment's bytes.
 */
final class FragmentCache {
    private static final Logger LOG = LoggerFactory.getLogger(FragmentCache.class);

    private final Path dir;
    private final long capacity;
    private static final long TOUCH_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);

    /** A cached fragment: its size, and when its file's modification time was last set. */
    private static final class Entry {
        final long size;
        long touched;

        Entry(long size, long touched) {
            this.size = size;
            this.touched = touched;
        }
    }

    /** The most files of evicted entries kept for reuse. */
    static final int SPARES = 64;
    private static final String SPARE = ".spare";

    private final LinkedHashMap<String, Entry> index = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    /** Reads under way, by name: their files are never reused while open. */
    private final Map<String, Integer> reading = new HashMap<>();
    /** Files of evicted entries, free to be rewritten. */
    private final ArrayDeque<Path> spares = new ArrayDeque<>();
    private long spareNames;
    /** For tests: runs in a read once its file is open. */
    volatile Runnable readHook;

    FragmentCache(Path dir, long capacity) {
        this.dir = dir;
        this.capacity = capacity;
        if (capacity <= 0) {
            return;
        }
        try {
            Files.createDirectories(dir);
            record Found(Path path, FileTime time, long size) {
            }
            List<Found> found = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    String n = p.getFileName().toString();
                    if (n.endsWith(".tmp") || n.endsWith(SPARE)) {
                        Files.deleteIfExists(p);
                    } else if (Files.isRegularFile(p)) {
                        found.add(new Found(p, Files.getLastModifiedTime(p), Files.size(p)));
                    }
                }
            }
            found.sort(Comparator.comparing(Found::time));
            for (Found f : found) {
                index.put(f.path().getFileName().toString(), new Entry(f.size(), System.nanoTime()));
                bytes += f.size();
            }
            release(evict());
        } catch (IOException e) {
            LOG.warn("fragment cache {} could not be indexed; starting empty: {}", dir, e.toString());
        }
    }

    private static String name(Bytes key) {
        return HexFormat.of().formatHex(key.toByteArray());
    }

    boolean enabled() {
        return capacity > 0;
    }

    /** Stores a whole fragment (the remaining bytes; the buffer does not move). */
    void put(Bytes key, ByteBuffer fragment) {
        if (capacity <= 0 || fragment.remaining() > capacity) {
            return;
        }
        String name = name(key);
        Path spare;
        synchronized (this) {
            if (index.containsKey(name)) {
                return;
            }
            spare = spares.poll();
        }
        Path tmp = dir.resolve(name + "." + Thread.currentThread().getId() + ".tmp");
        if (spare != null) {
            try {
                Files.move(spare, tmp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                LOG.debug("fragment cache: a spare file could not be reused: {}", e.toString());
            }
        }
        // A spare is overwritten in place and then cut to length, never truncated to 0 first: ext4 flushes a file
        // truncated to 0 and rewritten when it is closed (auto_da_alloc), which sent every cached fragment to the disk
        // at once, where a file that goes within the writeback delay is never written at all.
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = fragment.duplicate();
            while (b.hasRemaining()) {
                ch.write(b, b.position() - fragment.position());
            }
            if (ch.size() > fragment.remaining()) {
                ch.truncate(fragment.remaining());
            }
            Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.debug("fragment cache write failed: {}", e.toString());
            return;
        }
        List<String> evicted;
        synchronized (this) {
            Entry old = index.put(name, new Entry(fragment.remaining(), System.nanoTime()));
            bytes += fragment.remaining() - (old == null ? 0 : old.size);
            evicted = evict();
        }
        release(evicted);
    }

    /** @return bytes of a cached fragment, or empty if it is not cached (or was evicted meanwhile) */
    Optional<ByteBuffer> read(Bytes key, long offset, int length) {
        if (capacity <= 0) {
            return Optional.empty();
        }
        String name = name(key);
        boolean touch;
        synchronized (this) {
            Entry e = index.get(name);
            if (e == null || offset + length > e.size) {
                return Optional.empty();
            }
            long now = System.nanoTime();
            touch = now - e.touched > TOUCH_NANOS;
            if (touch) {
                e.touched = now;
            }
            reading.merge(name, 1, Integer::sum);
        }
        Path p = dir.resolve(name);
        try {
            return read(p, offset, length, touch);
        } finally {
            synchronized (this) {
                reading.computeIfPresent(name, (n, c) -> c == 1 ? null : c - 1);
            }
        }
    }

    private Optional<ByteBuffer> read(Path p, long offset, int length, boolean touch) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            Runnable hook = readHook;
            if (hook != null) {
                hook.run();
            }
            ByteBuffer out = ByteBuffer.allocate(length);
            while (out.hasRemaining()) {
                if (ch.read(out, offset + out.position()) < 0) {
                    return Optional.empty();
                }
            }
            if (touch) {
                Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis()));
            }
            return Optional.of(out.flip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    void remove(Bytes key) {
        if (capacity <= 0) {
            return;
        }
        String name = name(key);
        synchronized (this) {
            Entry e = index.remove(name);
            if (e == null) {
                return;
            }
            bytes -= e.size;
        }
        release(List.of(name));
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int count() {
        return index.size();
    }

    /** Takes the least recently used entries out until the cache fits; their files go in {@link #release}. */
    private List<String> evict() {
        List<String> out = new ArrayList<>();
        Iterator<Map.Entry<String, Entry>> it = index.entrySet().iterator();
        while (bytes > capacity && it.hasNext()) {
            Map.Entry<String, Entry> e = it.next();
            it.remove();
            bytes -= e.getValue().size;
            out.add(e.getKey());
        }
        return out;
    }

    /**
     * Keeps the files of entries taken out of the index as spares, or unlinks them when there is no room for spares or
     * a read has one open. The check and the rename hold the lock, under which reads open files: no read can open a
     * file once it is a spare. A name cached again meanwhile is the new entry's file, and is left alone.
     */
    private void release(List<String> names) {
        for (String name : names) {
            Path file = dir.resolve(name);
            synchronized (this) {
                if (index.containsKey(name)) {
                    continue;
                }
                if (!reading.containsKey(name) && spares.size() < SPARES) {
                    Path spare = dir.resolve("s" + spareNames++ + SPARE);
                    try {
                        Files.move(file, spare, StandardCopyOption.ATOMIC_MOVE);
                        spares.add(spare);
                        continue;
                    } catch (IOException e) {
                        LOG.debug("fragment cache: {} could not be kept as a spare: {}", name, e.toString());
                    }
                }
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.debug("fragment cache eviction failed: {}", e.toString());
            }
        }
    }
}
