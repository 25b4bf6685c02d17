package io.albireo.maintenance.internal;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonObject;

import io.albireo.api.Update;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.object.layout.LiveOsds;

/**
 * The proxy's per-fragment items. {@code repair-fragment}: a read found a fragment of the current manifest absent or
 * corrupt on its OSD; it is rebuilt under a new key (if the manifest still has it there). {@code rewrite-fragment}: a
 * put registered its manifest before this fragment was durable (c < k + m, or a slow OSD); if it landed after all, it
 * is adopted where it verifies, else rebuilt, and a landed copy that is not adopted is deleted (not when the object is
 * lost: it is kept with the rest).
 */
final class FragmentJobs {
    static final String REPAIR = "repair-fragment";
    static final String REWRITE = "rewrite-fragment";
    static final long RETRY_MILLIS = TimeUnit.SECONDS.toMillis(60);

    private final AlbaManager abm;
    private final NamespaceManager nsm;
    private final ObjectRepair repair;
    private final LostObjects lost;
    private final LiveOsds osds;

    FragmentJobs(AlbaManager abm, NamespaceManager nsm, ObjectRepair repair, LostObjects lost, LiveOsds osds) {
        this.abm = abm;
        this.nsm = nsm;
        this.repair = repair;
        this.lost = lost;
        this.osds = osds;
    }

    /** A fragment item's payload. */
    private record Item(Namespace ns, String name, String objectId, int chunk, int fragment, int osd) {
    }

    private Optional<Item> item(Lease lease) {
        JsonObject p = lease.object();
        for (String f : new String[] {"namespace", "name", "objectId", "chunk", "fragment", "osd"}) {
            if (!p.has(f)) {
                return Optional.empty();
            }
        }
        return abm.namespace(p.get("namespace").getAsString()).map(ns -> new Item(ns, p.get("name").getAsString(),
                p.get("objectId").getAsString(), p.get("chunk").getAsInt(), p.get("fragment").getAsInt(),
                p.get("osd").getAsInt()));
    }

    Job repairJob() {
        return lease -> {
            Optional<Item> it = item(lease);
            if (it.isEmpty()) {
                return Job.Result.DONE;
            }
            Item i = it.get();
            // Bad only while the manifest still has it on that OSD: a repair since has moved it.
            ObjectRepair.Bad bad = (c, f, fragment) -> c == i.chunk() && f == i.fragment() && fragment.osd() == i.osd();
            return settle(i, repair.repair(i.ns(), i.name(), i.objectId(), bad, Map.of(), 1));
        };
    }

    Job rewriteJob() {
        return lease -> {
            Optional<Item> it = item(lease);
            if (it.isEmpty()) {
                return Job.Result.DONE;
            }
            Item i = it.get();
            Map<Long, Integer> adopt = i.osd() >= 0 ? Map.of(ObjectRepair.pair(i.chunk(), i.fragment()), i.osd())
                    : Map.of();
            ObjectRepair.Outcome o = repair.repair(i.ns(), i.name(), i.objectId(), ObjectRepair.Bad.NONE, adopt, 1);
            Job.Result r = settle(i, o);
            // Not when the object is lost: the landed copy verified, and may be what brings the chunk back to k.
            if (r.done() && i.osd() >= 0 && o.kind() != ObjectRepair.Kind.LOST) {
                deleteUnadopted(i);
            }
            return r;
        };
    }

    /**
     * A fragment that landed late under the put's key (generation 0) and that the current manifest does not hold: no
     * one else ever writes that key (repairs write fresh generations), so deleting it is safe.
     */
    private void deleteUnadopted(Item i) {
        Optional<Manifest> m = nsm.get(i.ns().name(), i.name());
        boolean held = m.isPresent() && m.get().objectId().equals(i.objectId())
                && i.chunk() < m.get().chunks().size() && referenced(m.get().chunks().get(i.chunk()).fragments()
                        .get(i.fragment()), i.osd());
        if (!held) {
            osds.osd(i.osd()).ifPresent(o -> o.apply(java.util.List.of(), java.util.List.of(Update.delete(
                    FragmentKeys.key(i.ns().id(), i.objectId(), i.chunk(), i.fragment(), 0)))));
        }
    }

    private static boolean referenced(Manifest.Fragment f, int osd) {
        return f.osd() == osd && f.generation() == 0;
    }

    private Job.Result settle(Item i, ObjectRepair.Outcome o) {
        return switch (o.kind()) {
            case LATER -> Job.Result.later(RETRY_MILLIS, o.why());
            case LOST -> {
                lost.report(i.ns().name(), i.name(), i.objectId(), o.why());
                yield Job.Result.DONE;
            }
            default -> Job.Result.DONE;
        };
    }
}
