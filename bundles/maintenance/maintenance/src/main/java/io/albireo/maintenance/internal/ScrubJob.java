package io.albireo.maintenance.internal;

import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonObject;

import io.albireo.api.maintenance.MaintenanceStatus;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.WorkItem;

/**
 * {@code scrub} {@code {namespace}}: the background verification of one namespace, one pass every
 * {@code scrubIntervalMillis}. A pass is {@link Verifier#verify} (every written fragment read whole through the rate
 * limit and checked against its manifest's checksum; an object with a fragment absent or corrupt repaired, one lost
 * reported) in slices of a page of names, the cursor (the last name verified) and the pass's figures checkpointed in
 * the payload after each, so that an agent taking the item over resumes there.
 *
 * <p>The item is never finished while the namespace lives: at the end of a pass the job records when it ended
 * ({@code last}), what it found ({@code lastPass}) and when the next pass is due ({@code next}) in the payload, and
 * keeps the lease until then, so that the item itself is the namespace's "last scrubbed" record and its timer,
 * whichever agent holds it (one that dies leaves it to another when the lease runs out). One agent runs one scrub at
 * a time, so that scrubs never take every thread from repairs; an agent with scrub turned off finishes the items it
 * gets.
 */
final class ScrubJob implements Job {
    static final String KIND = "scrub";
    private static final Logger LOG = LoggerFactory.getLogger(ScrubJob.class);
    /** Names verified between checkpoints. */
    static final int SLICE = Verifier.PAGE;
    /** How long an item waits when this agent runs another scrub already. */
    static final long BUSY_MILLIS = TimeUnit.SECONDS.toMillis(60);

    private final AlbaManager abm;
    private final NamespaceManager nsm;
    private final Verifier verifier;
    private final long intervalMillis;
    private final LongSupplier clock;
    private final Semaphore one = new Semaphore(1);

    ScrubJob(AlbaManager abm, NamespaceManager nsm, Verifier verifier, long intervalMillis, LongSupplier clock) {
        this.abm = abm;
        this.nsm = nsm;
        this.verifier = verifier;
        this.intervalMillis = intervalMillis;
        this.clock = clock;
    }

    @Override
    public Result run(Lease lease) throws InterruptedException {
        JsonObject p = lease.object();
        if (intervalMillis == 0 || !p.has("namespace")) {
            return Result.DONE; // scrub is off here, or not a payload this job understands
        }
        String namespace = p.get("namespace").getAsString();
        Optional<Namespace> ns = abm.namespace(namespace);
        if (ns.isEmpty()) {
            return Result.DONE;
        }
        long now = clock.getAsLong();
        boolean midPass = p.has("progress");
        if (!midPass && p.has("next") && p.get("next").getAsLong() > now) {
            return Result.later(p.get("next").getAsLong() - now, ""); // taken up early: wait for the pass's time
        }
        if (!one.tryAcquire()) {
            return Result.later(BUSY_MILLIS, "");
        }
        try {
            if (PeriodicWork.duplicate(abm, lease.item, namespace)) {
                return Result.DONE;
            }
            return pass(lease, p, ns.get(), midPass);
        } finally {
            one.release();
        }
    }

    private Result pass(Lease lease, JsonObject p, Namespace ns, boolean midPass) throws InterruptedException {
        long now = clock.getAsLong();
        JobProgress progress = midPass ? JobProgress.of(p, now) : JobProgress.start(now);
        JobProgress lastRated = progress;
        JsonObject figures = midPass && p.has("pass") ? p.getAsJsonObject("pass") : new JsonObject();
        String after = p.has("after") ? p.get("after").getAsString() : null;
        if (!midPass) {
            p.remove("after");
            progress.into(p);
            p.add("pass", figures);
            lease.checkpoint(p);
        }
        long total = nsm.statistics(ns.name()).objects();
        while (true) {
            if (lease.stop()) {
                return Result.later(0, "");
            }
            Verifier.Tally tally = new Verifier.Tally();
            int[] seen = {0};
            String cursor = verifier.verify(ns, after, tally, (done, all) -> seen[0]++, total,
                    () -> lease.stop() || seen[0] >= SLICE);
            // Null is the end, unless the job was stopped before it verified a name from the start.
            boolean ended = cursor == null && !(seen[0] == 0 && after == null && lease.stop());
            add(figures, "objects", tally.objects);
            add(figures, "fragments", tally.fragments);
            add(figures, "bytes", tally.bytes);
            add(figures, "missing", tally.missing);
            add(figures, "corrupt", tally.corrupt);
            add(figures, "repaired", tally.repaired);
            add(figures, "lost", tally.lostObjects.size());
            progress = progress.add(tally.objects, tally.fragments, tally.bytes);
            JobProgress rated = progress.rated(lastRated, clock.getAsLong());
            if (rated != progress) {
                progress = rated;
                lastRated = rated;
            }
            if (ended) {
                long end = clock.getAsLong();
                figures.addProperty("started", progress.startedMillis());
                p.remove("after");
                p.remove("progress");
                p.remove("pass");
                p.add("lastPass", figures);
                p.addProperty("last", end);
                p.addProperty("next", end + intervalMillis);
                lease.checkpoint(p);
                LOG.info("scrubbed namespace {}: {} objects, {} fragments, {} bytes read; {} missing, {} corrupt, {}"
                        + " objects repaired, {} lost; next pass in {} h", ns.name(), get(figures, "objects"),
                        get(figures, "fragments"), get(figures, "bytes"), get(figures, "missing"),
                        get(figures, "corrupt"), get(figures, "repaired"), get(figures, "lost"),
                        TimeUnit.MILLISECONDS.toHours(intervalMillis));
                return Result.later(intervalMillis, "");
            }
            if (cursor != null) {
                after = cursor;
                p.addProperty("after", cursor);
            }
            progress.into(p);
            p.add("pass", figures);
            lease.checkpoint(p);
        }
    }

    private static void add(JsonObject o, String field, long n) {
        o.addProperty(field, get(o, field) + n);
    }

    private static long get(JsonObject o, String field) {
        return o.has(field) ? o.get(field).getAsLong() : 0;
    }

    /** @return the item as a job of {@code maintenance:status} until its first pass ends and while a pass runs */
    Optional<MaintenanceStatus.Job> status(WorkItem item, String holder, JsonObject p, long now) {
        if (!p.has("progress") && p.has("next")) { // between passes: nothing to do
            return Optional.empty();
        }
        String ns = p.has("namespace") ? p.get("namespace").getAsString() : "";
        JobProgress pr = JobProgress.of(p, now);
        long left = -1;
        long bytesLeft = -1;
        try {
            NamespaceManager.NamespaceStatistics s = nsm.statistics(ns);
            left = Math.max(0, s.objects() - pr.objects());
            bytesLeft = Math.max(0, s.storedBytes() - pr.bytes());
        } catch (RuntimeException e) {
            // the namespace is gone: the job ends at its next run
        }
        long eta = bytesLeft >= 0 && pr.rate() > 0 ? Math.round(bytesLeft / pr.rate()) : bytesLeft == 0 ? 0 : -1;
        return Optional.of(new MaintenanceStatus.Job(item.id(), item.kind(), "namespace " + ns, holder, "objects",
                pr.objects(), left, pr.bytes(), bytesLeft, pr.rate(), eta));
    }
}
