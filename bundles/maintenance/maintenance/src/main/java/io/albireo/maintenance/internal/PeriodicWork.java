package io.albireo.maintenance.internal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonObject;

import io.albireo.api.Bytes;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.WorkItem;
import io.albireo.object.layout.LiveOsds;

/**
 * What the agent queues by itself, checked every {@code checkMillis} from the probe timer (and at once when an OSD is
 * newly claimed): a {@code scrub} item per namespace that has none (it then lives on, one pass per interval), and a
 * {@code rebalance} item per namespace whose OSDs are out of the band, unless one is queued already or an OSD of the
 * namespace is being repaired (the repair places fragments anew; balance is looked at after it). Agents on several
 * appliances may check at once and queue an item twice: the jobs finish a duplicate at once, the lowest id going on.
 *
 * <p>A rebalance that ends with the namespace still out of the band (its fragments cannot move further: the per-node
 * limits, or every emptier OSD holds a fragment of each chunk) is not queued again by this agent until the OSDs in
 * service change or {@link #STUCK_MILLIS} pass, so that no agent walks the index over and over for nothing.
 */
final class PeriodicWork {
    private static final Logger LOG = LoggerFactory.getLogger(PeriodicWork.class);
    /** How long a namespace a rebalance could not bring within the band waits before it is tried again. */
    static final long STUCK_MILLIS = TimeUnit.HOURS.toMillis(6);

    /**
     * @param rebalance whether namespaces out of the band are rebalanced
     * @param band the band, a fraction of the mean (0.05: each OSD within ±5 % of the mean)
     * @param checkMillis time between checks
     * @param scrubIntervalMillis time between scrub passes of a namespace; 0: no scrub
     */
    record Settings(boolean rebalance, double band, long checkMillis, long scrubIntervalMillis) {
        /** Neither (what tests that look at other work use). */
        static final Settings OFF = new Settings(false, 0.05, TimeUnit.MINUTES.toMillis(5), 0);

        Settings {
            if (!(band > 0 && band < 1) || checkMillis < 1 || scrubIntervalMillis < 0) {
                throw new IllegalArgumentException("maintenance: rebalanceBand is a percentage above 0 and below 100,"
                        + " the check period at least 1 ms and the scrub interval 0 (none) or more; got " + this);
            }
        }
    }

    private final AlbaManager abm;
    private final NamespaceManager nsm;
    private final LiveOsds osds;
    private final IntPredicate suspect;
    private final Settings settings;
    private final LongSupplier clock;
    private long nextCheck;
    private Set<Integer> inService;
    /** Rebalance items this agent queued, by namespace: to tell, once they are gone, whether they reached the band. */
    private final Map<String, Queued> queued = new HashMap<>();
    /** Namespaces a rebalance could not bring within the band: not queued again until these OSDs change or then. */
    private final Map<String, Queued> stuck = new HashMap<>();

    private record Queued(long id, Set<Integer> osds, long atMillis) {
    }

