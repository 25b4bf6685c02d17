package io.albireo.maintenance.internal;

import com.google.gson.JsonObject;

/**
 * How far a job has come, kept in its work item's payload (under "progress") so that it survives the agent and is seen
 * from every appliance: what was done, when it began, and the recent rate (a moving average over checkpoints, so the
 * ETA follows a rate limit that changes or a disk that slows).
 *
 * @param startedMillis when the job began
 * @param objects objects done
 * @param units the job's units done (fragments, keys)
 * @param bytes bytes done
 * @param rate bytes per second, recently
 * @param atMillis when the figures were last updated
 */
record JobProgress(long startedMillis, long objects, long units, long bytes, double rate, long atMillis) {
    /** The weight of the newest interval in the moving average. */
    static final double WEIGHT = 0.3;
    /** The shortest interval that updates the rate: shorter ones are too noisy. */
    static final long MIN_INTERVAL_MILLIS = 1000;

    static JobProgress start(long now) {
        return new JobProgress(now, 0, 0, 0, 0, now);
    }

    static JobProgress of(JsonObject payload, long now) {
        if (!payload.has("progress")) {
            return start(now);
        }
        JsonObject p = payload.getAsJsonObject("progress");
        return new JobProgress(p.get("started").getAsLong(), p.get("objects").getAsLong(), p.get("units").getAsLong(),
                p.get("bytes").getAsLong(), p.get("rate").getAsDouble(), p.get("at").getAsLong());
    }

    /** @return the figures after more work (the rate is updated by {@link #rated}) */
    JobProgress add(long moreObjects, long moreUnits, long moreBytes) {
        return new JobProgress(startedMillis, objects + moreObjects, units + moreUnits, bytes + moreBytes, rate, atMillis);
    }

    /** @return this with the rate updated from the bytes done since {@code since} (the figures of the last update) */
    JobProgress rated(JobProgress since, long now) {
        long dt = now - since.atMillis;
        if (dt < MIN_INTERVAL_MILLIS) {
            return this;
        }
        double recent = (bytes - since.bytes) * 1000.0 / dt;
        double r = since.rate == 0 ? recent : WEIGHT * recent + (1 - WEIGHT) * since.rate;
        return new JobProgress(startedMillis, objects, units, bytes, r, now);
    }

    void into(JsonObject payload) {
        JsonObject p = new JsonObject();
        p.addProperty("started", startedMillis);
        p.addProperty("objects", objects);
        p.addProperty("units", units);
        p.addProperty("bytes", bytes);
        p.addProperty("rate", rate);
        p.addProperty("at", atMillis);
        payload.add("progress", p);
    }
}
