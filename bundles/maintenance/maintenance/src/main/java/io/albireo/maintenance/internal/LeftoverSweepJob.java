package io.albireo.maintenance.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.NamespaceManager.ObjectIndexEntry;
import io.albireo.api.metadata.WorkItem;
import io.albireo.api.osd.Osd;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.object.layout.LiveOsds;

/**
 * The sweep of the leftovers of puts whose proxy died between writing the fragments and registering the manifest (so
 * that nobody queued their deletion), and of repairs that died between writing a fragment and committing it.
 *
 * <p>{@code sweep-leftovers} {@code {namespace}}: one pass over the namespace. If its object index is not complete
 * (a namespace written before the index), the pass first backfills it, a page of manifests at a time. Then it walks
 * every OSD's fragment keys of the namespace (one key range per OSD), a page at a time, the cursor checkpointed, and
 * for each key decides from the object index and the manifests: a key of an object id no manifest holds, or one the
 * manifest holding its id does not reference at that chunk, fragment, generation and OSD, is a <em>candidate</em>.
 * It is not deleted: a put in flight writes its fragments before its manifest. The candidates of a page go into one
 * {@code delete-leftovers} item, due after the grace period.
 *
 * <p>{@code delete-leftovers} {@code {namespace, id, osd, due, keys}}: when due, each key is checked again. The ids that
 * no manifest holds are swept in the NSM ({@link NamespaceManager#sweepObjectIds}: atomically, only if still held by
 * none, and from then on a put of one of them is refused), and only then are their keys deleted; a put that registers
 * before that keeps every fragment, one that would register after is refused rather than left without fragments. A
 * key of a held id is deleted only if the manifest holding it still does not reference it. The grace is what keeps
 * puts in flight (and repairs) from being refused or losing a fragment; the sweep in the NSM is what makes a put that
 * outlived the grace fail rather than lose data.
 *
 * <p>Never on an uncertain scan: an object index not complete, an NSM read that fails, an OSD listing that fails or a
 * manifest that changed under the check (another id under the name the index gave) delete nothing; the key is left to
 * the next pass. Memory is bounded: a page of keys, a page of candidates per item.
 */
final class LeftoverSweepJob implements Job {
    static final String KIND = "sweep-leftovers";
    static final String DELETE_KIND = "delete-leftovers";
    private static final Logger LOG = LoggerFactory.getLogger(LeftoverSweepJob.class);
    /** Keys listed per page of an OSD, and so the most candidates in one item (~30 KB of hex). */
    static final int PAGE = 256;
    /** Manifests backfilled per page. */
    static final int BACKFILL_PAGE = 1000;
    static final long RETRY_MILLIS = TimeUnit.MINUTES.toMillis(5);

    /**
     * @param intervalMillis time between two sweeps of a namespace; 0: no sweep
     * @param graceMillis how long a candidate waits before it is checked again and deleted
     */
    record Settings(long intervalMillis, long graceMillis) {
        static final Settings DEFAULT = new Settings(TimeUnit.HOURS.toMillis(24), TimeUnit.HOURS.toMillis(24));

        Settings {
            if (intervalMillis < 0 || graceMillis < 0) {
                throw new IllegalArgumentException("maintenance: the sweep interval and grace are 0 or more: " + this);
            }
        }
    }

    private final AlbaManager abm;
    private final NamespaceManager nsm;
    private final LiveOsds osds;
    private final LongSupplier clock;
    private volatile Settings settings;
    private long nextCheck;

    LeftoverSweepJob(AlbaManager abm, NamespaceManager nsm, LiveOsds osds, Settings settings, LongSupplier clock) {
        this.abm = abm;
        this.nsm = nsm;
        this.osds = osds;
        this.settings = settings;
        this.clock = clock;
    }

    void configure(Settings s) {
        this.settings = s;
    }

    /** The job of the candidate items. */
    Job deleteJob() {
        return this::deleteCandidates;
    }

