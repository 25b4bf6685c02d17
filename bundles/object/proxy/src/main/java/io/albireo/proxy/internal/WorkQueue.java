package io.albireo.proxy.internal;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import io.albireo.api.Bytes;
import io.albireo.api.metadata.AlbaManager;

/**
 * The work the proxy hands to maintenance through the ALBA manager's queue, as JSON payloads (small, and readable by
 * an operator): fragments to rewrite (not written when the object was registered), fragments to repair (found missing
 * or corrupt by a read) and garbage (fragments of no object that could not be deleted). Maintenance checks every item
 * against the current manifest before acting, so a stale item is harmless.
 */
final class WorkQueue {
    static final String REWRITE = "rewrite-fragment";
    static final String REPAIR = "repair-fragment";
    static final String GARBAGE = "delete-fragments";
    private static final Logger LOG = LoggerFactory.getLogger(WorkQueue.class);

    /** How long a fragment queued for repair is not queued again: reads of a hot bad fragment must not flood. */
    static final long REPAIR_QUIET_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(10);
    private static final int MAX_REMEMBERED = 10_000;

    private final AlbaManager abm;
    private final ProxyStatistics stats;
    /** Fragments queued for repair lately (object id, chunk, fragment) and when. */
    private final java.util.Map<String, Long> repairsQueued = new java.util.concurrent.ConcurrentHashMap<>();

    WorkQueue(AlbaManager abm, ProxyStatistics stats) {
        this.abm = abm;
        this.stats = stats;
    }

    /**
     * A fragment that is not in the manifest: {@code osd} holds it (it landed after the manifest was registered), or
     * is -1 (it was never written: maintenance makes it from the others).
     */
    void rewrite(String namespace, String name, String objectId, int chunk, int fragment, int osd) {
        queue(REWRITE, fragment(namespace, name, objectId, chunk, fragment, osd));
        stats.rewritesQueued.increment();
    }

    /** A fragment of the manifest that a read found missing or corrupt on its OSD. */
    void repair(String namespace, String name, String objectId, int chunk, int fragment, int osd, String why) {
        long now = System.nanoTime();
        String id = objectId + "/" + chunk + "/" + fragment;
        Long before = repairsQueued.get(id);
        if (before != null && now - before < REPAIR_QUIET_NANOS) {
            return;
        }
        if (repairsQueued.size() >= MAX_REMEMBERED) {
            repairsQueued.values().removeIf(t -> now - t >= REPAIR_QUIET_NANOS);
            if (repairsQueued.size() >= MAX_REMEMBERED) {
                repairsQueued.clear();
            }
        }
        if (before == null ? repairsQueued.putIfAbsent(id, now) != null : !repairsQueued.replace(id, before, now)) {
            return; // another reader queued it just now
        }
        JsonObject o = fragment(namespace, name, objectId, chunk, fragment, osd);
        o.addProperty("reason", why);
        queue(REPAIR, o);
        stats.repairsQueued.increment();
    }

    /**
     * Fragment keys on one OSD that belong to no object and could not be deleted. The object's name goes with them, so
     * that maintenance can check them against the name's current manifest before it deletes them.
     */
    void garbage(int osd, String name, List<Bytes> keys) {
        JsonObject o = new JsonObject();
        o.addProperty("osd", osd);
        o.addProperty("name", name);
        JsonArray a = new JsonArray();
        keys.forEach(k -> a.add(java.util.HexFormat.of().formatHex(k.toByteArray())));
        o.add("keys", a);
        queue(GARBAGE, o);
        stats.garbageQueued.increment();
    }

    private static JsonObject fragment(String namespace, String name, String objectId, int chunk, int fragment,
            int osd) {
        JsonObject o = new JsonObject();
        o.addProperty("namespace", namespace);
        o.addProperty("name", name);
        o.addProperty("objectId", objectId);
        o.addProperty("chunk", chunk);
        o.addProperty("fragment", fragment);
        o.addProperty("osd", osd);
        return o;
    }

    private void queue(String kind, JsonObject payload) {
        try {
            abm.queueWork(kind, Bytes.utf8(payload.toString()));
        } catch (RuntimeException e) {
            // The work is lost to maintenance's next full scan, not to the object: log and go on.
            LOG.warn("could not queue {} {}: {}", kind, payload, e.toString());
        }
    }
}
