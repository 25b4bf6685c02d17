package io.albireo.maintenance.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import com.google.gson.JsonObject;

import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.NamespaceManager.FragmentRef;

/**
 * {@code repair-osd}: every object of one namespace with a fragment on one OSD that is dead or decommissioned is
 * repaired. It walks the NSM's index of the OSD a page at a time (never every manifest, never a list in memory); a
 * repaired object leaves the index, so the walk resumes after a restart from its checkpoint, or from the start, and
 * finds only what is left. With several OSDs lost, the walk is made once per level of loss, the most degraded objects
 * first: in pass {@code p} only objects with a chunk that lost at least {@code p} fragments are repaired.
 */
final class OsdRepairJob implements Job {
    static final String KIND = "repair-osd";
    static final int PAGE = 256;
    /** How long objects that could not be repaired now (an OSD did not answer) wait before the next walk. */
    static final long RETRY_MILLIS = TimeUnit.SECONDS.toMillis(60);

    private final AlbaManager abm;
    private final NamespaceManager nsm;
    private final ObjectRepair repair;
    private final LostObjects lost;
    private final LongSupplier clock;
    private final ExecutorService workers;
    private final int inFlight;

    /**
     * @param workers where objects are repaired in parallel (shared by the agent's items)
     * @param inFlight objects of one item repaired at once
     */
    OsdRepairJob(AlbaManager abm, NamespaceManager nsm, ObjectRepair repair, LostObjects lost, LongSupplier clock,
            ExecutorService workers, int inFlight) {
        this.abm = abm;
        this.nsm = nsm;
        this.repair = repair;
        this.lost = lost;
        this.clock = clock;
        this.workers = workers;
        this.inFlight = inFlight;
    }

    @Override
    public Result run(Lease lease) throws InterruptedException {
        JsonObject p = lease.object();
        if (!p.has("namespace") || !p.has("osd")) {
            return Result.DONE; // not a payload this job understands: nothing it could do
        }
        String namespace = p.get("namespace").getAsString();
        int osd = p.get("osd").getAsInt();
        Optional<Namespace> ns = abm.namespace(namespace);
        Optional<ClaimedOsd> target = abm.osds().stream().filter(o -> o.number() == osd).findFirst();
        if (ns.isEmpty() || target.isEmpty() || target.get().state() == ClaimedOsd.State.CLAIMED) {
            return Result.DONE; // the namespace is gone (its deletion frees it all), or the OSD is back in service
        }
        // ObjectRepair judges fragments by the claims as the last probe read them: the OSD may have died or been
        // decommissioned since, and a repair that still saw it claimed would find every object clean and end.
        repair.refreshClaims();
        long now = clock.getAsLong();
        JobProgress progress = JobProgress.of(p, now);
        JobProgress lastRated = progress;
        int lostOsds = (int) abm.osds().stream().filter(o -> o.state() != ClaimedOsd.State.CLAIMED).count();
        int pass = p.has("pass") ? p.get("pass").getAsInt() : Math.max(1, lostOsds);
        FragmentRef after = p.has("after") ? ref(p.getAsJsonObject("after")) : null;
        long skipped = p.has("skipped") ? p.get("skipped").getAsLong() : 0;
        // Objects are repaired in parallel, up to inFlight at once, each taken as a slot frees (not in batches that
        // wait for their slowest): one object's repair is a chain of round trips (manifest, k reads, a write, the
        // manifest put), so objects in flight, not threads per item, make a repair as fast as the disks. The
        // checkpoint moves over the objects finished in the index's order only, so a restart redoes none it skips.
        FragmentRef cursor = after; // where the next page is read from
        boolean indexEnd = false;
        ArrayDeque<Group> toSubmit = new ArrayDeque<>();
        ArrayDeque<Pending> inOrder = new ArrayDeque<>();
        LinkedBlockingQueue<Pending> finished = new LinkedBlockingQueue<>();
        Group lastSubmitted = null;
        boolean stopping = false;
        while (true) {
            stopping |= lease.stop();
            while (!stopping && inOrder.size() < inFlight) {
                if (toSubmit.isEmpty()) {
                    if (indexEnd) {
                        break;
                    }
                    List<FragmentRef> page = nsm.fragmentsOn(namespace, osd, cursor, PAGE);
                    if (page.isEmpty()) {
                        indexEnd = true;
                        break;
                    }
                    cursor = page.get(page.size() - 1);
                    for (Group g : groups(page)) {
                        if (lastSubmitted != null && g.first().name().equals(lastSubmitted.first().name())
                                && g.first().objectId().equals(lastSubmitted.first().objectId())) {
                            continue; // the rest of an object the last page ended in: its repair covers it
                        }
                        toSubmit.add(g);
                        lastSubmitted = g;
                    }
                    continue;
                }
                Group group = toSubmit.poll();
                Pending pending = new Pending(group);
                int minLoss = pass;
                try {
                    workers.execute(() -> {
                        try {
                            pending.outcome = repairOne(ns.get(), group, minLoss);
                        } finally {
                            finished.add(pending); // whatever happened: the job waits for every object it sent
                        }
                    });
                    inOrder.add(pending);
                } catch (RejectedExecutionException e) {
                    stopping = true; // the agent is stopping: what was submitted finishes, the rest is the next's
                }
            }
            if (inOrder.isEmpty()) {
                if (stopping) {
                    checkpoint(lease, p, pass, after, skipped, progress);
                    return Result.later(0, "");
                }
                // The walk of this pass is over, and every object of it finished.
                if (pass > 1) {
                    pass--;
                    after = null;
                    cursor = null;
                    indexEnd = false;
                    lastSubmitted = null;
                    checkpoint(lease, p, pass, null, skipped, progress);
                    continue;
                }
                if (skipped == 0) {
                    return Result.DONE;
                }
                checkpoint(lease, p.deepCopy(), 1, null, 0, progress);
                return Result.later(RETRY_MILLIS, skipped + " objects in " + namespace + " on OSD " + osd
                        + " could not be repaired yet");
            }
            Pending done = finished.take();
            done.finished = true;
            ObjectRepair.Outcome o = done.outcome;
            Group group = done.group;
            switch (o.kind()) {
                case REPAIRED, REWRITTEN -> progress = progress.add(1, group.fragments(), o.bytes());
                case LOST -> lost.report(namespace, group.first().name(), group.first().objectId(), o.why());
                case LATER -> skipped++;
                default -> {
                    // CLEAN, STALE, DEFERRED: nothing to do in this pass
                }
            }
            while (!inOrder.isEmpty() && inOrder.peek().finished) {
                after = inOrder.poll().group.last();
            }
            JobProgress rated = progress.rated(lastRated, clock.getAsLong());
            if (rated != progress) {
                progress = rated;
                lastRated = rated;
            }
            checkpoint(lease, p, pass, after, skipped, progress);
        }
    }