    /**
     * From the probe timer: every interval, queues a sweep of each namespace that has none queued.
     *
     * @return how many it queued
     */
    synchronized int tick() {
        Settings s = settings;
        long now = clock.getAsLong();
        if (s.intervalMillis() == 0 || now < nextCheck) {
            return 0;
        }
        nextCheck = now + s.intervalMillis();
        return queueSweeps();
    }

    /** Queues a sweep of each namespace that has none queued. @return how many */
    int queueSweeps() {
        List<WorkItem> items = abm.work(MaintenanceService.STATUS_ITEMS);
        if (items.size() >= MaintenanceService.STATUS_ITEMS) {
            return 0; // longer than it reads: a sweep might be past what it saw
        }
        Set<String> queued = new HashSet<>();
        for (WorkItem item : items) {
            if (item.kind().equals(KIND)) {
                queued.add(PeriodicWork.namespace(item));
            }
        }
        int n = 0;
        for (Namespace ns : abm.namespaces()) {
            if (!queued.contains(ns.name())) {
                abm.queueWork(KIND, PeriodicWork.payload(ns.name()));
                n++;
            }
        }
        return n;
    }

    // The pass

    @Override
    public Result run(Lease lease) throws InterruptedException {
        JsonObject p = lease.object();
        if (!p.has("namespace")) {
            return Result.DONE;
        }
        String namespace = p.get("namespace").getAsString();
        Optional<Namespace> ns = abm.namespace(namespace);
        if (ns.isEmpty()) {
            return Result.DONE; // deleted: its whole key range goes with delete-namespace
        }
        if (!p.has("progress") && PeriodicWork.duplicate(abm, lease.item, namespace)) {
            return Result.DONE;
        }
        long now = clock.getAsLong();
        JobProgress progress = JobProgress.of(p, now);
        try {
            if (!nsm.objectIndexComplete(namespace)) {
                String after = p.has("backfill") ? p.get("backfill").getAsString() : null;
                do {
                    if (lease.stop()) {
                        return Result.later(0, "");
                    }
                    after = nsm.backfillObjectIndex(namespace, after, BACKFILL_PAGE);
                    if (after != null) {
                        p.addProperty("backfill", after);
                        progress.into(p);
                        lease.checkpoint(p);
                    }
                } while (after != null);
                p.remove("backfill");
                if (!nsm.objectIndexComplete(namespace)) {
                    return Result.later(RETRY_MILLIS, "the object index of namespace " + namespace
                            + " is not complete: nothing is swept");
                }
            }
            return scan(lease, p, ns.get(), progress);
        } catch (RuntimeException e) {
            // An NSM read failed: the candidates already queued are checked again before anything is deleted.
            return Result.later(RETRY_MILLIS, "sweeping namespace " + namespace + " failed: " + e);
        }
    }

