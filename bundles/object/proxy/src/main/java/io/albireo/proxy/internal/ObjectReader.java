package io.albireo.proxy.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.StorageException;
import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.Digest;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.object.ObjectNotFoundException;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.ObjectStream;
import io.albireo.api.object.RangeOutOfBoundsException;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.object.layout.ChunkHeads;
import io.albireo.object.layout.ChunkLayout;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.object.layout.FragmentSource;
import io.albireo.object.layout.Pipeline;
import io.albireo.object.layout.RangeReader;
import io.albireo.object.layout.LiveOsds;

/**
 * The read path: manifests (cache, else NSM), whole objects (k verified fragments per chunk, decoded, then the object
 * checksum) and byte ranges (RangeReader per chunk piece, the slices batched per OSD). A fragment that is absent on
 * its OSD may mean the cached manifest is stale (the object was overwritten and its old fragments deleted, or
 * maintenance rewrote fragments under new generations and deleted the old keys): the manifest is read again and, if
 * it changed (another object id or version), the read is retried once. Missing or corrupt fragments of a current
 * manifest are queued for repair.
 */
final class ObjectReader {
    private final NamespaceManager nsm;
    private final ObjectWriter writer;
    private final LiveOsds osds;
    private final Pipelines pipelines;
    private final FragmentCache cache;
    private final ChunkHeads heads;
    private final ManifestCache manifests;
    private final WorkQueue work;
    private final ProxyStatistics stats;
    /** Namespace ids for reads, by name, with when they were last read from the ABM. */
    private final Map<String, CachedId> namespaceIds = new ConcurrentHashMap<>();

    /** How long reads use a namespace's id before asking the ABM again. */
    static final long NAMESPACE_ID_NANOS = TimeUnit.SECONDS.toNanos(1);

    private record CachedId(long id, long checked) {
    }

    ObjectReader(NamespaceManager nsm, ObjectWriter writer, LiveOsds osds, Pipelines pipelines, FragmentCache cache,
            ChunkHeads heads, ManifestCache manifests, WorkQueue work, ProxyStatistics stats) {
        this.heads = heads;
        this.nsm = nsm;
        this.writer = writer;
        this.osds = osds;
        this.pipelines = pipelines;
        this.cache = cache;
        this.manifests = manifests;
        this.work = work;
        this.stats = stats;
    }

    /** A fragment that is not on its OSD: lost, or deleted because the object was overwritten. */
    static final class FragmentAbsentException extends StorageException {
        private static final long serialVersionUID = 1L;

        FragmentAbsentException(String message) {
            super(message);
        }
    }

    /** A fragment that could not be used, and why. */
    private record Problem(int chunk, int fragment, int osd, String why, boolean repair) {
    }

    /** One object being read with one manifest. */
    private final class Context {
        final String namespace;
        final long namespaceId;
        final Manifest manifest;
        final Pipeline pipeline;
        final ConcurrentLinkedQueue<Problem> problems = new ConcurrentLinkedQueue<>();

        Context(String namespace, long namespaceId, Manifest manifest) {
            this.namespace = namespace;
            this.namespaceId = namespaceId;
            this.manifest = manifest;
            this.pipeline = pipelines.forRead(manifest);
        }

        Bytes key(int chunk, int fragment) {
            return FragmentKeys.key(namespaceId, manifest, chunk, fragment);
        }

        boolean sawAbsent() {
            return problems.stream().anyMatch(p -> p.why().equals("absent"));
        }

        void queueRepairs() {
            for (Problem p : problems) {
                if (p.repair()) {
                    work.repair(namespace, manifest.name(), manifest.objectId(), p.chunk(), p.fragment(), p.osd(),
                            p.why());
                }
            }
        }

        /** Queues the repairs found so far and forgets them: a stream queues them chunk by chunk, as it goes. */
        void queueRepairsSoFar() {
            for (Problem p = problems.poll(); p != null; p = problems.poll()) {
                if (p.repair()) {
                    work.repair(namespace, manifest.name(), manifest.objectId(), p.chunk(), p.fragment(), p.osd(),
                            p.why());
                }
            }
        }