    PeriodicWork(AlbaManager abm, NamespaceManager nsm, LiveOsds osds, IntPredicate suspect, Settings settings,
            LongSupplier clock) {
        this.abm = abm;
        this.nsm = nsm;
        this.osds = osds;
        this.suspect = suspect;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * From the probe timer: checks when it is time, or when an OSD came into service since the last tick (claimed and
     * bound here, in whichever order).
     */
    synchronized void tick() {
        if (!settings.rebalance() && settings.scrubIntervalMillis() == 0) {
            return;
        }
        long now = clock.getAsLong();
        Set<Integer> inService = new HashSet<>();
        osds.candidates().forEach(c -> inService.add(c.number()));
        boolean newOsd = this.inService != null && !this.inService.containsAll(inService);
        this.inService = inService;
        if (newOsd || now >= nextCheck) {
            nextCheck = now + settings.checkMillis();
            check(now);
        }
    }

    private void check(long now) {
        List<WorkItem> items = abm.work(MaintenanceService.STATUS_ITEMS);
        if (items.size() >= MaintenanceService.STATUS_ITEMS) {
            // Longer than it reads: an item of a namespace might be past what it saw. Queue nothing until it is not.
            LOG.debug("the work queue holds {} items or more: no scrub or rebalancing queued now", items.size());
            return;
        }
        Set<String> scrubbing = new HashSet<>();
        Set<String> rebalancing = new HashSet<>();
        Set<String> repairing = new HashSet<>();
        Set<Long> ids = new HashSet<>();
        for (WorkItem item : items) {
            ids.add(item.id());
            String ns = namespace(item);
            switch (item.kind()) {
                case ScrubJob.KIND -> scrubbing.add(ns);
                case RebalanceJob.KIND -> rebalancing.add(ns);
                case OsdRepairJob.KIND -> repairing.add(ns);
                default -> {
                    // nothing this check looks at
                }
            }
        }
        for (Namespace ns : abm.namespaces()) {
            if (settings.scrubIntervalMillis() > 0 && !scrubbing.contains(ns.name())) {
                abm.queueWork(ScrubJob.KIND, payload(ns.name()));
                LOG.info("queued the scrub of namespace {}, one pass every {} h", ns.name(),
                        TimeUnit.MILLISECONDS.toHours(settings.scrubIntervalMillis()));
            }
            if (settings.rebalance()) {
                rebalance(ns.name(), now, ids, rebalancing.contains(ns.name()), repairing.contains(ns.name()));
            }
        }
    }

    private void rebalance(String ns, long now, Set<Long> ids, boolean rebalancing, boolean repairing) {
        Balance balance = Balance.of(nsm, osds, suspect, ns, settings.band());
        Queued mine = queued.get(ns);
        if (mine != null && !ids.contains(mine.id())) {
            queued.remove(ns); // finished: if it left the namespace out of the band on these OSDs, it is stuck
            if (!balance.inBand() && balance.osds().equals(mine.osds())) {
                stuck.put(ns, new Queued(mine.id(), mine.osds(), now));
                LOG.info("namespace {} cannot be brought within ±{} % of the mean on its OSDs ({}); tried again in"
                        + " {} h or when they change", ns, Math.round(settings.band() * 100), balance,
                        TimeUnit.MILLISECONDS.toHours(STUCK_MILLIS));
            }
        }
        if (rebalancing || repairing || balance.inBand()) {
            return;
        }
        Queued s = stuck.get(ns);
        if (s != null && s.osds().equals(balance.osds()) && now - s.atMillis() < STUCK_MILLIS) {
            return;
        }
        stuck.remove(ns);
        long id = abm.queueWork(RebalanceJob.KIND, payload(ns));
        queued.put(ns, new Queued(id, balance.osds(), now));
        LOG.info("queued the rebalancing of namespace {}: {}", ns, balance);
    }

    static Bytes payload(String namespace) {
        JsonObject p = new JsonObject();
        p.addProperty("namespace", namespace);
        return Bytes.utf8(p.toString());
    }

    /** @return the "namespace" of an item's payload, or "" */
    static String namespace(WorkItem item) {
        JsonObject p = Lease.parse(item.payload()).isJsonObject() ? Lease.parse(item.payload()).getAsJsonObject()
                : new JsonObject();
        return p.has("namespace") && p.get("namespace").isJsonPrimitive() ? p.get("namespace").getAsString() : "";
    }

    /**
     * @return whether another item of the same kind for the same namespace, queued before this one, is still in the
     *         queue: this one is a duplicate (two agents checked at once) and is finished at once
     */
    static boolean duplicate(AlbaManager abm, WorkItem item, String namespace) {
        for (WorkItem other : abm.work(MaintenanceService.STATUS_ITEMS)) {
            if (other.id() < item.id() && other.kind().equals(item.kind()) && namespace(other).equals(namespace)) {
                return true;
            }
        }
        return false;
    }
}
