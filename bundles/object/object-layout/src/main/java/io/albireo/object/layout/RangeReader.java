package io.albireo.object.layout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.albireo.api.IntegrityException;
import io.albireo.api.StorageException;
import io.albireo.api.codec.Cipher.BlockRange;
import io.albireo.api.metadata.Manifest;

/**
 * Reads byte ranges of a chunk from its fragments, fetching only the index entries, the sealed header and the sealed
 * blocks that hold the range. Every byte returned has passed the cipher's authentication (when it encrypts) and its
 * frame's crc32c. Where a fragment fails or the bytes read do not verify, the same columns of other fragments are
 * fetched and the missing ones rebuilt (RS works bytewise: columns [a, b) of any k fragments give [a, b) of all).
 */
public final class RangeReader {

    private RangeReader() {
    }

    /**
     * Reads logical bytes [offset, offset + length) of a chunk.
     *
     * @param p the object's algorithms, with the key unless the cipher is "none"
     * @param chunk the chunk, as in the manifest
     * @param source where fragment bytes come from
     * @return the bytes, positioned at 0; completes with a {@link StorageException} when more than m fragments fail to
     *         answer, or an {@link IntegrityException} when no k fragments tried give bytes that verify
     * @throws IllegalArgumentException if the range is outside the chunk, or the chunk does not fit the pipeline
     */
    public static CompletableFuture<ByteBuffer> read(Pipeline p, Manifest.Chunk chunk, FragmentSource source,
            long offset, int length) {
        return read(p, chunk, source, offset, length, null, null, ReadAround.NONE);
    }

    /** Told of the fragments a range read had to do without. */
    @FunctionalInterface
    public interface ReadAround {
        /** Tells nothing. */
        ReadAround NONE = (fragment, corrupt, why) -> {
        };

        /**
         * @param fragment the fragment's index
         * @param corrupt true when it answered with bytes that did not verify (the read succeeded without it, so it
         *        needs repair), false when it did not answer
         * @param why what happened, for a log or a work item
         */
        void fragment(int fragment, boolean corrupt, String why);
    }

