package io.albireo.proxy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import io.albireo.api.Bytes;
import io.albireo.api.StorageException;
import io.albireo.api.Update;
import io.albireo.api.codec.Checksum;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.api.object.NamespaceNotFoundException;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.object.layout.ChunkHeads;
import io.albireo.object.layout.ChunkLayout;
import io.albireo.object.layout.EncodedChunk;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.object.layout.Pipeline;
import io.albireo.object.layout.Placement;
import io.albireo.object.layout.LiveOsds;

/**
 * The write path up to (not including) the manifest's registration: choose a policy and OSDs, cut the object into
 * chunks, encode each and write its k + m fragments in parallel, a few chunks at a time. The caller registers the
 * manifest and then says whether it was registered ({@link Prepared#finish}): fragments that were not durable when the
 * manifest was built become maintenance work if the object lives, and every fragment that landed is deleted if it
 * does not.
 */
final class ObjectWriter {
    /** The largest chunk: one buffer must hold it, whatever k times the max fragment size comes to. */
    static final int MAX_CHUNK = 1 << 30;
    private static final int PENDING = 0;
    private static final int WRITTEN = 1;
    private static final int FAILED = 2;
    private static final int MISSED = 3;

    private final AlbaManager abm;
    private final LiveOsds osds;
    private final Pipelines pipelines;
    private final FragmentCache cache;
    private final ChunkHeads heads;
    private final WorkQueue work;
    private final Settings settings;
    private final Executor executor;
    private final SecureRandom ids = new SecureRandom();
    private final SplittableRandom placementRandom = new SplittableRandom();

    ObjectWriter(AlbaManager abm, LiveOsds osds, Pipelines pipelines, FragmentCache cache, ChunkHeads heads,
            WorkQueue work, Settings settings, Executor executor) {
        this.heads = heads;
        this.abm = abm;
        this.osds = osds;
        this.pipelines = pipelines;
        this.cache = cache;
        this.work = work;
        this.settings = settings;
        this.executor = executor;
    }

    /** Where a put's bytes come from, a chunk at a time. */
    interface ChunkSource {
        /** @return the next up to {@code max} bytes (fewer only at the end), or null at the end */
        ByteBuffer next(int max);
    }

    static ChunkSource of(ByteBuffer data) {
        ByteBuffer rest = data.duplicate();
        return max -> {
            if (!rest.hasRemaining()) {
                return null;
            }
            int n = Math.min(max, rest.remaining());
            ByteBuffer chunk = rest.slice(rest.position(), n);
            rest.position(rest.position() + n);
            return chunk;
        };
    }

    static ChunkSource of(InputStream in) {
        return max -> {
            try {
                byte[] b = in.readNBytes(max);
                return b.length == 0 ? null : ByteBuffer.wrap(b);
            } catch (IOException e) {
                throw new UncheckedIOException("reading the object's stream failed", e);
            }
        };
    }

