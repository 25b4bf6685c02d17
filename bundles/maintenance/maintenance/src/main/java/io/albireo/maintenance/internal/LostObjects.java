package io.albireo.maintenance.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonObject;

import io.albireo.api.Bytes;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Namespace;

/**
 * Objects repair could not bring back (a chunk with fewer than k good fragments). Each is reported once, by name, in
 * the log and as a {@code lost-object} work item, which {@code maintenance:status} lists and which an agent tries
 * again every hour (an OSD may come back): the object is never deleted, and the item ends only when it is whole again
 * or gone.
 */
final class LostObjects implements Job {
    static final String KIND = "lost-object";
    static final long RETRY_MILLIS = TimeUnit.HOURS.toMillis(1);
    private static final Logger LOG = LoggerFactory.getLogger(LostObjects.class);
    private static final int REMEMBERED = 10_000;

    private final AlbaManager abm;
    private final ObjectRepair repair;
    /** Object ids reported lately, so that a walk made again does not report them again. */
    private final Set<String> reported = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REMEMBERED;
                }
            }));

    LostObjects(AlbaManager abm, ObjectRepair repair) {
        this.abm = abm;
        this.repair = repair;
    }

    void report(String namespace, String name, String objectId, String why) {
        if (!reported.add(objectId)) {
            return;
        }
        LOG.error("object {}/{} (id {}) is lost for now: {}. It is kept; repair tries again every hour.", namespace,
                name, objectId, why);
        JsonObject o = new JsonObject();
        o.addProperty("namespace", namespace);
        o.addProperty("name", name);
        o.addProperty("objectId", objectId);
        o.addProperty("why", why);
        abm.queueWork(KIND, Bytes.utf8(o.toString()));
    }

    @Override
    public Result run(Lease lease) throws InterruptedException {
        JsonObject p = lease.object();
        if (!p.has("namespace") || !p.has("name") || !p.has("objectId")) {
            return Result.DONE;
        }
        java.util.Optional<Namespace> ns = abm.namespace(p.get("namespace").getAsString());
        if (ns.isEmpty()) {
            return Result.DONE;
        }
        ObjectRepair.Outcome o = repair.repair(ns.get(), p.get("name").getAsString(), p.get("objectId").getAsString(),
                ObjectRepair.Bad.NONE, Map.of(), 1);
        if (o.kind() == ObjectRepair.Kind.LOST || o.kind() == ObjectRepair.Kind.LATER) {
            p.addProperty("why", o.why());
            lease.checkpoint(p);
            return Result.later(RETRY_MILLIS, "");
        }
        LOG.info("object {}/{} is whole again", ns.get().name(), p.get("name").getAsString());
        return Result.DONE;
    }
}
