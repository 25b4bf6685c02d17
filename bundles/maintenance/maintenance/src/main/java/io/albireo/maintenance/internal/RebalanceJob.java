package io.albireo.maintenance.internal;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.albireo.api.maintenance.MaintenanceStatus;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.NamespaceManager.FragmentRef;
import io.albireo.api.metadata.WorkItem;
import io.albireo.object.layout.LiveOsds;

/**
 * {@code rebalance} {@code {namespace}}: moves fragments of one namespace from its fullest OSDs to its emptiest until
 * every OSD in service is within the band ({@link Balance}). It walks the NSM's index of the fullest OSD a page at a
 * time and moves each fragment it can ({@link ObjectRepair#move}: verified, written under a fresh generation, the
 * manifest put under its version, the old copy deleted after the commit) to the emptiest OSD that may take it (never
 * two of a chunk on one OSD, at most x per node) if that narrows the gap. The figures are read again at every page; the
 * walk goes on from whichever OSD is fullest then, each OSD's cursor kept in the payload with the progress, so that an
 * agent taking the item over resumes there. An OSD walked to its end without a move is left out; when none is left the
 * job ends even if the namespace is not within the band (its fragments cannot move further).
 *
 * <p>Memory: a page of the index and one fragment at a time. Every byte read or written goes through the rate limit.
 * One agent runs one rebalance at a time; an agent with rebalancing turned off finishes the items it gets.
 */
final class RebalanceJob implements Job {
    static final String KIND = "rebalance";
    private static final Logger LOG = LoggerFactory.getLogger(RebalanceJob.class);
    static final int PAGE = OsdRepairJob.PAGE;
    /** How long an item waits when this agent runs another rebalance already. */
    static final long BUSY_MILLIS = TimeUnit.SECONDS.toMillis(60);

    private final AlbaManager abm;
    private final NamespaceManager nsm;
    private final LiveOsds osds;
    private final ObjectRepair repair;
    private final LostObjects lost;
    private final IntPredicate suspect;
    private final PeriodicWork.Settings settings;
    private final LongSupplier clock;
    private final Semaphore one = new Semaphore(1);

    RebalanceJob(AlbaManager abm, NamespaceManager nsm, LiveOsds osds, ObjectRepair repair, LostObjects lost,
            IntPredicate suspect, PeriodicWork.Settings settings, LongSupplier clock) {
        this.abm = abm;
        this.nsm = nsm;
        this.osds = osds;
        this.repair = repair;
        this.lost = lost;
        this.suspect = suspect;
        this.settings = settings;
        this.clock = clock;
    }

    Balance balance(String namespace) {
        return Balance.of(nsm, osds, suspect, namespace, settings.band());
    }

    @Override
    public Result run(Lease lease) throws InterruptedException {
        JsonObject p = lease.object();
        if (!settings.rebalance() || !p.has("namespace")) {
            return Result.DONE; // rebalancing is off here, or not a payload this job understands
        }
        String namespace = p.get("namespace").getAsString();
        Optional<Namespace> ns = abm.namespace(namespace);
        if (ns.isEmpty()) {
            return Result.DONE;
        }
        if (!one.tryAcquire()) {
            return Result.later(BUSY_MILLIS, "");
        }
        try {
            if (PeriodicWork.duplicate(abm, lease.item, namespace)) {
                return Result.DONE;
            }
            return walk(lease, p, ns.get());
        } finally {
            one.release();
        }
    }

