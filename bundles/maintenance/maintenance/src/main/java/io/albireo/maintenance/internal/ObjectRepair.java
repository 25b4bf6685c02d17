package io.albireo.maintenance.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.IntPredicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.Update;
import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.CodecRegistry;
import io.albireo.api.codec.Digest;
import io.albireo.api.codec.ErasureCode;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.api.object.Overwrite;
import io.albireo.api.osd.Osd;
import io.albireo.object.layout.ChunkLayout;
import io.albireo.object.layout.EncodedChunk;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.object.layout.LiveOsds;
import io.albireo.object.layout.Placement;

/**
 * Brings one object back to the best policy its preset allows on the live OSDs. A fragment needs work when it was
 * never written, when its OSD is not claimed any more (dead, decommissioned, forgotten) or when it is known bad. If the
 * best policy is the object's own, the fragments that need work are rebuilt from k good ones (or copied, when their
 * decommissioned OSD still answers) onto other OSDs, at most x per node and never two of a chunk on one OSD; else every
 * chunk is erasure-coded again by the best policy (a fallback, or back up once OSDs return). Either way it works on
 * the stored form (ciphertext): no key is needed.
 *
 * <p>Every fragment written gets a fresh random generation, so its key is new: two agents repairing one object never
 * share a key, and a key once deleted is never written again. The manifest is put under
 * {@code Overwrite.version(id, version read)}: a repair that lost the race to a put (or another repair) fails cleanly,
 * deletes only what it wrote, and tries again on the new manifest; it never undoes a put. Old copies are deleted only
 * after the new manifest committed. A key that cannot be deleted then (its OSD does not answer) is queued as
 * {@code delete-fragments} garbage, which is checked against the current manifest again before it is deleted.
 */
final class ObjectRepair {
    private static final Logger LOG = LoggerFactory.getLogger(ObjectRepair.class);
    private static final int ATTEMPTS = 4;
    static final long OSD_TIMEOUT_SECONDS = 30;

    /** What became of an object. */
    enum Kind {
        /** Nothing needed work. */
        CLEAN,
        /** Fragments were rebuilt or moved under the object's policy. */
        REPAIRED,
        /** Rewritten by another policy of its preset. */
        REWRITTEN,
        /** Less degraded than asked for: left for a later pass. */
        DEFERRED,
        /** The name holds another object now (or none): nothing to do. */
        STALE,
        /** A chunk has fewer than k good fragments: reported, kept, never deleted. */
        LOST,
        /** Could not be done now (an OSD did not answer, no policy can be placed): try again later. */
        LATER
    }

    /**
     * @param kind what happened
     * @param fragments fragments written
     * @param bytes bytes written
     * @param why for LOST and LATER, the reason
     */
    record Outcome(Kind kind, long fragments, long bytes, String why) {
        static Outcome of(Kind kind) {
            return new Outcome(kind, 0, 0, "");
        }
    }

    private final AlbaManager abm;
    private final NamespaceManager nsm;
    private final CodecRegistry codecs;
    private final LiveOsds osds;
    private final RateLimit rate;
    private final IntPredicate suspect;

    /**
     * @param suspect OSD numbers the failure detector suspects: nothing new goes to them
     */
    ObjectRepair(AlbaManager abm, NamespaceManager nsm, CodecRegistry codecs, LiveOsds osds, RateLimit rate,
            IntPredicate suspect) {
        this.abm = abm;
        this.nsm = nsm;
        this.codecs = codecs;
        this.osds = osds;
        this.rate = rate;
        this.suspect = suspect;
    }

    /** Reads the backend's OSD claims again, so that an OSD dead or decommissioned since the last probe counts so. */
    void refreshClaims() {
        osds.refreshClaims();
    }

