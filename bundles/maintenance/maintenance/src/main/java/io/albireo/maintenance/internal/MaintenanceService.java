package io.albireo.maintenance.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonObject;

import io.albireo.api.AlbireoName;
import io.albireo.api.Bytes;
import io.albireo.api.codec.CodecRegistry;
import io.albireo.api.maintenance.Maintenance;
import io.albireo.api.maintenance.MaintenanceStatus;
import io.albireo.api.maintenance.OsdHealth;
import io.albireo.api.maintenance.VerifyReport;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.MetadataException;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.WorkItem;
import io.albireo.api.object.NamespaceNotFoundException;
import io.albireo.api.osd.Osd;
import io.albireo.framing.DaemonThreads;
import io.albireo.object.layout.LiveOsds;

/**
 * The maintenance agent of this appliance: a failure detector, and an {@link Agent} that runs the ABM's work items
 * (repairs of lost and decommissioned OSDs, the proxy's fragment items, garbage, namespace deletions, lost objects,
 * rebalancing, scrub), and the periodic check that queues rebalancing and scrub items ({@link PeriodicWork}).
 * Every appliance runs one; they share the work through the items' leases. docs/MAINTENANCE.md has the design.
 */
@Component(configurationPid = MaintenanceService.PID, service = Maintenance.class)
@Designate(ocd = MaintenanceService.Config.class)
public final class MaintenanceService implements Maintenance {
    static final String PID = "io.albireo.maintenance";
    private static final Logger LOG = LoggerFactory.getLogger(MaintenanceService.class);
    /** The most items {@link #status} reads from the queue: the figures of a bigger queue are of its head. */
    static final int STATUS_ITEMS = 10_000;

    /** The agent's configuration. */
    @ObjectClassDefinition(name = "Albireo maintenance", description = "The maintenance agent of this appliance")
    public @interface Config {
        @AttributeDefinition(description = "The agent's name, unique in the backend; empty: host name and process id")
        String agentName() default "";

        @AttributeDefinition(description = "Work items run at once")
        int threads() default 4;

        @AttributeDefinition(description = "Seconds a work item's lease runs without renewal: how long an item of"
                + " an agent that died waits for another")
        int leaseSeconds() default 60;

        @AttributeDefinition(description = "Milliseconds between asks for work")
        long pollMillis() default 2000;

        @AttributeDefinition(description = "Milliseconds between checkpoints of running jobs (their progress)")
        long checkpointMillis() default 2000;

        @AttributeDefinition(description = "Seconds an OSD may stay silent before it is marked dead (ALBA: 15 min)")
        long deadAfterSeconds() default 900;

        @AttributeDefinition(description = "Seconds between probes of the OSDs")
        int probeSeconds() default 10;

        /**
         * 32 MiB/s: what kept 4 MiB puts and 4 KiB partial reads during a repair at 0.7 or more of idle on the 2-core
         * development machine, where 64 MiB/s did not (docs/PERFORMANCE.md, "Maintenance").
         */
        @AttributeDefinition(description = "Bytes per second the agent may read and write to rebuild, move or verify"
                + " (a rebuilt fragment costs k reads and a write); 0: no limit")
        long rateLimit() default 32L << 20;

        @AttributeDefinition(description = "Start paused")
        boolean paused() default false;

        @AttributeDefinition(description = "Objects one repair job works on at once (each holds about a chunk in"
                + " memory)")
        int objectsInFlight() default DEFAULT_OBJECTS_IN_FLIGHT;

        @AttributeDefinition(description = "Move fragments from the fullest OSDs to the emptiest when a namespace's"
                + " OSDs are out of the band (an OSD newly claimed, say)")
        boolean rebalance() default true;

        @AttributeDefinition(description = "Percent of the mean each OSD's share of a namespace may differ from it"
                + " before the namespace is rebalanced")
        double rebalanceBand() default 5;

        @AttributeDefinition(description = "Seconds between the agent's checks for namespaces out of the band or"
                + " without a scrub (an OSD newly claimed is checked at the next probe)")
        int rebalanceCheckSeconds() default 300;

        @AttributeDefinition(description = "Hours between two background verifications (scrubs) of a namespace; 0:"
                + " none")
        int scrubIntervalHours() default 7 * 24;

        @AttributeDefinition(description = "Hours between two sweeps of a namespace for leftovers of puts whose proxy"
                + " died before registering them; 0: none")
        int sweepIntervalHours() default 24;