    private Result walk(Lease lease, JsonObject p, Namespace ns) throws InterruptedException {
        long now = clock.getAsLong();
        JobProgress progress = JobProgress.of(p, now);
        JobProgress lastRated = progress;
        JsonObject walks = p.has("walks") ? p.getAsJsonObject("walks") : new JsonObject();
        Set<Integer> exhausted = new HashSet<>();
        if (p.has("exhausted")) {
            p.getAsJsonArray("exhausted").forEach(e -> exhausted.add(e.getAsInt()));
        }
        while (true) {
            if (lease.stop()) {
                return Result.later(0, "");
            }
            Balance balance = balance(ns.name());
            if (balance.inBand()) {
                LOG.info("namespace {} is within ±{} % of the mean: {} fragments ({} bytes) moved; {}", ns.name(),
                        Math.round(settings.band() * 100), progress.units(), progress.bytes(), balance);
                return Result.DONE;
            }
            OptionalInt fullest = balance.fullest(exhausted);
            if (fullest.isEmpty()) {
                LOG.info("namespace {} stays out of the band: no more fragment can move ({} moved, {} bytes); {}",
                        ns.name(), progress.units(), progress.bytes(), balance);
                return Result.DONE;
            }
            int source = fullest.getAsInt();
            String key = Integer.toString(source);
            JsonObject walk = walks.has(key) ? walks.getAsJsonObject(key) : new JsonObject();
            FragmentRef after = walk.has("after") ? ref(walk.getAsJsonObject("after")) : null;
            long moved = walk.has("moved") ? walk.get("moved").getAsLong() : 0;
            List<FragmentRef> page = nsm.fragmentsOn(ns.name(), source, after, PAGE);
            if (page.isEmpty()) {
                // The end of this OSD's index: walk it again from the start if it moved something, else leave it.
                if (moved == 0) {
                    exhausted.add(source);
                }
                walks.remove(key);
                checkpoint(lease, p, walks, exhausted, source, progress);
                continue;
            }
            for (FragmentRef ref : page) {
                if (lease.stop() || !balance.worthMovingFrom(source)) {
                    break; // stopping, or another OSD is the one to move from now: the next page says
                }
                int[] to = {-1};
                ObjectRepair.Outcome o = repair.move(ns, ref.name(), ref.objectId(), ref.chunk(), ref.fragment(),
                        source, (allowed, length) -> {
                            OptionalInt t = balance.target(source, allowed, length);
                            t.ifPresent(n -> to[0] = n);
                            return t;
                        });
                switch (o.kind()) {
                    case REPAIRED, REWRITTEN -> {
                        moved++;
                        progress = progress.add(1, 1, o.bytes());
                        if (to[0] >= 0) {
                            balance.moved(source, to[0], o.bytes());
                        }
                    }
                    case LOST -> lost.report(ns.name(), ref.name(), ref.objectId(), o.why());
                    default -> {
                        // STALE, DEFERRED (nowhere to go, or a repair's to do), LATER (an OSD did not answer): the
                        // fragment stays; the next walk of this OSD sees it again
                    }
                }
                after = ref;
                walk = cursor(after, moved);
                walks.add(key, walk);
                JobProgress rated = progress.rated(lastRated, clock.getAsLong());
                if (rated != progress) {
                    progress = rated;
                    lastRated = rated;
                }
                checkpoint(lease, p, walks, exhausted, source, progress);
            }
        }
    }

    private static JsonObject cursor(FragmentRef after, long moved) {
        JsonObject w = new JsonObject();
        JsonObject a = new JsonObject();
        a.addProperty("name", after.name());
        a.addProperty("objectId", after.objectId());
        a.addProperty("chunk", after.chunk());
        a.addProperty("fragment", after.fragment());
        w.add("after", a);
        w.addProperty("moved", moved);
        return w;
    }

    private static void checkpoint(Lease lease, JsonObject p, JsonObject walks, Set<Integer> exhausted, int source,
            JobProgress progress) {
        p.add("walks", walks.deepCopy());
        JsonArray e = new JsonArray();
        exhausted.stream().sorted().forEach(e::add);
        p.add("exhausted", e);
        p.addProperty("osd", source);
        progress.into(p);
        lease.checkpoint(p);
    }

    private static FragmentRef ref(JsonObject a) {
        return new FragmentRef(a.get("name").getAsString(), a.get("objectId").getAsString(), a.get("chunk").getAsInt(),
                a.get("fragment").getAsInt());
    }

    /** @return the item as a job of {@code maintenance:status}: fragments moved, and the bytes above the mean left */
    MaintenanceStatus.Job status(WorkItem item, String holder, JsonObject p, long now) {
        String ns = p.has("namespace") ? p.get("namespace").getAsString() : "";
        JobProgress pr = JobProgress.of(p, now);
        long bytesLeft = -1;
        try {
            bytesLeft = balance(ns).excess();
        } catch (RuntimeException e) {
            // the namespace is gone: the job ends at its next run
        }
        JsonElement osd = p.get("osd");
        long eta = bytesLeft >= 0 && pr.rate() > 0 ? Math.round(bytesLeft / pr.rate()) : bytesLeft == 0 ? 0 : -1;
        return new MaintenanceStatus.Job(item.id(), item.kind(), "namespace " + ns + (osd != null ? ", from OSD "
                + osd.getAsString() : ""), holder, "fragments", pr.units(), -1, pr.bytes(), bytesLeft, pr.rate(), eta);
    }
}