    /**
     * Reads logical bytes [offset, offset + length) of a chunk, with the chunk's head (index pages and sealed header)
     * from {@code heads} when it is there, so that the read fetches only the sealed blocks: one round trip.
     *
     * @param heads the cache of chunk heads, or null for none
     * @param key the chunk's key in {@code heads}
     * @param readAround told of each fragment that did not answer, and of each whose bytes did not verify when the
     *        read succeeded without them
     */
    public static CompletableFuture<ByteBuffer> read(Pipeline p, Manifest.Chunk chunk, FragmentSource source,
            long offset, int length, ChunkHeads heads, ChunkHeads.Key key, ReadAround readAround) {
        StoredForm form = StoredForm.of(p, chunk);
        if (offset < 0 || length < 0 || offset + length > chunk.length()) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " is outside a chunk of "
                    + chunk.length() + " bytes");
        }
        if (length == 0) {
            return CompletableFuture.completedFuture(ByteBuffer.allocate(0));
        }
        return new Read(p, form, source, offset, length, key == null ? null : heads, key, readAround)
                .run(Set.of());
    }

    /** A fragment did not answer, or answered with the wrong number of bytes. */
    private static final class FragmentFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int fragment;

        FragmentFailure(int fragment, String message, Throwable cause) {
            super("fragment " + fragment + ": " + message, cause);
            this.fragment = fragment;
        }
    }

    /** One range read: its retries share what they learnt of the fragments. */
    private static final class Read {
        private final Pipeline p;
        private final StoredForm form;
        private final FragmentSource source;
        private final long offset;
        private final int length;
        private final int firstBlock;
        private final int lastBlock;
        /** Fragments that failed to answer: never asked again by this read. */
        private final Map<Integer, String> failed = new ConcurrentHashMap<>();
        /** The sets of suspected fragments already tried. */
        private final Set<Set<Integer>> tried = ConcurrentHashMap.newKeySet();
        private final AtomicInteger attempts = new AtomicInteger();
        private final int maxAttempts;
        private final ChunkHeads heads;
        private final ChunkHeads.Key key;
        private final ReadAround readAround;

        Read(Pipeline p, StoredForm form, FragmentSource source, long offset, int length, ChunkHeads heads,
                ChunkHeads.Key key, ReadAround readAround) {
            this.heads = heads;
            this.key = key;
            this.readAround = readAround;
            this.p = p;
            this.form = form;
            this.source = source;
            this.offset = offset;
            this.length = length;
            this.firstBlock = (int) (offset / form.blockSize);
            this.lastBlock = (int) ((offset + length - 1) / form.blockSize);
            // Bounds the search for a bad fragment among the suspects: a few per fragment.
            this.maxAttempts = 4 * (form.k + form.m);
        }

        private String range() {
            return "bytes [" + offset + ", " + (offset + length) + ") of a chunk of " + form.length;
        }

        /** Reads with the suspected fragments (and the failed ones) rebuilt from others rather than read. */
        CompletableFuture<ByteBuffer> run(Set<Integer> suspects) {
            Set<Integer> excluded = new TreeSet<>(suspects);
            excluded.addAll(failed.keySet());
            if (failed.size() > form.m) {
                return CompletableFuture.failedFuture(new StorageException("cannot read " + range() + ": RS("
                        + form.k + "," + form.m + ") needs " + form.k + " fragments and " + failed.size()
                        + " failed: " + new TreeMap<>(failed)));
            }
            if (attempts.incrementAndGet() > maxAttempts) {
                return CompletableFuture.failedFuture(new IntegrityException("cannot read " + range() + ": no set of"
                        + " fragments verified in " + maxAttempts + " attempts"));
            }
            tried.add(Set.copyOf(suspects));
            Attempt attempt = new Attempt(excluded);
            return attempt.read().handle((bytes, error) -> {
                if (error == null) {
                    for (int s : suspects) {
                        readAround.fragment(s, true, "its bytes did not verify; read without it");
                    }
                    return CompletableFuture.completedFuture(bytes);
                }
                Throwable cause = unwrap(error);
                if (cause instanceof FragmentFailure f) {
                    String why = String.valueOf(f.getCause() == null ? f.getMessage() : f.getCause());
                    if (failed.put(f.fragment, why) == null) {
                        readAround.fragment(f.fragment, false, why);
                    }
                    return run(suspects);
                }
                if (cause instanceof IntegrityException e) {
                    if (heads != null) {
                        // The cached head may be what did not verify: the next attempt fetches it again.
                        heads.invalidate(key, form);
                    }
                    List<Integer> candidates = new ArrayList<>(attempt.suspectOrder());
                    candidates.removeAll(excluded);
                    return next(suspects, candidates, 0, e);
                }
                return CompletableFuture.<ByteBuffer>failedFuture(cause);
            }).thenCompose(f -> f);
        }

        /** Tries suspecting each candidate in turn, after {@code suspects} gave bytes that did not verify. */
        private CompletableFuture<ByteBuffer> next(Set<Integer> suspects, List<Integer> candidates, int i,
                IntegrityException last) {
            for (; i < candidates.size(); i++) {
                Set<Integer> more = new TreeSet<>(suspects);
                more.add(candidates.get(i));
                Set<Integer> excluded = new TreeSet<>(more);
                excluded.addAll(failed.keySet());
                if (excluded.size() <= form.m && !tried.contains(Set.copyOf(more))) {
                    int following = i + 1;
                    return run(more).exceptionallyCompose(error -> {
                        Throwable cause = unwrap(error);
                        boolean exhausted = attempts.get() >= maxAttempts || failed.size() > form.m;
                        return cause instanceof IntegrityException e && !exhausted
                                ? next(suspects, candidates, following, e)
                                : CompletableFuture.failedFuture(cause);
                    });
                }
            }
            return CompletableFuture.failedFuture(new IntegrityException("cannot read " + range() + ": it does not"
                    + " verify from any " + form.k + " of the fragments that answered (failed: " + failed.keySet()
                    + "); last: " + last.getMessage(), last));
        }

        /** One try, with a fixed set of fragments rebuilt rather than read. */
        private final class Attempt {
            private final Set<Integer> excluded;
            /** The bytes read from each fragment as itself, and the fragments read to rebuild others. */
            private final Map<Integer, Long> direct = new ConcurrentHashMap<>();
            private final Set<Integer> sources = ConcurrentHashMap.newKeySet();

            Attempt(Set<Integer> excluded) {
                this.excluded = excluded;
            }

            /** The fragments to suspect next: those read directly, the most bytes first, then the sources. */
            List<Integer> suspectOrder() {
                List<Integer> order = new ArrayList<>(direct.keySet());
                order.sort(Comparator.comparing((Integer f) -> direct.get(f)).reversed()
                        .thenComparing(Comparator.naturalOrder()));
                for (int s : new TreeSet<>(sources)) {
                    if (!order.contains(s)) {
                        order.add(s);
                    }
                }
                return order;
            }

            CompletableFuture<ByteBuffer> read() {
                int entries = lastBlock - firstBlock + 2;
                CompletableFuture<ByteBuffer> index = head(StoredForm.entryOffset(firstBlock), 4 * entries);
                int headerLength = form.sealed.headerLength();
                CompletableFuture<ByteBuffer> header = headerLength == 0
                        ? CompletableFuture.completedFuture(ByteBuffer.allocate(0))
                        : head(form.indexLength, headerLength);
                return index.thenCombine(header, (i, h) -> new Object[] {i, h}).thenCompose(parts -> {
                    long[] offsets = form.offsets((ByteBuffer) parts[0], firstBlock, entries);
                    BlockRange range = form.sealed.blocksFor(form.framesLength, offsets[0],
                            offsets[entries - 1] - offsets[0]);
                    return fetch(form.indexLength + range.sealedOffset(), (int) range.sealedLength())
                            .thenApply(blocks -> decode((ByteBuffer) parts[1], range, blocks, offsets));
                });
            }

            private ByteBuffer decode(ByteBuffer header, BlockRange range, ByteBuffer blocks, long[] offsets) {
                ByteBuffer frames = p.cipher().decryptBlocks(p.key(), header, range.firstBlock(), blocks);
                long base = range.firstBlock() * StoredForm.SEAL_BLOCK;
                long start = (long) firstBlock * form.blockSize;
                long end = Math.min(form.length, (long) (lastBlock + 1) * form.blockSize);
                ByteBuffer plain = ByteBuffer.allocate((int) (end - start));
                for (int b = firstBlock; b <= lastBlock; b++) {
                    int i = b - firstBlock;
                    ByteBuffer frame = frames.duplicate();
                    frame.limit(frame.position() + (int) (offsets[i + 1] - base))
                            .position(frame.position() + (int) (offsets[i] - base));
                    form.decodeFrame(p, frame, b, plain);
                }
                return plain.position((int) (offset - start)).limit((int) (offset - start) + length).slice();
            }

            /**
             * Index entries or the sealed header: from the cached head, else fetched in whole pages (at most 1 KiB
             * for a range's entries) and cached.
             */
            private CompletableFuture<ByteBuffer> head(long start, int count) {
                if (heads == null) {
                    return fetch(start, count);
                }
                ByteBuffer hit = heads.get(key, form, start, count);
                if (hit != null) {
                    return CompletableFuture.completedFuture(hit);
                }
                long[] span = ChunkHeads.span(form, start, count);
                return fetch(span[0], (int) (span[1] - span[0])).thenApply(fetched -> {
                    heads.put(key, form, span[0], fetched);
                    return fetched.slice((int) (start - span[0]), count);
                });
            }

            /** Fetches stored-form bytes [start, start + count) from the data fragments that hold them. */
            private CompletableFuture<ByteBuffer> fetch(long start, int count) {
                ByteBuffer out = ByteBuffer.allocate(count);
                List<CompletableFuture<Void>> pieces = new ArrayList<>();
                long f = form.fragmentLength;
                for (long at = start; at < start + count;) {
                    int fragment = (int) (at / f);
                    long column = at - fragment * f;
                    int n = (int) Math.min(start + count - at, f - column);
                    int into = (int) (at - start);
                    CompletableFuture<ByteBuffer> piece = excluded.contains(fragment)
                            ? rebuild(fragment, column, n)
                            : readFrom(fragment, column, n, true);
                    pieces.add(piece.thenAccept(b -> out.put(into, b, b.position(), n)));
                    at += n;
                }
                return CompletableFuture.allOf(pieces.toArray(CompletableFuture[]::new)).thenApply(v -> out);
            }

            /** Rebuilds columns [column, column + n) of a fragment from the same columns of k others. */
            private CompletableFuture<ByteBuffer> rebuild(int fragment, long column, int n) {
                List<Integer> chosen = new ArrayList<>();
                for (int i = 0; i < form.k + form.m && chosen.size() < form.k; i++) {
                    if (!excluded.contains(i)) {
                        chosen.add(i);
                    }
                }
                if (chosen.size() < form.k) {
                    return CompletableFuture.failedFuture(new StorageException("cannot rebuild fragment " + fragment
                            + ": RS(" + form.k + "," + form.m + ") needs " + form.k + " fragments, "
                            + excluded + " are failed or suspect"));
                }
                ByteBuffer[] columns = new ByteBuffer[form.k + form.m];
                List<CompletableFuture<Void>> reads = new ArrayList<>();
                for (int s : chosen) {
                    reads.add(readFrom(s, column, n, false).thenAccept(b -> columns[s] = b));
                }
                return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> {
                    ByteBuffer rebuilt = ByteBuffer.allocate(n);
                    p.erasure().reconstruct(columns, new int[] {fragment}, new ByteBuffer[] {rebuilt});
                    return rebuilt;
                });
            }

            private CompletableFuture<ByteBuffer> readFrom(int fragment, long column, int n, boolean asItself) {
                if (asItself) {
                    direct.merge(fragment, (long) n, Long::sum);
                } else {
                    sources.add(fragment);
                }
                CompletableFuture<ByteBuffer> read;
                try {
                    read = source.read(fragment, column, n);
                } catch (RuntimeException e) {
                    read = CompletableFuture.failedFuture(e);
                }
                return read.handle((b, error) -> {
                    if (error != null) {
                        throw new FragmentFailure(fragment, "read of [" + column + ", " + (column + n) + ") failed",
                                unwrap(error));
                    }
                    if (b == null || b.remaining() != n) {
                        throw new FragmentFailure(fragment, "asked for " + n + " bytes, got "
                                + (b == null ? "none" : b.remaining()), null);
                    }
                    return b;
                });
            }
        }
    }

    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