    String newObjectId() {
        byte[] b = new byte[16];
        ids.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    Namespace namespace(String name) {
        return abm.namespace(name).orElseThrow(() -> NamespaceNotFoundException.of(name));
    }

    /** An object whose fragments are written (at least c of every chunk), not yet registered. */
    final class Prepared {
        final Namespace namespace;
        final Manifest manifest;
        private final List<ChunkWrite> chunks;
        private final CompletableFuture<Boolean> registered = new CompletableFuture<>();

        Prepared(Namespace namespace, Manifest manifest, List<ChunkWrite> chunks) {
            this.namespace = namespace;
            this.manifest = manifest;
            this.chunks = chunks;
            for (ChunkWrite cw : chunks) {
                for (int i = 0; i < cw.outcomes.size(); i++) {
                    followUp(cw, i);
                }
            }
        }

        private void followUp(ChunkWrite cw, int i) {
            boolean inManifest = manifest.chunks().get(cw.index).fragments().get(i).written();
            int osd = cw.targets.get(i).number();
            registered.thenCombine(cw.outcomes.get(i), (live, landed) -> {
                if (!live && landed) {
                    deleteFragment(osd, manifest.name(), key(cw, i));
                } else if (live && !inManifest) {
                    work.rewrite(namespace.name(), manifest.name(), manifest.objectId(), cw.index, i,
                            landed ? osd : Manifest.Fragment.NOT_WRITTEN);
                }
                return null;
            });
        }

        private Bytes key(ChunkWrite cw, int i) {
            return FragmentKeys.key(namespace.id(), manifest.objectId(), cw.index, i, 0);
        }

        /** Says whether the manifest was registered: completes the slow fragments' work, or cleans up. */
        void finish(boolean wasRegistered) {
            registered.complete(wasRegistered);
        }
    }

    /** One chunk being written. */
    private static final class ChunkWrite {
        final int index;
        final List<Placement.Candidate> targets;
        final int c;
        final AtomicIntegerArray state;
        final List<CompletableFuture<Boolean>> outcomes = new ArrayList<>();
        final AtomicInteger durable = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final CompletableFuture<Void> acked = new CompletableFuture<>();
        volatile long length;
        volatile long storedLength;
        volatile int fragmentLength;
        volatile List<Bytes> checksums;
        /** Whether its fragment writes were sent: from then on each outcome settles when its write does. */
        volatile boolean started;

        ChunkWrite(int index, List<Placement.Candidate> targets, Policy policy) {
            this.index = index;
            this.targets = targets;
            this.c = policy.c();
            this.state = new AtomicIntegerArray(policy.width());
            for (int i = 0; i < policy.width(); i++) {
                outcomes.add(new CompletableFuture<>());
            }
        }

        void settle(int i, Throwable error) {
            if (error == null) {
                if (state.compareAndSet(i, PENDING, WRITTEN) && durable.incrementAndGet() == c) {
                    acked.complete(null);
                }
            } else if (state.compareAndSet(i, PENDING, FAILED)
                    && failed.incrementAndGet() == targets.size() - c + 1) {
                acked.completeExceptionally(new StorageException("chunk " + index + ": fewer than c = " + c
                        + " of " + targets.size() + " fragments could be written", error));
            }
            outcomes.get(i).complete(error == null);
        }

        /** Fragments still pending are missed from now on: a late success no longer counts as written. */
        Manifest.Chunk snapshot() {
            List<Manifest.Fragment> fragments = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                state.compareAndSet(i, PENDING, MISSED);
                fragments.add(new Manifest.Fragment(state.get(i) == WRITTEN ? targets.get(i).number()
                        : Manifest.Fragment.NOT_WRITTEN, checksums.get(i)));
            }
            return new Manifest.Chunk(length, storedLength, fragmentLength, fragments);
        }

        /**
         * A chunk that failed before its writes were sent has nothing on the OSDs. One whose writes were sent must
         * not be settled here: a write still in flight may land later, and its outcome is what tells the clean-up to
         * delete it.
         */
        void abandonUnstarted() {
            if (!started) {
                outcomes.forEach(o -> o.complete(false));
            }
        }
    }

    /**
     * Writes an object's fragments.
     *
     * @throws StorageException if no policy can be satisfied, or a chunk could not get c fragments durable (what was
     *         written is deleted, best effort)
     */
    Prepared write(String namespaceName, String name, ChunkSource source) {
        Namespace ns = namespace(namespaceName);
        Preset preset = abm.preset(ns.preset()).orElseThrow(() -> new StorageException("preset '" + ns.preset()
                + "' of namespace '" + namespaceName + "' does not exist"));
        List<Placement.Candidate> live = osds.candidates();
        Optional<Policy> chosen = Placement.choose(preset.policies(), live);
        if (chosen.isEmpty()) {
            osds.refreshClaims();
            live = osds.candidates();
            chosen = Placement.choose(preset.policies(), live);
        }
        int liveCount = live.size();
        Policy policy = chosen.orElseThrow(() -> new StorageException("no policy of preset '" + preset.name() + "' "
                + preset.policies() + " can be satisfied by the " + liveCount + " live claimed OSDs"));
        List<Placement.Candidate> targets;
        synchronized (placementRandom) {
            targets = Placement.place(policy, live, placementRandom);
        }
        Pipeline pipeline = pipelines.forWrite(preset, policy, settings.blockSize());
        String objectId = newObjectId();
        int chunkSize = (int) Math.min((long) policy.k() * preset.maxFragmentSize(), MAX_CHUNK);
        // The preset's object checksum, over the chunks as the source gives them (a get verifies it, a hasChecksum
        // assert compares it).
        Checksum.Hasher objectSum = pipelines.objectChecksum(preset.objectChecksum()).hasher();
        Semaphore inFlight = new Semaphore(Math.max(1, settings.chunksInFlight()));
        List<ChunkWrite> chunks = new ArrayList<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        CompletableFuture<Void> failure = new CompletableFuture<>();
        long size = 0;
        try {
            while (!failure.isDone()) {
                inFlight.acquire();
                ByteBuffer data = source.next(chunkSize);
                if (data == null) {
                    inFlight.release();
                    break;
                }
                objectSum.update(data);
                size += data.remaining();
                ChunkWrite cw = new ChunkWrite(chunks.size(), targets, policy);
                cw.length = data.remaining();
                chunks.add(cw);
                CompletableFuture<Void> chunkDone = CompletableFuture
                        .supplyAsync(() -> ChunkLayout.encode(pipeline, data), executor)
                        .thenCompose(encoded -> {
                            heads.fill(new ChunkHeads.Key(objectId, cw.index), pipeline, encoded);
                            return writeFragments(ns.id(), objectId, cw, encoded, policy.k());
                        })
                        .whenComplete((v, e) -> {
                            inFlight.release();
                            if (e != null) {
                                cw.abandonUnstarted();
                                failure.completeExceptionally(e);
                            }
                        });
                done.add(chunkDone);
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(ns, objectId, name, chunks);
            throw new StorageException("put of " + namespaceName + "/" + name + " interrupted", e);
        } catch (RuntimeException e) {
            abandon(ns, objectId, name, chunks);
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            throw new StorageException("put of " + namespaceName + "/" + name + " failed: " + cause.getMessage(),
                    cause);
        }
        // Every chunk has c fragments: give the slower ones a moment, so that a healthy backend gets full manifests.
        List<CompletableFuture<Boolean>> all = new ArrayList<>();
        chunks.forEach(cw -> all.addAll(cw.outcomes));
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, settings.slowFragmentGraceMillis(), TimeUnit.MILLISECONDS).join();
        List<Manifest.Chunk> manifestChunks = new ArrayList<>();
        chunks.forEach(cw -> manifestChunks.add(cw.snapshot()));
        Manifest manifest = new Manifest(name, objectId, 0, size, objectSum.digest(), policy,
                preset.compressor(), preset.cipher(), Pipelines.keyId(pipeline), preset.fragmentChecksum(),
                preset.erasureCodec(), settings.blockSize(), manifestChunks);
        return new Prepared(ns, manifest, chunks);
    }