    private Result scan(Lease lease, JsonObject p, Namespace ns, JobProgress progress) throws InterruptedException {
        long grace = settings.graceMillis();
        int from = p.has("osd") ? p.get("osd").getAsInt() : 0;
        Bytes cursor = p.has("after") ? Bytes.adopt(HexFormat.of().parseHex(p.get("after").getAsString())) : null;
        KeyRange all = KeyRange.prefix(FragmentKeys.namespacePrefix(ns.id()));
        List<ClaimedOsd> claimed = new ArrayList<>(osds.claimed().values());
        claimed.sort(Comparator.comparingInt(ClaimedOsd::number));
        long candidates = p.has("candidates") ? p.get("candidates").getAsLong() : 0;
        for (ClaimedOsd o : claimed) {
            if (o.number() < from || o.state() == ClaimedOsd.State.DEAD) {
                continue;
            }
            if (o.number() > from) {
                cursor = null;
            }
            Optional<Osd> osd = osds.osd(o.number());
            if (osd.isEmpty()) {
                return Result.later(RETRY_MILLIS, "OSD " + o.number() + " is not reachable from here");
            }
            while (true) {
                if (lease.stop()) {
                    return Result.later(0, "");
                }
                KeyRange range = cursor == null ? all : new KeyRange(cursor.concat(Bytes.of((byte) 0)), all.end());
                Osd.RangeResult page;
                try {
                    page = osd.get().range(range, PAGE, false).get(ObjectRepair.OSD_TIMEOUT_SECONDS,
                            TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    return Result.later(RETRY_MILLIS, "listing OSD " + o.number() + " failed: "
                            + (e.getCause() != null ? e.getCause() : e));
                }
                if (page.entries().isEmpty()) {
                    break;
                }
                List<Bytes> keys = page.entries().stream().map(Entry::key).toList();
                List<Bytes> found = candidates(ns.name(), o.number(), keys);
                if (!found.isEmpty()) {
                    abm.queueWork(DELETE_KIND, candidatePayload(ns, o.number(), clock.getAsLong() + grace, found));
                    candidates += found.size();
                }
                cursor = keys.get(keys.size() - 1);
                progress = progress.add(0, keys.size(), 0);
                p.addProperty("osd", o.number());
                p.addProperty("after", HexFormat.of().formatHex(cursor.toByteArray()));
                p.addProperty("candidates", candidates);
                progress.into(p);
                lease.checkpoint(p);
                if (!page.more()) {
                    break;
                }
            }
        }
        if (candidates > 0) {
            LOG.info("swept namespace {}: {} keys listed, {} leftovers to delete in {} min unless an object claims"
                    + " them", ns.name(), progress.units(), candidates, TimeUnit.MILLISECONDS.toMinutes(grace));
        }
        return Result.DONE;
    }

    /** @return the keys of {@code page} (on OSD {@code osd}) that no current manifest references */
    private List<Bytes> candidates(String namespace, int osd, List<Bytes> page) {
        Map<Bytes, FragmentKeys.Parsed> parsed = new LinkedHashMap<>();
        Set<String> ids = new HashSet<>();
        for (Bytes k : page) {
            FragmentKeys.parse(k).ifPresent(x -> {
                parsed.put(k, x);
                ids.add(x.objectId());
            });
        }
        return unreferenced(namespace, osd, parsed, nsm.objectIndex(namespace, ids), false);
    }

    /**
     * @param sweep whether to sweep the ids no manifest holds in the NSM first (the check at the end of the grace),
     *        keeping only those it swept; else they are all candidates
     * @return the keys no manifest references
     */
    private List<Bytes> unreferenced(String namespace, int osd, Map<Bytes, FragmentKeys.Parsed> keys,
            Map<String, ObjectIndexEntry> index, boolean sweep) {
        Set<String> unheld = new HashSet<>();
        for (FragmentKeys.Parsed x : keys.values()) {
            ObjectIndexEntry e = index.get(x.objectId());
            if (e == null) {
                unheld.add(x.objectId());
            }
        }
        Set<String> swept = new HashSet<>();
        if (sweep && !unheld.isEmpty()) {
            swept.addAll(nsm.sweepObjectIds(namespace, unheld));
        }
        Map<String, Optional<Manifest>> manifests = new LinkedHashMap<>();
        List<Bytes> out = new ArrayList<>();
        for (Map.Entry<Bytes, FragmentKeys.Parsed> k : keys.entrySet()) {
            FragmentKeys.Parsed x = k.getValue();
            ObjectIndexEntry e = index.get(x.objectId());
            if (e == null) {
                if (!sweep || swept.contains(x.objectId())) {
                    out.add(k.getKey());
                }
            } else if (e.swept()) {
                out.add(k.getKey()); // swept before: no manifest may hold it again
            } else if (e.names() == 1 && !e.name().isEmpty()) {
                Optional<Manifest> m = manifests.computeIfAbsent(e.name(), name -> nsm.get(namespace, name));
                // Another id under that name now: the index moved on meanwhile; left to the next pass.
                if (m.isPresent() && m.get().objectId().equals(x.objectId()) && !referenced(x, osd, m.get())) {
                    out.add(k.getKey());
                }
            }
            // Held by several names, or by one the index cannot name: every fragment of it is kept.
        }
        return out;
    }

    /** @return whether {@code m} has this fragment on OSD {@code osd}, at this generation */
    static boolean referenced(FragmentKeys.Parsed key, int osd, Manifest m) {
        if (key.chunk() >= m.chunks().size()) {
            return false;
        }
        List<Manifest.Fragment> fragments = m.chunks().get(key.chunk()).fragments();
        if (key.fragment() >= fragments.size()) {
            return false;
        }
        Manifest.Fragment f = fragments.get(key.fragment());
        return f.written() && f.osd() == osd && f.generation() == key.generation();
    }

    static Bytes candidatePayload(Namespace ns, int osd, long due, List<Bytes> keys) {
        JsonObject o = new JsonObject();
        o.addProperty("namespace", ns.name());
        o.addProperty("id", ns.id());
        o.addProperty("osd", osd);
        o.addProperty("due", due);
        JsonArray a = new JsonArray();
        keys.forEach(k -> a.add(HexFormat.of().formatHex(k.toByteArray())));
        o.add("keys", a);
        return Bytes.utf8(o.toString());
    }

    // The candidates, at the end of their grace

    private Result deleteCandidates(Lease lease) {
        JsonObject p = lease.object();
        if (!p.has("namespace") || !p.has("id") || !p.has("osd") || !p.has("due") || !p.has("keys")) {
            return Result.DONE;
        }
        long now = clock.getAsLong();
        long due = p.get("due").getAsLong();
        if (now < due) {
            return Result.later(due - now, ""); // taken up early: nobody takes it again before it is due
        }
        String namespace = p.get("namespace").getAsString();
        long id = p.get("id").getAsLong();
        Optional<Namespace> ns = abm.namespace(namespace);
        if (ns.isEmpty() || ns.get().id() != id) {
            return Result.DONE; // the namespace is deleted: delete-namespace sweeps its whole range
        }
        int number = p.get("osd").getAsInt();
        ClaimedOsd owner = osds.claimed().get(number);
        if (owner == null || owner.state() == ClaimedOsd.State.DEAD) {
            return Result.DONE;
        }
        Optional<Osd> osd = osds.osd(number);
        if (osd.isEmpty()) {
            return Result.later(RETRY_MILLIS, "OSD " + number + " is not reachable from here");
        }
        Map<Bytes, FragmentKeys.Parsed> keys = new LinkedHashMap<>();
        Set<String> ids = new HashSet<>();
        for (JsonElement k : p.getAsJsonArray("keys")) {
            try {
                Bytes key = Bytes.adopt(HexFormat.of().parseHex(k.getAsString()));
                FragmentKeys.parse(key).filter(x -> x.namespaceId() == id).ifPresent(x -> {
                    keys.put(key, x);
                    ids.add(x.objectId());
                });
            } catch (IllegalArgumentException | UnsupportedOperationException | IllegalStateException e) {
                // not a hex key: not ours to delete
            }
        }
        List<Bytes> garbage;
        try {
            if (!nsm.objectIndexComplete(namespace)) {
                return Result.DONE; // cannot be (the scan made it complete), and never deleted on
            }
            garbage = unreferenced(namespace, number, keys, nsm.objectIndex(namespace, ids), true);
        } catch (RuntimeException e) {
            return Result.later(RETRY_MILLIS, "checking " + keys.size() + " leftovers of namespace " + namespace
                    + " failed: " + e);
        }
        if (garbage.isEmpty()) {
            return Result.DONE;
        }
        try {
            osd.get().apply(List.of(), garbage.stream().map(Update::delete).toList())
                    .get(ObjectRepair.OSD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            LOG.info("deleted {} leftover fragments of namespace {} on OSD {}", garbage.size(), namespace, number);
            return Result.DONE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.later(0, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            return Result.later(RETRY_MILLIS, "deleting " + garbage.size() + " leftovers on OSD " + number
                    + " failed: " + (e.getCause() != null ? e.getCause() : e));
        }
    }
}
