package io.albireo.object.layout;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import io.albireo.api.metadata.Manifest;

/**
 * The heads of chunks' stored forms in memory: the index region in pages of {@link #PAGE} bytes and the sealed
 * header, at most {@code capacity} bytes, least recently used out first. Every range read needs index entries and the
 * header before it knows which sealed blocks to fetch; with them here, a read is one round trip to the OSDs instead of
 * two. Filled by writes ({@link #fill}, from the encoded fragments) and by reads (the pages they fetch).
 * <p>
 * Entries are keyed by object id and chunk, and an object id is new at every put, so an entry is never stale, only
 * unused. What a read puts here is checked when used (frame crc32c, the cipher's tags); a {@link RangeReader} whose
 * bytes do not verify drops the chunk's entries before it tries other fragments. Thread-safe.
 */
public final class ChunkHeads {
    /** Bytes per cached page of the index region: 128 entries, the frames of 128 blocks. */
    public static final int PAGE = 512;
    /** What an entry costs besides its bytes (map node, key, array header), for the bound. */
    private static final int OVERHEAD = 96;
    private static final int HEADER_PAGE = -1;

    /** A chunk: its object's id (new at every put) and its index in the manifest. */
    public record Key(String objectId, int chunk) {
    }

    private record Page(Key chunk, int page) {
    }

    /** What the cache holds and how it was used. */
    public record Statistics(long hits, long misses, long entries, long bytes) {
    }

    private final long capacity;
    private final LinkedHashMap<Page, byte[]> pages = new LinkedHashMap<>(256, 0.75f, true);
    private long bytes;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    /** @param capacity the most bytes held (pages, headers and their overhead); 0 keeps nothing */
    public ChunkHeads(long capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("the capacity must not be negative; got " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * Caches the head of a chunk just encoded: its index pages and sealed header, from its data fragments.
     *
     * @param p the pipeline that encoded it
     */
    public void fill(Key key, Pipeline p, EncodedChunk encoded) {
        if (capacity == 0) {
            return;
        }
        int[] none = new int[encoded.fragments().size()];
        Arrays.fill(none, Manifest.Fragment.NOT_WRITTEN);
        StoredForm form = StoredForm.of(p, encoded.manifestChunk(none));
        int headLength = form.indexLength + form.sealed.headerLength();
        ByteBuffer head = ByteBuffer.allocate(headLength);
        for (int j = 0; head.hasRemaining(); j++) {
            ByteBuffer f = encoded.fragments().get(j).duplicate();
            f.limit(f.position() + Math.min(f.remaining(), head.remaining()));
            head.put(f);
        }
        byte[] b = head.array();
        synchronized (this) {
            for (int page = 0; page * PAGE < form.indexLength; page++) {
                store(new Page(key, page), Arrays.copyOfRange(b, page * PAGE,
                        Math.min((page + 1) * PAGE, form.indexLength)));
            }
            if (form.sealed.headerLength() > 0) {
                store(new Page(key, HEADER_PAGE), Arrays.copyOfRange(b, form.indexLength, headLength));
            }
            evict();
        }
    }

    /** @return the hit and miss counts, the entries and the bytes held */
    public synchronized Statistics statistics() {
        return new Statistics(hits.sum(), misses.sum(), pages.size(), bytes);
    }

    /**
     * @return stored-form bytes [start, start + count) of the chunk's head if every page of them is here, else null
     * @param start and {@code count} either the header exactly, or a range inside the index region
     */
    ByteBuffer get(Key key, StoredForm form, long start, int count) {
        if (capacity == 0) {
            return null;
        }
        if (isHeader(form, start)) {
            byte[] header;
            synchronized (this) {
                header = pages.get(new Page(key, HEADER_PAGE));
            }
            return counted(header == null ? null : ByteBuffer.wrap(header));
        }
        int first = (int) (start / PAGE);
        int last = (int) ((start + count - 1) / PAGE);
        ByteBuffer out = ByteBuffer.allocate(count);
        synchronized (this) {
            for (int page = first; page <= last; page++) {
                byte[] b = pages.get(new Page(key, page));
                long pageStart = (long) page * PAGE;
                long from = Math.max(start, pageStart);
                long to = Math.min(start + count, pageStart + PAGE);
                if (b == null || to - pageStart > b.length) {
                    return counted(null);
                }
                out.put((int) (from - start), b, (int) (from - pageStart), (int) (to - from));
            }
        }
        return counted(out);
    }

    private ByteBuffer counted(ByteBuffer hit) {
        (hit == null ? misses : hits).increment();
        return hit;
    }

    private static boolean isHeader(StoredForm form, long start) {
        return form.sealed.headerLength() > 0 && start == form.indexLength;
    }

    /**
     * @return what to fetch so that the pages holding [start, start + count) can be cached: the header exactly, or
     *         whole pages of the index region (the last one ends with the region), as {start, end}
     */
    static long[] span(StoredForm form, long start, int count) {
        if (isHeader(form, start)) {
            return new long[] {start, start + count};
        }
        long from = start / PAGE * PAGE;
        long to = Math.min(((start + count - 1) / PAGE + 1) * PAGE, form.indexLength);
        return new long[] {from, to};
    }

    /** Caches bytes fetched for {@link #span}: {@code fetched} holds stored-form bytes from {@code spanStart}. */
    void put(Key key, StoredForm form, long spanStart, ByteBuffer fetched) {
        if (capacity == 0) {
            return;
        }
        byte[] b = new byte[fetched.remaining()];
        fetched.get(fetched.position(), b);
        synchronized (this) {
            if (isHeader(form, spanStart)) {
                store(new Page(key, HEADER_PAGE), b);
            } else {
                for (int at = 0; at < b.length; at += PAGE) {
                    store(new Page(key, (int) ((spanStart + at) / PAGE)),
                            Arrays.copyOfRange(b, at, Math.min(at + PAGE, b.length)));
                }
            }
            evict();
        }
    }

    /** Drops a chunk's head: its bytes did not verify, or may not have. */
    void invalidate(Key key, StoredForm form) {
        synchronized (this) {
            for (int page = HEADER_PAGE; page * PAGE < form.indexLength; page++) {
                byte[] b = pages.remove(new Page(key, page));
                if (b != null) {
                    bytes -= b.length + OVERHEAD;
                }
            }
        }
    }

    private void store(Page page, byte[] b) {
        byte[] old = pages.put(page, b);
        bytes += b.length + OVERHEAD - (old == null ? 0 : old.length + OVERHEAD);
    }

    private void evict() {
        Iterator<Map.Entry<Page, byte[]>> it = pages.entrySet().iterator();
        while (bytes > capacity && it.hasNext()) {
            bytes -= it.next().getValue().length + OVERHEAD;
            it.remove();
        }
    }
}
