package io.albireo.maintenance.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.osd.Osd;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.object.layout.LiveOsds;

/**
 * {@code delete-fragments}: fragment keys on one OSD that belong to no object (of a replaced or deleted object, or of
 * a put that failed, or a repair's leftovers) and that could not be deleted then. Every fragment key is unique (an
 * object id is new at every put, a rewritten fragment gets a fresh generation), so a key that no manifest held when it
 * was queued is not held again. All the same, when the item names its object ({@code name}, as the proxy and repair
 * queue it), a key the name's current manifest references, there at that generation, is kept whatever the item says:
 * what made the key garbage may have been misjudged (a registration whose outcome its proxy could not tell), and GC
 * must never delete a fragment an object needs. Only fragment keys are deleted; anything else in the payload is
 * ignored. An OSD that is dead or forgotten has nothing left to free.
 */
final class GarbageJob implements Job {
    static final String KIND = "delete-fragments";
    static final long RETRY_MILLIS = TimeUnit.MINUTES.toMillis(5);

    private final AlbaManager abm;
    private final NamespaceManager nsm;
    private final LiveOsds osds;

    GarbageJob(AlbaManager abm, NamespaceManager nsm, LiveOsds osds) {
        this.abm = abm;
        this.nsm = nsm;
        this.osds = osds;
    }

    /** @return the payload of an item for these keys of the object {@code name} on OSD {@code osd} */
    static Bytes payload(int osd, String name, List<Bytes> keys) {
        JsonObject o = new JsonObject();
        o.addProperty("osd", osd);
        o.addProperty("name", name);
        JsonArray a = new JsonArray();
        keys.forEach(k -> a.add(HexFormat.of().formatHex(k.toByteArray())));
        o.add("keys", a);
        return Bytes.utf8(o.toString());
    }

    @Override
    public Result run(Lease lease) throws InterruptedException {
        JsonObject p = lease.object();
        if (!p.has("osd") || !p.has("keys")) {
            return Result.DONE;
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
        String name = p.has("name") ? p.get("name").getAsString() : null;
        Map<Long, Optional<Manifest>> current = new HashMap<>();
        List<Update> deletes = new ArrayList<>();
        for (JsonElement k : p.getAsJsonArray("keys")) {
            try {
                Bytes key = Bytes.adopt(HexFormat.of().parseHex(k.getAsString()));
                Optional<FragmentKeys.Parsed> parsed = FragmentKeys.parse(key);
                if (parsed.isEmpty()) {
                    continue;
                }
                // Never a fragment the named object's current manifest references, whatever the item says.
                if (name != null && referenced(parsed.get(), number, current.computeIfAbsent(
                        parsed.get().namespaceId(), id -> manifest(id, name)))) {
                    continue;
                }
                deletes.add(Update.delete(key));
            } catch (IllegalArgumentException | UnsupportedOperationException | IllegalStateException e) {
                // not a hex key: not ours to delete
            }
        }
        if (deletes.isEmpty()) {
            return Result.DONE;
        }
        try {
            osd.get().apply(List.of(), deletes).get(ObjectRepair.OSD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return Result.DONE;
        } catch (ExecutionException | TimeoutException e) {
            return Result.later(RETRY_MILLIS, "deleting " + deletes.size() + " keys on OSD " + number + " failed: "
                    + (e.getCause() != null ? e.getCause() : e));
        }
    }

    /** @return the current manifest of {@code name} in the namespace of this id; empty if none, or it is deleted */
    private Optional<Manifest> manifest(long namespaceId, String name) {
        return abm.namespaces().stream().filter(ns -> ns.id() == namespaceId).findFirst()
                .flatMap(ns -> nsm.get(ns.name(), name));
    }

    /** @return whether {@code m} has this fragment on OSD {@code osd}, at this generation */
    private static boolean referenced(FragmentKeys.Parsed key, int osd, Optional<Manifest> m) {
        if (m.isEmpty() || !m.get().objectId().equals(key.objectId()) || key.chunk() >= m.get().chunks().size()) {
            return false;
        }
        List<Manifest.Fragment> fragments = m.get().chunks().get(key.chunk()).fragments();
        if (key.fragment() >= fragments.size()) {
            return false;
        }
        Manifest.Fragment f = fragments.get(key.fragment());
        return f.written() && f.osd() == osd && f.generation() == key.generation();
    }
}