    /** @return the page's objects, each with the count of its fragments on the OSD, in the index's order */
    private static List<Group> groups(List<FragmentRef> page) {
        List<Group> groups = new ArrayList<>();
        for (int i = 0; i < page.size(); i++) {
            FragmentRef ref = page.get(i);
            int fragments = 1;
            while (i + 1 < page.size() && page.get(i + 1).name().equals(ref.name())
                    && page.get(i + 1).objectId().equals(ref.objectId())) {
                i++;
                fragments++;
            }
            groups.add(new Group(ref, fragments, page.get(i)));
        }
        return groups;
    }

    private ObjectRepair.Outcome repairOne(Namespace ns, Group group, int minLoss) {
        try {
            return repair.repair(ns, group.first().name(), group.first().objectId(), ObjectRepair.Bad.NONE, Map.of(),
                    minLoss);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ObjectRepair.Outcome(ObjectRepair.Kind.LATER, 0, 0, "interrupted");
        } catch (RuntimeException e) {
            // A bug or a metadata failure in one object's repair: that object waits for the next walk.
            return new ObjectRepair.Outcome(ObjectRepair.Kind.LATER, 0, 0, String.valueOf(e));
        }
    }

    /** An object submitted for repair, in the index's order; its outcome once a worker set it. */
    private static final class Pending {
        final Group group;
        /** Until a worker sets it (an Error left it unset): tried again at the next walk. */
        volatile ObjectRepair.Outcome outcome = new ObjectRepair.Outcome(ObjectRepair.Kind.LATER, 0, 0, "failed");
        boolean finished;

        Pending(Group group) {
            this.group = group;
        }
    }

    /** One object of a page: its first and last entries in the index, and how many fragments it has there. */
    private record Group(FragmentRef first, int fragments, FragmentRef last) {
    }

    private static void checkpoint(Lease lease, JsonObject p, int pass, FragmentRef after, long skipped,
            JobProgress progress) {
        p.addProperty("pass", pass);
        p.addProperty("skipped", skipped);
        if (after == null) {
            p.remove("after");
        } else {
            JsonObject a = new JsonObject();
            a.addProperty("name", after.name());
            a.addProperty("objectId", after.objectId());
            a.addProperty("chunk", after.chunk());
            a.addProperty("fragment", after.fragment());
            p.add("after", a);
        }
        progress.into(p);
        lease.checkpoint(p);
    }

    private static FragmentRef ref(JsonObject a) {
        return new FragmentRef(a.get("name").getAsString(), a.get("objectId").getAsString(), a.get("chunk").getAsInt(),
                a.get("fragment").getAsInt());
    }
}