    /**
     * @param ns the object's namespace
     * @param name its name
     * @param objectId the version the work is about: another one under the name makes the work stale
     * @param bad fragments known bad beyond what the OSDs' states say
     * @param adopt fragments that landed after the put registered its manifest, as {@link #pair} to OSD number: used
     *        as they are if they verify
     * @param minLoss do nothing (DEFERRED) unless some chunk has at least this many fragments needing work: the most
     *        degraded objects go first; 0: also rewrite a whole object that is at a fallback policy when a better
     *        one of its preset can be placed again (OSDs came back)
     */
    Outcome repair(Namespace ns, String name, String objectId, Bad bad, Map<Long, Integer> adopt, int minLoss)
            throws InterruptedException {
        Outcome last = Outcome.of(Kind.LATER);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<Manifest> current = nsm.get(ns.name(), name);
            if (current.isEmpty() || !current.get().objectId().equals(objectId)) {
                return Outcome.of(Kind.STALE);
            }
            Attempt a = new Attempt(ns, current.get(), bad, adopt);
            if (minLoss == 0 && a.worstLoss() == 0) {
                if (!a.raisable()) {
                    return Outcome.of(Kind.CLEAN);
                }
            } else if (a.worstLoss() < Math.max(1, minLoss)) {
                return Outcome.of(a.worstLoss() == 0 ? Kind.CLEAN : Kind.DEFERRED);
            }
            try {
                Outcome o = a.run();
                if (o.kind() == Kind.LOST && changed(ns, current.get())) {
                    // Fewer than k read back because the object changed meanwhile (a put or a delete freed the
                    // fragments read): it is not lost. Look again at what the name holds now.
                    last = new Outcome(Kind.LATER, 0, 0, "the manifest kept changing");
                    continue;
                }
                return o;
            } catch (AssertFailedException e) {
                a.discardWritten(); // lost the race: what it wrote is its own, under fresh keys
                last = new Outcome(Kind.LATER, 0, 0, "the manifest kept changing");
            }
        }
        return last;
    }

    /** @return whether the name no longer holds this manifest at this version */
    private boolean changed(Namespace ns, Manifest read) {
        Optional<Manifest> now = nsm.get(ns.name(), read.name());
        return now.isEmpty() || !now.get().objectId().equals(read.objectId()) || now.get().version() != read.version();
    }

    /** Fragments a read or a scrub found bad, whatever their OSD's state. */
    @FunctionalInterface
    interface Bad {
        Bad NONE = (c, f, fragment) -> false;

        boolean bad(int chunk, int index, Manifest.Fragment fragment);
    }

    static long pair(int chunk, int fragment) {
        return (long) chunk << 32 | fragment;
    }

    /** One try at one manifest. */
    private final class Attempt {
        final Namespace ns;
        final Manifest m;
        final Bad bad;
        final Map<Long, Integer> adopt;
        final Map<Integer, ClaimedOsd> claimed;
        /** Fragments written by this attempt: deleted if its manifest does not commit. */
        final List<Written> written = new ArrayList<>();
        long bytes;

        Attempt(Namespace ns, Manifest m, Bad bad, Map<Long, Integer> adopt) {
            this.ns = ns;
            this.m = m;
            this.bad = bad;
            this.adopt = adopt;
            this.claimed = osds.claimed();
        }

        boolean usable(int osd) {
            ClaimedOsd o = claimed.get(osd);
            return o != null && o.state() == ClaimedOsd.State.CLAIMED;
        }

        /** Whether its fragments can be read: claimed or decommissioned (being drained), bound. */
        boolean readable(int osd) {
            ClaimedOsd o = claimed.get(osd);
            return o != null && o.state() != ClaimedOsd.State.DEAD && osds.osd(osd).isPresent();
        }

        boolean needsWork(int chunk, int fragment) {
            Manifest.Fragment f = m.chunks().get(chunk).fragments().get(fragment);
            return !f.written() || !usable(f.osd()) || isBad(chunk, fragment);
        }

        boolean isBad(int chunk, int fragment) {
            return bad.bad(chunk, fragment, m.chunks().get(chunk).fragments().get(fragment));
        }

        /** @return the most fragments needing work in any one chunk */
        int worstLoss() {
            int worst = 0;
            for (int c = 0; c < m.chunks().size(); c++) {
                int n = 0;
                for (int f = 0; f < m.policy().width(); f++) {
                    n += needsWork(c, f) ? 1 : 0;
                }
                worst = Math.max(worst, n);
            }
            return worst;
        }

        /** @return whether a policy of the preset before the object's own can be placed on the live OSDs now */
        boolean raisable() {
            Optional<Preset> preset = abm.preset(ns.preset());
            if (preset.isEmpty()) {
                return false;
            }
            List<Policy> policies = preset.get().policies();
            int own = policies.indexOf(m.policy());
            if (own == 0) {
                return false;
            }
            List<Placement.Candidate> live = new ArrayList<>(osds.candidates());
            live.removeIf(c -> suspect.test(c.number()));
            Optional<Policy> best = Placement.choose(policies, live);
            return best.isPresent() && (own < 0 || policies.indexOf(best.get()) < own);
        }

        Outcome run() throws InterruptedException {
            Preset preset = abm.preset(ns.preset()).orElseThrow(() -> new IllegalStateException("preset "
                    + ns.preset() + " of namespace " + ns.name() + " does not exist"));
            List<Placement.Candidate> all = osds.candidates();
            List<Placement.Candidate> live = new ArrayList<>(all);
            live.removeIf(c -> suspect.test(c.number()));
            Optional<Policy> best = Placement.choose(preset.policies(), live);
            if (best.isEmpty()) {
                return new Outcome(Kind.LATER, 0, 0, "no policy of preset " + preset.name() + " "
                        + preset.policies() + " can be placed on the " + live.size() + " live OSDs");
            }
            if (!best.get().equals(m.policy()) && live.size() < all.size()
                    && Placement.choose(preset.policies(), all).filter(m.policy()::equals).isPresent()) {
                // Only a suspect OSD keeps the object from its own policy: a blip must not downgrade it for good.
                // Wait until the OSD answers again or is declared dead.
                return new Outcome(Kind.LATER, 0, 0, "an OSD is suspect: " + m.name() + " keeps policy "
                        + m.policy() + " until it answers or is dead");
            }
            try {
                List<Manifest.Chunk> chunks = new ArrayList<>();
                boolean same = best.get().equals(m.policy());
                for (int c = 0; c < m.chunks().size(); c++) {
                    Optional<Manifest.Chunk> chunk = same ? rebuild(c, live) : recode(c, best.get(), live);
                    if (chunk.isEmpty()) {
                        discardWritten();
                        return new Outcome(Kind.LOST, 0, 0, lostReason);
                    }
                    chunks.add(chunk.get());
                }
                Manifest next = new Manifest(m.name(), m.objectId(), 0, m.size(), m.checksum(),
                        same ? m.policy() : best.get(), m.compressor(), m.cipher(), m.keyId(), m.fragmentChecksum(),
                        m.erasureCodec(), m.blockSize(), chunks);
                nsm.put(ns.name(), next, Overwrite.version(m.objectId(), m.version()));
                deleteReplaced(next);
                if (!same) {
                    LOG.info("rewrote {}/{} from policy {} to {}", ns.name(), m.name(), m.policy(), best.get());
                }
                return new Outcome(same ? Kind.REPAIRED : Kind.REWRITTEN, written.size(), bytes, "");
            } catch (AssertFailedException e) {
                throw e;
            } catch (Unavailable e) {
                discardWritten();
                return new Outcome(Kind.LATER, 0, 0, e.getMessage());
            }
        }

        String lostReason = "";

        /** @return the chunk with its bad fragments rebuilt elsewhere, or empty if fewer than k are good */
        Optional<Manifest.Chunk> rebuild(int c, List<Placement.Candidate> live) throws InterruptedException {
            Manifest.Chunk chunk = m.chunks().get(c);
            int width = m.policy().width();
            List<Integer> need = new ArrayList<>();
            Map<String, Integer> usedPerNode = new HashMap<>();
            Set<Integer> exclude = new HashSet<>();
            for (int f = 0; f < width; f++) {
                Manifest.Fragment frag = chunk.fragments().get(f);
                if (needsWork(c, f)) {
                    need.add(f);
                } else {
                    exclude.add(frag.osd());
                    usedPerNode.merge(claimed.get(frag.osd()).nodeId(), 1, Integer::sum);
                }
            }
            if (need.isEmpty()) {
                return Optional.of(chunk);
            }
            ByteBuffer[] fragments = new ByteBuffer[width];
            // Adopt the fragments that landed late, where they verify: nothing to rebuild or write for those.
            Map<Integer, Integer> adopted = new HashMap<>();
            for (int f : List.copyOf(need)) {
                Integer osd = adopt.get(pair(c, f));
                if (osd != null && usable(osd) && !exclude.contains(osd)) {
                    ByteBuffer b = read(osd, FragmentKeys.key(ns.id(), m.objectId(), c, f, 0));
                    if (b != null && verifies(chunk, f, b)) {
                        adopted.put(f, osd);
                        need.remove((Integer) f);
                        exclude.add(osd);
                        usedPerNode.merge(claimed.get(osd).nodeId(), 1, Integer::sum);
                        fragments[f] = b;
                    }
                }
            }
            List<Manifest.Fragment> out = new ArrayList<>(chunk.fragments());
            adopted.forEach((f, osd) -> out.set(f, new Manifest.Fragment(osd, chunk.fragments().get(f).checksum(),
                    0)));
            if (need.isEmpty()) {
                return Optional.of(new Manifest.Chunk(chunk.length(), chunk.storedLength(), chunk.fragmentLength(),
                        out));
            }
            // A fragment its decommissioned OSD still serves is copied as it is where it verifies: one read, not the
            // k a rebuild takes (gather below reads the others first, so it would never come to it).
            boolean copiedAll = true;
            for (int f : need) {
                Manifest.Fragment frag = chunk.fragments().get(f);
                if (fragments[f] == null && frag.written() && !isBad(c, f) && readable(frag.osd())) {
                    rate.acquire(chunk.fragmentLength()); // before the read, so that reads are paced, not bursts
                    ByteBuffer b = read(frag.osd(), FragmentKeys.key(ns.id(), m, c, f));
                    if (b != null && verifies(chunk, f, b)) {
                        fragments[f] = b;
                    }
                }
                copiedAll &= fragments[f] != null;
            }
            if (!copiedAll && !gather(c, chunk, fragments, m.policy().k())) {
                return Optional.empty();
            }
            // A fragment still readable and good (on a decommissioned OSD being drained) is copied, not rebuilt.
            List<Integer> wanted = new ArrayList<>();
            for (int f : need) {
                if (fragments[f] == null || isBad(c, f)) {
                    wanted.add(f);
                }
            }
            ErasureCode code = code(m.policy());
            Checksum checksum = codecs.checksum(m.fragmentChecksum());
            ByteBuffer[] sources = fragments.clone();
            for (int f : wanted) {
                sources[f] = null;
            }
            ByteBuffer[] rebuilt = wanted.isEmpty() ? new ByteBuffer[0]
                    : ChunkLayout.rebuild(code, checksum, chunk, sources, wanted.stream().mapToInt(i -> i).toArray());
            Map<Integer, ByteBuffer> data = new HashMap<>();
            for (int w = 0; w < wanted.size(); w++) {
                data.put(wanted.get(w), rebuilt[w]);
            }
            for (int f : need) {
                data.putIfAbsent(f, fragments[f]);
            }
            List<Placement.Candidate> targets;
            try {
                targets = Placement.placeMore(m.policy(), live, usedPerNode, exclude, need.size(), ThreadLocalRandom.current());
            } catch (IllegalStateException e) {
                throw new Unavailable("fragments of " + m.name() + " cannot be placed: " + e.getMessage());
            }
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < need.size(); i++) {
                int f = need.get(i);
                int osd = targets.get(i).number();
                long generation = generation();
                writes.add(write(osd, FragmentKeys.key(ns.id(), m.objectId(), c, f, generation), data.get(f)));
                out.set(f, new Manifest.Fragment(osd, chunk.fragments().get(f).checksum(), generation));
            }
            await(writes);
            return Optional.of(new Manifest.Chunk(chunk.length(), chunk.storedLength(), chunk.fragmentLength(), out));
        }

        /** @return the chunk erasure-coded by {@code policy} on new OSDs, or empty if fewer than k are good */
        Optional<Manifest.Chunk> recode(int c, Policy policy, List<Placement.Candidate> live)
                throws InterruptedException {
            Manifest.Chunk chunk = m.chunks().get(c);
            ByteBuffer[] fragments = new ByteBuffer[m.policy().width()];
            if (!gather(c, chunk, fragments, m.policy().k())) {
                return Optional.empty();
            }
            Checksum checksum = codecs.checksum(m.fragmentChecksum());
            EncodedChunk encoded = ChunkLayout.recode(code(m.policy()), code(policy), checksum, chunk, fragments);
            List<Placement.Candidate> targets = Placement.place(policy, live, ThreadLocalRandom.current());
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            int[] numbers = new int[policy.width()];
            long[] generations = new long[policy.width()];
            for (int f = 0; f < policy.width(); f++) {
                numbers[f] = targets.get(f).number();
                generations[f] = generation();
                writes.add(write(numbers[f], FragmentKeys.key(ns.id(), m.objectId(), c, f, generations[f]),
                        encoded.fragments().get(f)));
            }
            await(writes);
            List<Manifest.Fragment> out = new ArrayList<>();
            for (int f = 0; f < policy.width(); f++) {
                out.add(new Manifest.Fragment(numbers[f], encoded.checksums().get(f), generations[f]));
            }
            return Optional.of(new Manifest.Chunk(chunk.length(), chunk.storedLength(), encoded.fragmentLength(),
                    out));
        }

        /**
         * Reads good fragments of a chunk into {@code fragments} (entries already set are kept) until k verify: the
         * ones that need no work first, then the readable ones that do (a decommissioned OSD's).
         *
         * @return whether k are good; if not, {@link #lostReason} says why
         */
        boolean gather(int c, Manifest.Chunk chunk, ByteBuffer[] fragments, int k) throws InterruptedException {
            List<Integer> order = new ArrayList<>();
            for (int pass = 0; pass < 2; pass++) {
                for (int f = 0; f < fragments.length; f++) {
                    Manifest.Fragment frag = chunk.fragments().get(f);
                    boolean first = !needsWork(c, f);
                    if (fragments[f] == null && frag.written() && (pass == 0) == first
                            && !isBad(c, f) && readable(frag.osd())) {
                        order.add(f);
                    }
                }
            }
            int good = 0;
            for (ByteBuffer b : fragments) {
                good += b != null ? 1 : 0;
            }
            int unavailable = 0;
            int next = 0;
            while (good < k && next < order.size()) {
                int batch = Math.min(k - good, order.size() - next);
                List<Integer> ids = order.subList(next, next + batch);
                next += batch;
                List<CompletableFuture<Optional<ByteBuffer>>> reads = new ArrayList<>();
                for (int f : ids) {
                    Manifest.Fragment frag = chunk.fragments().get(f);
                    Osd osd = osds.osd(frag.osd()).orElseThrow();
                    rate.acquire(chunk.fragmentLength()); // before the read, so that reads are paced, not bursts
                    reads.add(osd.getOnce(List.of(FragmentKeys.key(ns.id(), m, c, f))).thenApply(l -> l.get(0)));
                }
                for (int i = 0; i < ids.size(); i++) {
                    int f = ids.get(i);
                    try {
                        Optional<ByteBuffer> b = reads.get(i).get(OSD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                        if (b.isPresent() && verifies(chunk, f, b.get())) {
                            fragments[f] = b.get();
                            good++;
                        }
                    } catch (ExecutionException | TimeoutException e) {
                        if (!(e.getCause() instanceof IntegrityException)) {
                            unavailable++;
                        }
                    }
                }
            }
            if (good >= k) {
                return true;
            }
            if (unavailable > 0) {
                throw new Unavailable("chunk " + c + " of " + m.name() + ": " + good + " good fragments of the k = "
                        + k + " needed, " + unavailable + " unreadable for now");
            }
            lostReason = "chunk " + c + " has " + good + " good fragments, k = " + k + " are needed";
            return false;
        }

        ErasureCode code(Policy p) {
            return codecs.erasureCodec(m.erasureCodec()).code(p.k(), p.m());
        }

        boolean verifies(Manifest.Chunk chunk, int f, ByteBuffer b) {
            if (b.remaining() != chunk.fragmentLength()) {
                return false;
            }
            Checksum checksum = codecs.checksum(m.fragmentChecksum());
            return checksum.compute(b).equals(Digest.of(checksum.name(),
                    chunk.fragments().get(f).checksum().toByteArray()));
        }

        ByteBuffer read(int osd, Bytes key) throws InterruptedException {
            Optional<Osd> o = osds.osd(osd);
            if (o.isEmpty()) {
                return null;
            }
            try {
                return o.get().getOnce(List.of(key)).get(OSD_TIMEOUT_SECONDS, TimeUnit.SECONDS).get(0).orElse(null);
            } catch (ExecutionException | TimeoutException e) {
                return null;
            }
        }

        CompletableFuture<Void> write(int osd, Bytes key, ByteBuffer data) throws InterruptedException {
            Osd target = osds.osd(osd).orElseThrow(() -> new Unavailable("OSD " + osd + " went away"));
            rate.acquire(data.remaining());
            Written w = new Written(osd, key);
            synchronized (written) {
                written.add(w);
            }
            bytes += data.remaining();
            return target.apply(List.of(), List.of(Update.set(key, data.duplicate())));
        }

        void await(List<CompletableFuture<Void>> writes) throws InterruptedException {
            for (CompletableFuture<Void> w : writes) {
                try {
                    w.get(OSD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    throw new Unavailable("a fragment write failed: " + (e.getCause() != null ? e.getCause() : e));
                }
            }
        }

        /** The manifest did not commit: what this attempt wrote is nobody's (its keys are fresh). */
        void discardWritten() {
            List<Written> mine;
            synchronized (written) {
                mine = List.copyOf(written);
                written.clear();
            }
            Map<Integer, List<Bytes>> byOsd = new HashMap<>();
            for (Written w : mine) {
                byOsd.computeIfAbsent(w.osd(), n -> new ArrayList<>()).add(w.key());
            }
            byOsd.forEach(this::delete);
        }

        /**
         * Deletes keys of this object on one OSD. A key that cannot be deleted now (its OSD does not answer, or is not
         * bound here) would stay for good, since nothing else knows it: it is queued as garbage, for an agent to delete
         * once the OSD answers. Not on a dead or forgotten OSD: nothing there is ever read or freed.
         */
        void delete(int osd, List<Bytes> keys) {
            CompletableFuture<Void> done;
            try {
                Optional<Osd> o = osds.osd(osd);
                done = o.isPresent() ? o.get().apply(List.of(), keys.stream().map(Update::delete).toList())
                        : CompletableFuture.failedFuture(new Unavailable("OSD " + osd + " is not bound here"));
            } catch (RuntimeException e) {
                done = CompletableFuture.failedFuture(e);
            }
            done.whenComplete((v, e) -> {
                ClaimedOsd o = claimed.get(osd);
                if (e != null && o != null && o.state() != ClaimedOsd.State.DEAD) {
                    try {
                        abm.queueWork(GarbageJob.KIND, GarbageJob.payload(osd, m.name(), keys));
                    } catch (RuntimeException q) {
                        LOG.warn("could not queue {} keys of {}/{} on OSD {} as garbage: {}", keys.size(), ns.name(),
                                m.name(), osd, q.toString());
                    }
                }
            });
        }

        /** After the commit: the old copies of every fragment the new manifest does not hold any more. */
        void deleteReplaced(Manifest next) {
            Map<Integer, List<Bytes>> byOsd = new HashMap<>();
            for (int c = 0; c < m.chunks().size(); c++) {
                List<Manifest.Fragment> old = m.chunks().get(c).fragments();
                List<Manifest.Fragment> now = next.chunks().get(c).fragments();
                boolean samePolicy = next.policy().equals(m.policy());
                for (int f = 0; f < old.size(); f++) {
                    Manifest.Fragment o = old.get(f);
                    boolean kept = samePolicy && now.get(f).osd() == o.osd() && now.get(f).generation()
                            == o.generation();
                    if (o.written() && !kept) {
                        byOsd.computeIfAbsent(o.osd(), n -> new ArrayList<>()).add(FragmentKeys.key(ns.id(),
                                m.objectId(), c, f, o.generation()));
                    }
                }
            }
            byOsd.forEach(this::delete);
        }
    }

    // Rebalancing: a move is a repair of a fragment that is still there.

    /** Where a fragment is moved to (rebalancing). */
    @FunctionalInterface
    interface MoveTarget {
        /**
         * @param allowed the OSDs it may go to: live, claimed, not suspect, holding no other fragment of its chunk,
         *        on a node with fewer than x of the chunk's other fragments
         * @param fragmentLength its length
         * @return the number of the OSD (one of {@code allowed}) to move it to, or empty to leave it where it is
         */
        java.util.OptionalInt choose(List<Placement.Candidate> allowed, int fragmentLength);
    }

    /**
     * Moves fragment {@code fragment} of chunk {@code chunk} of an object off OSD {@code from} onto the OSD
     * {@code target} picks: the fragment is read and verified, written there under a fresh generation, the manifest
     * put under {@code Overwrite.version(id, version read)}, and the old copy deleted only after that committed. A lost
     * race deletes only what it wrote and tries again on the new manifest. A copy absent or corrupt on {@code from} is
     * not moved but repaired (rebuilt from k others, placed as a repair places it).
     *
     * @return REPAIRED with the bytes written if it moved (or was rebuilt); STALE if the name holds another version
     *         or the fragment is not on {@code from} any more; DEFERRED if the object needs a repair first (a
     *         fragment unwritten, on an OSD out of service) or {@code target} chose none; LATER if an OSD did not
     *         answer or the manifest kept changing; LOST as a repair says it
     */
    Outcome move(Namespace ns, String name, String objectId, int chunk, int fragment, int from, MoveTarget target)
            throws InterruptedException {
        Outcome last = Outcome.of(Kind.LATER);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<Manifest> current = nsm.get(ns.name(), name);
            if (current.isEmpty() || !current.get().objectId().equals(objectId)
                    || chunk >= current.get().chunks().size() || fragment >= current.get().policy().width()
                    || current.get().chunks().get(chunk).fragments().get(fragment).osd() != from) {
                return Outcome.of(Kind.STALE);
            }
            Manifest m = current.get();
            Attempt a = new Attempt(ns, m, Bad.NONE, Map.of());
            if (a.worstLoss() > 0) {
                return new Outcome(Kind.DEFERRED, 0, 0, m.name() + " needs a repair, not a move");
            }
            Manifest.Chunk ch = m.chunks().get(chunk);
            Manifest.Fragment old = ch.fragments().get(fragment);
            // Never two fragments of a chunk on one OSD; at most x on a node, not counting the one that moves.
            Set<Integer> holding = new HashSet<>();
            Map<String, Integer> perNode = new HashMap<>();
            for (int f = 0; f < ch.fragments().size(); f++) {
                int osd = ch.fragments().get(f).osd();
                holding.add(osd);
                if (f != fragment) {
                    perNode.merge(a.claimed.get(osd).nodeId(), 1, Integer::sum);
                }
            }
            List<Placement.Candidate> allowed = new ArrayList<>();
            for (Placement.Candidate c : osds.candidates()) {
                if (!suspect.test(c.number()) && !holding.contains(c.number())
                        && perNode.getOrDefault(c.nodeId(), 0) < m.policy().x()) {
                    allowed.add(c);
                }
            }
            java.util.OptionalInt chosen = target.choose(allowed, ch.fragmentLength());
            if (chosen.isEmpty()) {
                return new Outcome(Kind.DEFERRED, 0, 0, "no OSD to move it to");
            }
            int to = chosen.getAsInt();
            if (allowed.stream().noneMatch(c -> c.number() == to)) {
                throw new IllegalArgumentException("OSD " + to + " is not one a fragment of " + m.name()
                        + " may move to");
            }
            Bytes oldKey = FragmentKeys.key(ns.id(), m, chunk, fragment);
            Optional<ByteBuffer> copy;
            rate.acquire(ch.fragmentLength()); // the read, paced before it; the write pays again below
            try {
                Osd source = osds.osd(from).orElseThrow(() -> new Unavailable("OSD " + from + " is not bound here"));
                copy = source.getOnce(List.of(oldKey)).get(OSD_TIMEOUT_SECONDS, TimeUnit.SECONDS).get(0);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof IntegrityException)) {
                    return new Outcome(Kind.LATER, 0, 0, "OSD " + from + ": " + e.getCause());
                }
                copy = Optional.empty(); // the OSD found its copy corrupt
            } catch (TimeoutException | Unavailable e) {
                return new Outcome(Kind.LATER, 0, 0, "OSD " + from + " did not answer");
            }
            if (copy.isEmpty() || !a.verifies(ch, fragment, copy.get())) {
                long generation = old.generation();
                return repair(ns, name, objectId, (c, f, frag) -> c == chunk && f == fragment && frag.osd() == from
                        && frag.generation() == generation, Map.of(), 1);
            }
            try {
                long generation = generation();
                a.await(List.of(a.write(to, FragmentKeys.key(ns.id(), objectId, chunk, fragment, generation),
                        copy.get())));
                List<Manifest.Fragment> fragments = new ArrayList<>(ch.fragments());
                fragments.set(fragment, new Manifest.Fragment(to, old.checksum(), generation));
                List<Manifest.Chunk> chunks = new ArrayList<>(m.chunks());
                chunks.set(chunk, new Manifest.Chunk(ch.length(), ch.storedLength(), ch.fragmentLength(), fragments));
                Manifest next = new Manifest(m.name(), m.objectId(), 0, m.size(), m.checksum(), m.policy(),
                        m.compressor(), m.cipher(), m.keyId(), m.fragmentChecksum(), m.erasureCodec(), m.blockSize(),
                        chunks);
                nsm.put(ns.name(), next, Overwrite.version(m.objectId(), m.version()));
                a.deleteReplaced(next); // the copy on `from`, only now
                return new Outcome(Kind.REPAIRED, 1, a.bytes, "");
            } catch (AssertFailedException e) {
                a.discardWritten(); // lost the race: what it wrote is its own, under a fresh key
                last = new Outcome(Kind.LATER, 0, 0, "the manifest kept changing");
            } catch (Unavailable e) {
                a.discardWritten();
                return new Outcome(Kind.LATER, 0, 0, e.getMessage());
            }
        }
        return last;
    }

    private record Written(int osd, Bytes key) {
    }

    /** @return a fresh nonzero generation: 64 random bits, so two attempts never pick the same key */
    private static long generation() {
        long g;
        do {
            g = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE; // FragmentKeys takes generations >= 0
        } while (g == 0);
        return g;
    }

    /** An OSD that did not answer: the object is tried again later. */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }
}