    private CompletableFuture<Void> writeFragments(long namespaceId, String objectId, ChunkWrite cw,
            EncodedChunk encoded, int k) {
        cw.storedLength = encoded.storedLength();
        cw.fragmentLength = encoded.fragmentLength();
        cw.checksums = List.copyOf(encoded.checksums());
        cw.started = true;
        for (int i = 0; i < cw.targets.size(); i++) {
            int fragment = i;
            // Generation 0: a put's own fragments; maintenance rewrites them under fresh random generations, so it
            // never writes one of these keys again (Manifest.Fragment).
            Bytes key = FragmentKeys.key(namespaceId, objectId, cw.index, i, 0);
            ByteBuffer data = encoded.fragments().get(i);
            if (i < k) {
                cache.put(key, data);
            }
            int number = cw.targets.get(i).number();
            CompletableFuture<Void> f;
            try {
                Optional<Osd> osd = osds.osd(number);
                f = osd.isPresent() ? osd.get().apply(List.of(), List.of(Update.set(key, data.duplicate())))
                        : CompletableFuture.failedFuture(new OsdUnavailableException("OSD " + number + " is gone"));
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenComplete((v, e) -> cw.settle(fragment, e));
        }
        return cw.acked;
    }

    /** A failed put: every fragment that landed, or lands later, is deleted. */
    private void abandon(Namespace ns, String objectId, String name, List<ChunkWrite> chunks) {
        for (ChunkWrite cw : chunks) {
            for (int i = 0; i < cw.outcomes.size(); i++) {
                Bytes key = FragmentKeys.key(ns.id(), objectId, cw.index, i, 0);
                int osd = cw.targets.get(i).number();
                cache.remove(key);
                cw.outcomes.get(i).thenAccept(landed -> {
                    if (landed) {
                        deleteFragment(osd, name, key);
                    }
                });
            }
        }
    }

    private void deleteFragment(int osd, String name, Bytes key) {
        cache.remove(key);
        deleteKeys(osd, name, List.of(key));
    }

    /** Deletes the fragments of an object no manifest refers to any more, one apply per OSD. */
    void deleteFragments(long namespaceId, Manifest m) {
        Map<Integer, List<Bytes>> byOsd = new HashMap<>();
        for (int c = 0; c < m.chunks().size(); c++) {
            List<Manifest.Fragment> fs = m.chunks().get(c).fragments();
            for (int i = 0; i < fs.size(); i++) {
                Bytes key = FragmentKeys.key(namespaceId, m, c, i);
                cache.remove(key);
                if (fs.get(i).written()) {
                    byOsd.computeIfAbsent(fs.get(i).osd(), n -> new ArrayList<>()).add(key);
                }
            }
        }
        byOsd.forEach((osd, keys) -> deleteKeys(osd, m.name(), keys));
    }

    private void deleteKeys(int osd, String name, List<Bytes> keys) {
        try {
            Optional<Osd> target = osds.osd(osd);
            if (target.isEmpty()) {
                work.garbage(osd, name, keys);
                return;
            }
            List<Update> deletes = keys.stream().map(Update::delete).toList();
            target.get().apply(List.of(), deletes).whenComplete((v, e) -> {
                if (e != null) {
                    work.garbage(osd, name, keys);
                }
            });
        } catch (RuntimeException e) {
            work.garbage(osd, name, keys);
        }
    }
}