        @AttributeDefinition(description = "Hours a leftover found by a sweep waits before it is checked again and"
                + " deleted: longer than any put takes")
        int sweepGraceHours() default 24;
    }

    /** What the agent is made of, for tests that run several in one JVM. */
    record Settings(Agent.Settings agent, long deadAfterMillis, long probeMillis, long rateLimit, boolean paused,
            int objectsInFlight, PeriodicWork.Settings periodic) {
        Settings {
            if (objectsInFlight < 1) {
                throw new IllegalArgumentException("maintenance: objectsInFlight is at least 1, not " + objectsInFlight);
            }
        }

        /** With the default objects in flight. */
        Settings(Agent.Settings agent, long deadAfterMillis, long probeMillis, long rateLimit, boolean paused) {
            this(agent, deadAfterMillis, probeMillis, rateLimit, paused, DEFAULT_OBJECTS_IN_FLIGHT);
        }

        /** Without rebalancing or scrub. */
        Settings(Agent.Settings agent, long deadAfterMillis, long probeMillis, long rateLimit, boolean paused,
                int objectsInFlight) {
            this(agent, deadAfterMillis, probeMillis, rateLimit, paused, objectsInFlight, PeriodicWork.Settings.OFF);
        }
    }

    static final int DEFAULT_OBJECTS_IN_FLIGHT = 8;

    private final AlbaManager abm;
    private final NamespaceManager nsm;
    private final LiveOsds osds;
    private final RateLimit rate;
    private final FailureDetector detector;
    private final ObjectRepair repair;
    private final LostObjects lost;
    private final Verifier verifier;
    private final Agent agent;
    private final LongSupplier clock;
    private final ScheduledExecutorService timer;
    private final ExecutorService objectWorkers;
    private final PeriodicWork periodic;
    private final RebalanceJob rebalance;
    private final ScrubJob scrub;
    private final LeftoverSweepJob sweep;

    /** DS constructor. */
    @Activate
    public MaintenanceService(@Reference AlbaManager abm, @Reference NamespaceManager nsm,
            @Reference CodecRegistry codecs, Config config) {
        this(abm, nsm, codecs, settings(config), System::currentTimeMillis);
        sweep.configure(new LeftoverSweepJob.Settings(TimeUnit.HOURS.toMillis(config.sweepIntervalHours()),
                TimeUnit.HOURS.toMillis(config.sweepGraceHours())));
    }

    MaintenanceService(AlbaManager abm, NamespaceManager nsm, CodecRegistry codecs, Settings settings,
            LongSupplier clock) {
        this.abm = abm;
        this.nsm = nsm;
        this.clock = clock;
        this.osds = new LiveOsds(abm);
        this.rate = new RateLimit(settings.rateLimit());
        this.detector = new FailureDetector(abm, osds, settings.deadAfterMillis(),
                Math.min(5000, settings.probeMillis()), clock);
        this.repair = new ObjectRepair(abm, nsm, codecs, osds, rate, detector::suspect);
        this.lost = new LostObjects(abm, repair);
        this.verifier = new Verifier(nsm, codecs, osds, repair, lost, rate);
        FragmentJobs fragments = new FragmentJobs(abm, nsm, repair, lost, osds);
        Map<String, Job> jobs = new HashMap<>();
        this.objectWorkers = Executors.newFixedThreadPool(settings.objectsInFlight(), DaemonThreads.named(
                "albireo-maintenance-" + settings.agent().name() + "-object"));
        jobs.put(OsdRepairJob.KIND, new OsdRepairJob(abm, nsm, repair, lost, clock, objectWorkers,
                settings.objectsInFlight()));
        jobs.put(FragmentJobs.REPAIR, fragments.repairJob());
        jobs.put(FragmentJobs.REWRITE, fragments.rewriteJob());
        jobs.put(GarbageJob.KIND, new GarbageJob(abm, nsm, osds));
        jobs.put(NamespaceDeletionJob.KIND, new NamespaceDeletionJob(abm, osds, clock));
        jobs.put(LostObjects.KIND, lost);
        this.rebalance = new RebalanceJob(abm, nsm, osds, repair, lost, detector::suspect, settings.periodic(), clock);
        this.scrub = new ScrubJob(abm, nsm, verifier, settings.periodic().scrubIntervalMillis(), clock);
        jobs.put(RebalanceJob.KIND, rebalance);
        jobs.put(ScrubJob.KIND, scrub);
        // Off until configured (the DS constructor): tests queue their sweeps.
        this.sweep = new LeftoverSweepJob(abm, nsm, osds, new LeftoverSweepJob.Settings(0,
                LeftoverSweepJob.Settings.DEFAULT.graceMillis()), clock);
        jobs.put(LeftoverSweepJob.KIND, sweep);
        jobs.put(LeftoverSweepJob.DELETE_KIND, sweep.deleteJob());
        this.periodic = new PeriodicWork(abm, nsm, osds, detector::suspect, settings.periodic(), clock);
        this.agent = new Agent(settings.agent(), abm, jobs, clock);
        if (settings.paused()) {
            agent.pause();
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("albireo-maintenance-"
                + settings.agent().name() + "-probe"));
        osds.refreshClaims();
        // The first probe waits a period: the OSD services bind after activation, and an OSD not yet bound must not
        // count as silent.
        timer.scheduleWithFixedDelay(this::probe, settings.probeMillis(), settings.probeMillis(),
                TimeUnit.MILLISECONDS);
        agent.start();
        LOG.info("maintenance agent {} started{}", settings.agent().name(), settings.paused() ? " (paused)" : "");
    }

