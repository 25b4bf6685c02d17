package io.albireo.maintenance.internal;

import java.util.function.BooleanSupplier;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.albireo.api.Bytes;
import io.albireo.api.metadata.WorkItem;

/**
 * A work item an agent holds. The job keeps its checkpoint here (the payload, with how far it has come); the agent
 * writes it into the ABM with every lease renewal, so that another agent taking the item over after this one died
 * resumes from it, and {@code maintenance:status} shows the progress whichever appliance runs the job.
 */
final class Lease {
    final WorkItem item;
    private final BooleanSupplier stopping;
    private volatile JsonElement payload;
    private volatile boolean changed;
    private volatile boolean lost;

    Lease(WorkItem item, BooleanSupplier stopping) {
        this.item = item;
        this.stopping = stopping;
        this.payload = parse(item.payload());
    }

    static JsonElement parse(Bytes payload) {
        try {
            return JsonParser.parseString(payload.utf8());
        } catch (RuntimeException e) {
            return new JsonObject(); // not JSON: the job refuses it by its missing fields
        }
    }

    /** @return the payload as the job last left it (a copy: the job changes it and checkpoints) */
    JsonElement payload() {
        return payload.deepCopy();
    }

    /** @return the payload as an object, or an empty one if it is not an object */
    JsonObject object() {
        JsonElement p = payload();
        return p.isJsonObject() ? p.getAsJsonObject() : new JsonObject();
    }

    /** Records how far the job has come; saved with the next renewal. */
    void checkpoint(JsonElement newPayload) {
        payload = newPayload.deepCopy();
        changed = true;
    }

    /** @return the payload to save, and whether it changed since the last call */
    Bytes takeCheckpoint() {
        changed = false;
        return Bytes.utf8(payload.toString());
    }

    boolean changed() {
        return changed;
    }

    /** The ABM refused a renewal: another agent holds the item now. */
    void lose() {
        lost = true;
    }

    boolean lost() {
        return lost;
    }

    /** @return whether the job must stop at its next object: the lease is lost, or the agent pauses or stops */
    boolean stop() {
        return lost || stopping.getAsBoolean();
    }
}