        /** Verifies a whole fragment; a good data fragment from an OSD goes to the cache. */
        boolean verified(int chunk, int fragment, ByteBuffer data, boolean fromOsd) {
            Manifest.Fragment f = manifest.chunks().get(chunk).fragments().get(fragment);
            Digest d = pipeline.fragmentChecksum().compute(data);
            if (!Bytes.of(d.toByteArray()).equals(f.checksum())) {
                problems.add(new Problem(chunk, fragment, f.osd(), "corrupt", fromOsd));
                if (!fromOsd) {
                    cache.remove(key(chunk, fragment));
                }
                return false;
            }
            if (fromOsd && fragment < manifest.policy().k()) {
                cache.put(key(chunk, fragment), data);
            }
            return true;
        }

        /** Fragment bytes: the cache, else the fragment's OSD through the batcher. */
        CompletableFuture<ByteBuffer> fetch(SliceBatcher batcher, int chunk, int fragment, long offset, int length) {
            Manifest.Chunk c = manifest.chunks().get(chunk);
            Manifest.Fragment f = c.fragments().get(fragment);
            if (!f.written()) {
                return CompletableFuture.failedFuture(new StorageException("fragment " + fragment + " not written"));
            }
            Bytes key = key(chunk, fragment);
            boolean whole = offset == 0 && length == c.fragmentLength();
            Optional<ByteBuffer> hit = cache.read(key, offset, length);
            if (hit.isPresent() && (!whole || verified(chunk, fragment, hit.get(), false))) {
                stats.fragmentHits.increment();
                return CompletableFuture.completedFuture(hit.get());
            }
            stats.fragmentMisses.increment();
            Optional<Osd> osd = osds.osd(f.osd());
            if (osd.isEmpty()) {
                problems.add(new Problem(chunk, fragment, f.osd(), "osd unavailable", false));
                return CompletableFuture.failedFuture(new OsdUnavailableException("OSD " + f.osd()
                        + " is not available"));
            }
            return batcher.read(osd.get(), new Osd.Slice(key, offset, length)).whenComplete((value, e) -> {
                // The OSD found its own copy corrupt (an ASD checks its stored values and whole blobs).
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause instanceof IntegrityException) {
                    problems.add(new Problem(chunk, fragment, f.osd(), "corrupt", true));
                }
            }).thenApply(value -> {
                if (value.isEmpty()) {
                    problems.add(new Problem(chunk, fragment, f.osd(), "absent", true));
                    throw new FragmentAbsentException("fragment " + chunk + "/" + fragment + " of "
                            + manifest.name() + " is absent on OSD " + f.osd());
                }
                if (whole && !verified(chunk, fragment, value.get(), true)) {
                    throw new IntegrityException("fragment " + chunk + "/" + fragment + " of " + manifest.name()
                            + " is corrupt on OSD " + f.osd());
                }
                return value.get();
            });
        }
    }

    /** The namespace's id from the ABM: writes and deletes use it, never a cached one. */
    long namespaceId(String namespace) {
        return writer.namespace(namespace).id();
    }

    /**
     * The namespace's id for a read: asking the ABM (a store get and a JSON decode) was a twentieth of a partial read's
     * CPU. A name deleted and created again meanwhile (by another proxy) gets a new id: the read then finds its
     * fragments absent, asks again ({@code fresh}) and retries with the new id.
     */
    private long readNamespaceId(String namespace, boolean fresh) {
        long now = System.nanoTime();
        CachedId c = namespaceIds.get(namespace);
        if (!fresh && c != null && now - c.checked() < NAMESPACE_ID_NANOS) {
            return c.id();
        }
        namespaceIds.remove(namespace);
        long id = namespaceId(namespace);
        namespaceIds.put(namespace, new CachedId(id, now));
        return id;
    }

    /** Forgets a namespace's id: it was deleted through this proxy. */
    void forgetNamespace(String namespace) {
        namespaceIds.remove(namespace);
    }

    /** @return the manifest: from the cache unless {@code fresh}, else from the NSM (and then cached) */
    Optional<Manifest> manifest(String namespace, String name, boolean fresh) {
        if (!fresh) {
            Optional<Manifest> m = manifests.get(namespace, name);
            if (m.isPresent()) {
                stats.manifestHits.increment();
                return m;
            }
            stats.manifestMisses.increment();
        }
        Optional<Manifest> m = nsm.get(namespace, name);
        m.ifPresentOrElse(x -> manifests.put(namespace, x), () -> manifests.remove(namespace, name));
        return m;
    }

    Optional<ByteBuffer> get(String namespace, String name) {
        return withFreshManifest(namespace, name, this::whole);
    }

    /**
     * Opens an object to stream it chunk by chunk with one manifest. Its first chunk is read at once, so that a stale
     * cached manifest (its fragments gone with an overwrite elsewhere) is replaced by a fresh one, as for a get,
     * before the size is known to anyone; after that, a missing fragment means the object changed under the reader.
     */
    Optional<ObjectStream> open(String namespace, String name) {
        return withFreshManifest(namespace, name, ctx -> {
            Stream stream = new Stream(ctx);
            stream.start();
            return stream;
        });
    }

    /**
     * Reads an object with the manifest cached now; if its fragments are absent because that manifest is stale (the
     * object was overwritten or deleted by another proxy), reads it once more with the NSM's.
     */
    private <T> Optional<T> withFreshManifest(String namespace, String name, Function<Context, T> read) {
        long nsId = readNamespaceId(namespace, false);
        Optional<Manifest> m = manifest(namespace, name, false);
        if (m.isEmpty()) {
            return Optional.empty();
        }
        Context ctx = new Context(namespace, nsId, m.get());
        try {
            return Optional.of(read.apply(ctx));
        } catch (FragmentAbsentException e) {
            long freshId = readNamespaceId(namespace, true);
            Optional<Manifest> fresh = manifest(namespace, name, true);
            if (fresh.isEmpty()) {
                stats.staleManifests.increment();
                return Optional.empty();
            }
            if (freshId == nsId && unchanged(m.get(), fresh.get())) {
                ctx.queueRepairs();
                throw e;
            }
            stats.staleManifests.increment();
            return Optional.of(read.apply(new Context(namespace, freshId, fresh.get())));
        }
    }

    /** An object's chunks in order, each decoded from verified fragments; the object's checksum before the last. */
    private final class Stream implements ObjectStream {
        final Context ctx;
        private final Checksum.Hasher hasher;
        private ByteBuffer first;
        private int next;

        Stream(Context ctx) {
            this.ctx = ctx;
            this.hasher = pipelines.objectChecksum(ctx.manifest.checksum().algorithm()).hasher();
        }

        void start() {
            first = chunk();
        }

        @Override
        public long size() {
            return ctx.manifest.size();
        }

        @Override
        public ByteBuffer next() {
            if (first != null) {
                ByteBuffer b = first;
                first = null;
                return b;
            }
            try {
                return chunk();
            } catch (FragmentAbsentException e) {
                // Lost, or gone with an overwrite since the stream began: the NSM tells which.
                Optional<Manifest> fresh = manifest(ctx.namespace, ctx.manifest.name(), true);
                if (fresh.isPresent() && readNamespaceId(ctx.namespace, true) == ctx.namespaceId
                        && unchanged(ctx.manifest, fresh.get())) {
                    ctx.queueRepairsSoFar();
                    throw e;
                }
                stats.staleManifests.increment();
                throw new StorageException("object " + ctx.namespace + "/" + ctx.manifest.name() + " was replaced,"
                        + " deleted or rewritten by maintenance while it was being read: read it again", e);
            } catch (RuntimeException | Error e) {
                ctx.queueRepairsSoFar();
                throw e;
            }
        }

        private ByteBuffer chunk() {
            List<Manifest.Chunk> chunks = ctx.manifest.chunks();
            if (next >= chunks.size()) {
                if (next++ == 0) {
                    verify(); // an empty object: its checksum is that of no bytes
                }
                return null;
            }
            ByteBuffer data = ChunkLayout.decode(ctx.pipeline, chunks.get(next), fragments(ctx, next));
            hasher.update(data.duplicate());
            next++;
            if (next == chunks.size()) {
                verify();
            } else {
                ctx.queueRepairsSoFar(); // a reader that stops early still reports what it found
            }
            stats.bytesRead.add(data.remaining());
            return data;
        }

        private void verify() {
            Digest d = hasher.digest();
            if (!d.equals(ctx.manifest.checksum())) {
                throw new IntegrityException("object " + ctx.manifest.name() + " does not match its checksum "
                        + ctx.manifest.checksum());
            }
            ctx.queueRepairsSoFar();
        }
    }

    private ByteBuffer whole(Context ctx) {
        Manifest m = ctx.manifest;
        if (m.size() > Integer.MAX_VALUE - 64) {
            throw new StorageException(m.name() + " has " + m.size() + " bytes, more than one buffer holds: read it"
                    + " by ranges");
        }
        ByteBuffer out = ByteBuffer.allocate((int) m.size());
        for (int c = 0; c < m.chunks().size(); c++) {
            ByteBuffer data = ChunkLayout.decode(ctx.pipeline, m.chunks().get(c), fragments(ctx, c));
            out.put(data);
        }
        out.flip();
        if (!pipelines.objectChecksum(m.checksum().algorithm()).compute(out).equals(m.checksum())) {
            throw new IntegrityException("object " + m.name() + " does not match its checksum " + m.checksum());
        }
        ctx.queueRepairs();
        return out;
    }

    /** k verified whole fragments of a chunk (data first: decoding them is a copy), null where not fetched. */
    private ByteBuffer[] fragments(Context ctx, int chunk) {
        Manifest.Chunk c = ctx.manifest.chunks().get(chunk);
        int k = ctx.manifest.policy().k();
        ByteBuffer[] out = new ByteBuffer[c.fragments().size()];
        int good = 0;
        int next = 0;
        Throwable last = null;
        while (good < k && next < out.length) {
            SliceBatcher batcher = new SliceBatcher();
            Map<Integer, CompletableFuture<ByteBuffer>> wave = new LinkedHashMap<>();
            while (wave.size() < k - good && next < out.length) {
                int i = next++;
                if (c.fragments().get(i).written()) {
                    wave.put(i, ctx.fetch(batcher, chunk, i, 0, c.fragmentLength()));
                }
            }
            batcher.flush();
            for (Map.Entry<Integer, CompletableFuture<ByteBuffer>> e : wave.entrySet()) {
                try {
                    out[e.getKey()] = e.getValue().join();
                    good++;
                } catch (CompletionException ex) {
                    last = ex.getCause();
                }
            }
        }
        if (good < k) {
            if (ctx.sawAbsent()) {
                throw new FragmentAbsentException("chunk " + chunk + " of " + ctx.manifest.name() + ": only " + good
                        + " of the " + k + " fragments needed could be read");
            }
            ctx.queueRepairs();
            String message = "chunk " + chunk + " of " + ctx.manifest.name() + ": only " + good + " of the " + k
                    + " fragments needed could be read";
            // Fragments that answered with bytes failing their checksum: an integrity failure, not an outage.
            boolean corrupt = ctx.problems.stream().anyMatch(p -> p.chunk() == chunk && p.why().equals("corrupt"));
            throw corrupt ? new IntegrityException(message + "; some are corrupt", last)
                    : new StorageException(message, last);
        }
        return out;
    }

    /**
     * @return whether {@code fresh} is still the manifest {@code read} was: the same object at the same version. A
     *         maintenance rewrite keeps the object id but not the version, nor (under new generations) the keys.
     */
    private static boolean unchanged(Manifest read, Manifest fresh) {
        return fresh.objectId().equals(read.objectId()) && fresh.version() == read.version();
    }

    /** Reads ranges of objects: grouped by object (one manifest each), every chunk piece through RangeReader. */
    List<ByteBuffer> read(List<ObjectRange> ranges) {
        Map<List<String>, List<Integer>> byObject = new LinkedHashMap<>();
        for (int i = 0; i < ranges.size(); i++) {
            ObjectRange r = ranges.get(i);
            byObject.computeIfAbsent(List.of(r.namespace(), r.name()), x -> new ArrayList<>()).add(i);
        }
        ByteBuffer[] results = new ByteBuffer[ranges.size()];
        SliceBatcher batcher = new SliceBatcher();
        Map<List<String>, Context> contexts = new LinkedHashMap<>();
        Map<List<String>, CompletableFuture<Void>> pending = new LinkedHashMap<>();
        for (Map.Entry<List<String>, List<Integer>> e : byObject.entrySet()) {
            String ns = e.getKey().get(0);
            String name = e.getKey().get(1);
            Manifest m = manifest(ns, name, false).orElseThrow(() -> new ObjectNotFoundException("object " + ns
                    + "/" + name + " does not exist"));
            Context ctx = new Context(ns, readNamespaceId(ns, false), m);
            contexts.put(e.getKey(), ctx);
            pending.put(e.getKey(), start(ctx, batcher, ranges, e.getValue(), results));
        }
        batcher.flush();
        for (Map.Entry<List<String>, CompletableFuture<Void>> e : pending.entrySet()) {
            Context ctx = contexts.get(e.getKey());
            try {
                e.getValue().join();
                ctx.queueRepairs();
            } catch (CompletionException ex) {
                long freshId = ctx.sawAbsent() ? readNamespaceId(ctx.namespace, true) : ctx.namespaceId;
                Optional<Manifest> fresh = ctx.sawAbsent() ? manifest(ctx.namespace, ctx.manifest.name(), true)
                        : Optional.empty();
                if (fresh.isEmpty() || freshId == ctx.namespaceId && unchanged(ctx.manifest, fresh.get())) {
                    ctx.queueRepairs();
                    throw ex.getCause() instanceof RuntimeException re ? re : ex;
                }
                stats.staleManifests.increment();
                SliceBatcher again = new SliceBatcher();
                CompletableFuture<Void> retry = start(new Context(ctx.namespace, freshId, fresh.get()), again,
                        ranges, byObject.get(e.getKey()), results);
                again.flush();
                try {
                    retry.join();
                } catch (CompletionException ex2) {
                    throw ex2.getCause() instanceof RuntimeException re ? re : ex2;
                }
            }
        }
        long bytes = 0;
        for (ByteBuffer b : results) {
            bytes += b.remaining();
        }
        stats.partialReads.add(ranges.size());
        stats.bytesRead.add(bytes);
        return List.of(results);
    }

    private CompletableFuture<Void> start(Context ctx, SliceBatcher batcher, List<ObjectRange> ranges,
            List<Integer> indexes, ByteBuffer[] results) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i : indexes) {
            ObjectRange r = ranges.get(i);
            if (r.offset() < 0 || r.length() < 0 || r.offset() + r.length() > ctx.manifest.size()) {
                throw new RangeOutOfBoundsException("range " + r.offset() + "+" + r.length() + " lies outside " + r.namespace()
                        + "/" + r.name() + " (" + ctx.manifest.size() + " bytes)");
            }
            ByteBuffer out = ByteBuffer.allocate(r.length());
            long chunkStart = 0;
            for (int c = 0; c < ctx.manifest.chunks().size(); c++) {
                Manifest.Chunk chunk = ctx.manifest.chunks().get(c);
                long from = Math.max(r.offset(), chunkStart);
                long to = Math.min(r.offset() + r.length(), chunkStart + chunk.length());
                if (from < to) {
                    int chunkIndex = c;
                    int at = (int) (from - r.offset());
                    FragmentSource source = (fragment, offset, length) -> ctx.fetch(batcher, chunkIndex, fragment,
                            offset, length);
                    // A fragment read around because its bytes did not verify needs repair; one that did not answer
                    // is in the context's problems already (fetch records why).
                    RangeReader.ReadAround around = (fragment, corrupt, why) -> {
                        if (corrupt) {
                            ctx.problems.add(new Problem(chunkIndex, fragment,
                                    chunk.fragments().get(fragment).osd(), "corrupt", true));
                        }
                    };
                    all.add(RangeReader.read(ctx.pipeline, chunk, source, from - chunkStart, (int) (to - from), heads,
                            new ChunkHeads.Key(ctx.manifest.objectId(), chunkIndex), around)
                            .thenAccept(b -> out.put(at, b, b.position(), b.remaining())));
                }
                chunkStart += chunk.length();
            }
            results[i] = out;
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }
}