    private static Settings settings(Config c) {
        String name = c.agentName().isBlank() ? hostName() + "-" + ProcessHandle.current().pid() : c.agentName();
        return new Settings(new Agent.Settings(name, c.threads(), TimeUnit.SECONDS.toMillis(c.leaseSeconds()),
                c.pollMillis(), c.checkpointMillis()), TimeUnit.SECONDS.toMillis(c.deadAfterSeconds()),
                TimeUnit.SECONDS.toMillis(c.probeSeconds()), c.rateLimit(), c.paused(), c.objectsInFlight(),
                new PeriodicWork.Settings(c.rebalance(), c.rebalanceBand() / 100,
                        TimeUnit.SECONDS.toMillis(c.rebalanceCheckSeconds()),
                        TimeUnit.HOURS.toMillis(c.scrubIntervalHours())));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "appliance";
        }
    }

    private void probe() {
        try {
            detector.probe();
            osds.refreshUsage();
        } catch (RuntimeException e) {
            LOG.debug("probe failed: {}", e.toString());
        }
        try {
            periodic.tick(); // rebalancing and scrub items, when due
        } catch (RuntimeException e) {
            LOG.debug("the periodic check failed: {}", e.toString());
        }
        try {
            sweep.tick(); // the sweeps for leftovers of puts, when due
        } catch (RuntimeException e) {
            LOG.debug("the sweep check failed: {}", e.toString());
        }
    }

    @Deactivate
    void close() {
        timer.shutdownNow();
        agent.close();
        objectWorkers.shutdownNow();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindOsd(Osd osd, Map<String, Object> properties) {
        Object name = properties.get(AlbireoName.PROPERTY);
        if (name != null) {
            osds.add(name.toString(), osd);
        }
    }

    void unbindOsd(Osd osd, Map<String, Object> properties) {
        Object name = properties.get(AlbireoName.PROPERTY);
        if (name != null) {
            osds.remove(name.toString(), osd);
        }
    }

    /** For tests: the sweep for leftovers. */
    LeftoverSweepJob sweep() {
        return sweep;
    }

    /** For tests: the agent. */
    Agent agent() {
        return agent;
    }

    /** For tests: one probe now. */
    void probeNow() {
        probe();
    }

    // Maintenance

    @Override
    public MaintenanceStatus status() {
        List<WorkItem> items = abm.work(STATUS_ITEMS);
        long now = clock.getAsLong();
        List<MaintenanceStatus.Job> jobs = new ArrayList<>();
        Map<String, Long> queued = new LinkedHashMap<>();
        List<MaintenanceStatus.LostObject> lostObjects = new ArrayList<>();
        for (WorkItem item : items) {
            String holder = item.leaseExpiresMillis() > now ? item.leaseHolder() : "";
            JsonObject p = Lease.parse(item.payload()).isJsonObject() ? Lease.parse(item.payload()).getAsJsonObject()
                    : new JsonObject();
            switch (item.kind()) {
                case OsdRepairJob.KIND -> jobs.add(repairJob(item, holder, p, now));
                case NamespaceDeletionJob.KIND -> {
                    JobProgress pr = JobProgress.of(p, now);
                    jobs.add(new MaintenanceStatus.Job(item.id(), item.kind(), "namespace #"
                            + (p.has("id") ? p.get("id").getAsString() : item.payload().utf8()), holder, "keys",
                            pr.units(), -1, pr.bytes(), -1, pr.rate(), -1));
                }
                case RebalanceJob.KIND -> jobs.add(rebalance.status(item, holder, p, now));
                case ScrubJob.KIND -> scrub.status(item, holder, p, now).ifPresent(jobs::add);
                case LostObjects.KIND -> lostObjects.add(new MaintenanceStatus.LostObject(string(p, "namespace"),
                        string(p, "name"), string(p, "objectId"), string(p, "why")));
                default -> queued.merge(item.kind(), 1L, Long::sum);
            }
        }
        return new MaintenanceStatus(agent.paused(), rate.get(), List.of(agent.name()), jobs, queued, lostObjects);
    }

    private MaintenanceStatus.Job repairJob(WorkItem item, String holder, JsonObject p, long now) {
        String ns = string(p, "namespace");
        int osd = p.has("osd") ? p.get("osd").getAsInt() : -1;
        JobProgress pr = JobProgress.of(p, now);
        long left = -1;
        long bytesLeft = -1;
        try {
            NamespaceManager.OsdStatistics s = nsm.osdStatistics(ns, osd);
            left = s.fragments();
            bytesLeft = s.bytes();
        } catch (RuntimeException e) {
            // the namespace is gone: the job ends at its next run
        }
        long eta = bytesLeft >= 0 && pr.rate() > 0 ? Math.round(bytesLeft / pr.rate()) : bytesLeft == 0 ? 0 : -1;
        return new MaintenanceStatus.Job(item.id(), item.kind(), "OSD " + osd + " in namespace " + ns, holder,
                "fragments", pr.units(), left, pr.bytes(), bytesLeft, pr.rate(), eta);
    }

    private static String string(JsonObject p, String field) {
        return p.has(field) ? p.get(field).getAsString() : "";
    }

    @Override
    public List<OsdHealth> osds() {
        List<OsdHealth> out = new ArrayList<>();
        List<Namespace> namespaces = abm.namespaces();
        for (ClaimedOsd o : abm.osds()) {
            boolean empty = false;
            if (o.state() != ClaimedOsd.State.CLAIMED) {
                empty = true;
                for (Namespace ns : namespaces) {
                    if (nsm.osdStatistics(ns.name(), o.number()).fragments() > 0) {
                        empty = false;
                        break;
                    }
                }
            }
            out.add(detector.health(o, empty));
        }
        return out;
    }

    @Override
    public void pause() {
        agent.pause();
        LOG.info("maintenance agent {} paused", agent.name());
    }

    @Override
    public void resume() {
        agent.resume();
        LOG.info("maintenance agent {} resumed", agent.name());
    }

    @Override
    public void rateLimit(long bytesPerSecond) {
        rate.set(bytesPerSecond);
        LOG.info("maintenance agent {}: rate limit {} bytes/s", agent.name(), bytesPerSecond);
    }

    @Override
    public int repairOsd(String longId) {
        ClaimedOsd o = abm.osd(longId).orElseThrow(() -> new MetadataException("this backend has no OSD " + longId
                + " (osd:list shows them)"));
        if (o.state() == ClaimedOsd.State.CLAIMED) {
            // A repair of an OSD in service would rebuild nothing (its fragments are where the manifests say): say
            // what does what the operator probably wants.
            throw new MetadataException("OSD " + o.number() + " (" + longId + ") is in service: its fragments need"
                    + " no repair. namespace:verify checks them against their checksums and rebuilds bad ones;"
                    + " osd:decommission moves them to other OSDs");
        }
        int n = 0;
        for (Namespace ns : abm.namespaces()) {
            JsonObject p = new JsonObject();
            p.addProperty("namespace", ns.name());
            p.addProperty("osd", o.number());
            abm.queueWork(OsdRepairJob.KIND, Bytes.utf8(p.toString()));
            n++;
        }
        return n;
    }

    @Override
    public VerifyReport verify(String namespace, Progress progress) {
        Namespace ns = abm.namespace(namespace).orElseThrow(() -> NamespaceNotFoundException.of(namespace));
        long total = nsm.statistics(namespace).objects();
        Verifier.Tally tally = new Verifier.Tally();
        try {
            verifier.verify(ns, null, tally, progress, total, () -> false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return tally.report(namespace);
    }

    /** For tests and the console: the OSD health of one. */
    Optional<OsdHealth> health(int number) {
        return osds().stream().filter(h -> h.number() == number).findFirst();
    }
}
