package io.albireo.maintenance.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.WorkItem;
import io.albireo.framing.DaemonThreads;

/**
 * Leases work items from the ABM and runs them, {@code threads} at a time. A held item's lease is renewed, with the
 * job's checkpoint, every {@code checkpointMillis}; if a renewal is refused (this agent was too slow and another took
 * the item) the job stops at its next object. A job that cannot go on now (an OSD does not answer) keeps its lease for
 * the time it asks, so that no agent spins on it; a paused agent gives its items back at once. An item is finished in
 * the ABM only once its job says it is done, so an agent that dies mid-item leaves it to the next one after its lease.
 */
final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    /** How long an item of a kind this agent does not know is left to other agents (a newer bundle, say). */
    static final long UNKNOWN_KIND_MILLIS = TimeUnit.MINUTES.toMillis(10);

    /**
     * @param name the agent's name, unique in the backend: the lease holder
     * @param threads items run at once
     * @param leaseMillis how long a lease runs without renewal
     * @param pollMillis how often the queue is asked for work
     * @param checkpointMillis how often leases are renewed with the jobs' checkpoints
     */
    record Settings(String name, int threads, long leaseMillis, long pollMillis, long checkpointMillis) {
        Settings {
            if (name.isBlank() || threads < 1 || leaseMillis < 1000 || pollMillis < 1 || checkpointMillis < 1
                    || checkpointMillis * 2 > leaseMillis) {
                throw new IllegalArgumentException("maintenance agent: a name, threads >= 1, leaseMillis >= 1000,"
                        + " and a checkpoint at most half the lease are needed; got " + this);
            }
        }
    }

    private final Settings settings;
    private final AlbaManager abm;
    private final Map<String, Job> jobs;
    private final LongSupplier clock;
    private final Map<Long, Lease> running = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final ExecutorService workers;
    private volatile boolean paused;
    private volatile boolean closing;
    private volatile long lastRenewal;

    Agent(Settings settings, AlbaManager abm, Map<String, Job> jobs, LongSupplier clock) {
        this.settings = settings;
        this.abm = abm;
        this.jobs = Map.copyOf(jobs);
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("albireo-maintenance-"
                + settings.name() + "-timer"));
        this.workers = Executors.newFixedThreadPool(settings.threads(), DaemonThreads.named("albireo-maintenance-"
                + settings.name()));
    }

    void start() {
        timer.scheduleWithFixedDelay(this::poll, 0, settings.pollMillis(), TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::renew, settings.checkpointMillis(), settings.checkpointMillis(),
                TimeUnit.MILLISECONDS);
    }

    String name() {
        return settings.name();
    }

    void pause() {
        paused = true;
    }

    void resume() {
        paused = false;
    }

    boolean paused() {
        return paused;
    }

    /** @return the items this agent runs now */
    List<Lease> running() {
        return List.copyOf(running.values());
    }

    /** Takes as many items as there are free threads. */
    void poll() {
        if (paused || closing) {
            return;
        }
        int free = settings.threads() - running.size();
        if (free <= 0) {
            return;
        }
        List<WorkItem> items;
        try {
            items = abm.leaseWork(settings.name(), free, clock.getAsLong(), settings.leaseMillis());
        } catch (RuntimeException e) {
            LOG.debug("agent {} could not lease work: {}", settings.name(), e.toString());
            return;
        }
        for (WorkItem item : items) {
            Lease lease = new Lease(item, () -> paused || closing);
            running.put(item.id(), lease);
            try {
                workers.execute(() -> run(lease));
            } catch (RuntimeException e) {
                running.remove(item.id()); // shutting down: the lease runs out and the item goes to another
            }
        }
    }

    private void run(Lease lease) {
        try {
            runHeld(lease);
        } finally {
            // Whatever escaped (an Error), the thread is free again; an item not finished goes back when its lease
            // runs out.
            running.remove(lease.item.id());
        }
    }

    private void runHeld(Lease lease) {
        WorkItem item = lease.item;
        Job job = jobs.get(item.kind());
        Job.Result result;
        try {
            if (job == null) {
                result = Job.Result.later(UNKNOWN_KIND_MILLIS, "no job of kind " + item.kind() + " here");
            } else {
                result = job.run(lease);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result = Job.Result.later(0, "interrupted");
        } catch (RuntimeException e) {
            LOG.warn("maintenance item {} ({}) failed, tried again later: {}", item.id(), item.kind(), e.toString());
            result = Job.Result.later(TimeUnit.SECONDS.toMillis(30), e.toString());
        }
        try {
            if (lease.lost()) {
                LOG.info("maintenance item {} ({}) was taken over by another agent", item.id(), item.kind());
            } else if (result.done()) {
                abm.finishWork(item.id(), settings.name());
            } else {
                if (!result.why().isEmpty() && result.laterMillis() > 0) {
                    LOG.info("maintenance item {} ({}) waits {} s: {}", item.id(), item.kind(),
                            result.laterMillis() / 1000, result.why());
                }
                // Keep the lease for the wait (nobody spins on it), or give it back at once (1 ms): paused, say.
                abm.renewWork(item.id(), settings.name(), lease.takeCheckpoint(), clock.getAsLong(),
                        Math.max(1, result.laterMillis()));
            }
        } catch (RuntimeException e) {
            LOG.warn("maintenance item {} ({}): {}", item.id(), item.kind(), e.getMessage());
        }
    }

    /** Renews every held lease, with the job's checkpoint. */
    private void renew() {
        lastRenewal = clock.getAsLong();
        for (Lease lease : running.values()) {
            if (lease.lost()) {
                continue;
            }
            try {
                abm.renewWork(lease.item.id(), settings.name(), lease.takeCheckpoint(), clock.getAsLong(),
                        settings.leaseMillis());
            } catch (io.albireo.api.metadata.MetadataException e) {
                lease.lose();
            } catch (RuntimeException e) {
                LOG.debug("agent {} could not renew item {}: {}", settings.name(), lease.item.id(), e.toString());
            }
        }
    }

    /** Stops taking work; running jobs stop at their next object and their items go back with their checkpoints. */
    @Override
    public void close() {
        closing = true;
        timer.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(ObjectRepair.OSD_TIMEOUT_SECONDS + 5, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
    }
}
