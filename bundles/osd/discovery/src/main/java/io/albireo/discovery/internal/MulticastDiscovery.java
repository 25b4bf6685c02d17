package io.albireo.discovery.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.osd.OsdAnnouncement;
import io.albireo.api.osd.OsdAnnouncer;
import io.albireo.api.osd.OsdDiscovery;

/**
 * OSD discovery by UDP multicast (docs/DISCOVERY.md): announces the OSDs registered on this node and keeps the list of
 * OSDs heard from the group. One component for both, because both use one group, port and interface, and because a
 * reconfiguration must keep the OSDs' registrations: it is applied in place ({@link Modified}), rebinding the sockets
 * while the services, and every OSD's registration, stay.
 *
 * <p>Activation never fails. A configuration that cannot be applied (an interface that does not exist yet, a bad value)
 * is a {@linkplain Status#problem() problem} that {@code osd:discovered} shows and the log says, while the services
 * stay registered and take registrations. A failure to bind is retried every interval, so an interface that comes up
 * after the appliance is used once it does. A component that failed to activate would be worse: SCR keeps its service
 * registered but hands out null, consumers (an ASD, the console) fail with it, and nothing retries.
 */
@Component(service = {OsdDiscovery.class, OsdAnnouncer.class}, configurationPid = MulticastDiscovery.PID,
        immediate = true) // immediate: listen from boot, so the list is there when someone asks
@Designate(ocd = MulticastDiscovery.Config.class)
public final class MulticastDiscovery implements OsdDiscovery, OsdAnnouncer, AutoCloseable {
    static final String PID = "io.albireo.discovery";
    private static final Logger LOG = LoggerFactory.getLogger(MulticastDiscovery.class);
    private static final long LOG_PERIOD_NANOS = Duration.ofMinutes(1).toNanos();

    /** Where and how often OSDs are announced. */
    @ObjectClassDefinition(name = "Albireo OSD discovery",
            description = "OSDs announce themselves by UDP multicast; every node keeps the list it hears")
    public @interface Config {
        @AttributeDefinition(description = "The IPv4 multicast group")
        String group() default "239.1.2.3";

        @AttributeDefinition(description = "The UDP port", min = "1", max = "65535")
        int port() default 8123;

        @AttributeDefinition(description = "Seconds between two announcements of one OSD", min = "1", max = "3600")
        int interval_seconds() default 10;

        @AttributeDefinition(description = "An OSD not heard for this many intervals is forgotten", min = "1",
                max = "100")
        int expiry_intervals() default 3;

        /** Property "interface" ('$' drops out of the name; interface is a Java keyword). */
        @AttributeDefinition(name = "Interface", description = "The network interface to send on and join the group"
                + " on: a name (lo, eth1) or one of its IPv4 addresses. The default, lo, keeps discovery on this"
                + " machine")
        String interface$() default "lo";

        @AttributeDefinition(description = "IP time-to-live of announcements: 0 this host only, 1 the local link",
                min = "0", max = "255")
        int ttl() default 1;

        @AttributeDefinition(description = "Whether to listen for announcements")
        boolean listen() default true;

        @AttributeDefinition(description = "Whether to send this node's OSDs' announcements")
        boolean send() default true;
    }

    /**
     * What discovery is doing, for the console.
     *
     * @param bound whether discovery has a network: false until a configuration could be applied
     * @param group the multicast group in force, or configured while unbound ("" if the configuration is invalid)
     * @param port the UDP port, likewise (0 if invalid)
     * @param nic the interface, with its address ("none" while unbound)
     * @param ttl the time-to-live of sent datagrams
     * @param interval between two announcements
     * @param expiry after which an OSD not heard is forgotten
     * @param listening whether this node listens
     * @param sending whether this node sends
     * @param registered how many OSDs of this node are registered
     * @param accepted datagrams taken as announcements since start
     * @param dropped datagrams dropped since start, by reason (lower case, e.g. "malformed")
     * @param problem why the configuration is not in force, null when it is
     */
    public record Status(boolean bound, String group, int port, String nic, int ttl, Duration interval,
            Duration expiry, boolean listening, boolean sending, int registered, long accepted,
            Map<String, Long> dropped, String problem) {
    }

    private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    private final DiscoveredTable table = new DiscoveredTable();
    private final Counters counters = new Counters();
    private final RateLimitedLog log = new RateLimitedLog(LOG, LOG_PERIOD_NANOS, System::nanoTime);
    private final Announcer announcer = new Announcer(log);
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "albireo-discovery-retry");
        t.setDaemon(true);
        return t;
    });

    /** The settings in force and their interface, read together. */
    private record Binding(Settings settings, Nic nic) {
    }

    // Written under this object's lock; volatile for the readers (discovered, status) that take no lock.
    private volatile Binding applied; // null until a configuration could be applied
    private volatile Settings desired; // the configuration asked for; null if it is invalid
    private volatile String problem; // why the desired configuration is not applied; null when it is
    private Listener listener; // null while not listening
    private ScheduledFuture<?> retry;
    private boolean closed;

    /**
     * DS constructor: applies the configuration, or records why it cannot.
     *
     * @param config the configuration of {@value #PID}
     */
    @Activate
    public MulticastDiscovery(Config config) {
        this(() -> Settings.from(config));
    }

    /** @param settings the configuration, checked when called: it throws IllegalArgumentException if invalid */
    MulticastDiscovery(Supplier<Settings> settings) {
        configure(settings);
    }

    /** Applies a new configuration in place; one that cannot be applied leaves the old one running. */
    @Modified
    void modified(Config config) {
        configure(() -> Settings.from(config));
    }

    private synchronized void configure(Supplier<Settings> parse) {
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        Settings next;
        try {
            next = parse.get();
        } catch (IllegalArgumentException e) {
            desired = null;
            problem = "the configuration is invalid: " + e.getMessage();
            LOG.error("OSD discovery: {} in etc/{}.cfg; {}", problem, PID, fallback());
            return;
        }
        desired = next;
        try {
            reconfigure(next);
        } catch (IOException | RuntimeException e) {
            problem = why(e);
            // Every interval, but at least every 10 s: an interface that comes up is used soon after.
            long every = Math.min(next.interval().toNanos(), DEFAULT_INTERVAL.toNanos());
            LOG.error("OSD discovery cannot apply its configuration: {}; {}. Retrying every {} s.", problem,
                    fallback(), every / 1e9);
            retry = retries.scheduleWithFixedDelay(this::retry, every, every, TimeUnit.NANOSECONDS);
        }
    }

    private static String why(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private String fallback() {
        return applied == null ? "it is not running" : "it goes on as before (" + this + ")";
    }

    /** Tries the desired configuration again: the interface may have come up meanwhile. */
    private synchronized void retry() {
        if (closed || problem == null || desired == null) {
            return;
        }
        try {
            reconfigure(desired);
        } catch (IOException | RuntimeException e) {
            problem = why(e);
            log.warn("retry", "OSD discovery still cannot apply its configuration: " + problem);
        }
    }

    /**
     * Rebinds to new settings: the new sockets are opened before the old are closed, so that a failure changes nothing.
     * Registrations and the OSDs heard so far are kept.
     *
     * @throws IOException if the interface cannot be used or the group not joined
     */
    synchronized void reconfigure(Settings next) throws IOException {
        if (closed) {
            throw new IllegalStateException("OSD discovery is stopped");
        }
        if (applied != null && next.equals(applied.settings())) {
            desired = next;
            problem = null;
            return;
        }
        Nic nextNic = Nic.resolve(next.networkInterface());
        boolean rebind = applied == null || applied.settings().listenerDiffers(next);
        Listener started = rebind && next.listen()
                ? new Listener(next, nextNic, table, counters, log, this::expiry) : null;
        try {
            announcer.apply(next, nextNic);
        } catch (IOException | RuntimeException e) {
            if (started != null) {
                started.close();
            }
            throw e;
        }
        Listener old = rebind ? listener : null;
        if (rebind) {
            listener = started;
        }
        boolean first = applied == null;
        applied = new Binding(next, nextNic);
        desired = next;
        problem = null;
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        if (old != null) {
            old.close();
        }
        LOG.info("OSD discovery {}: {}", first ? "started" : "reconfigured", this);
    }

    /** Stops announcing (every registration is closed) and listening. */
    @Deactivate
    @Override
    public synchronized void close() {
        closed = true;
        retries.shutdownNow(); // a retry waiting for this lock finds the component closed
        announcer.close();
        if (listener != null) {
            listener.close();
            listener = null;
        }
    }

    @Override
    public List<Discovered> discovered() {
        return table.current(expiry());
    }

    /** @return how long an OSD is kept without news: as applied, else as configured, else the default's */
    private Duration expiry() {
        Binding b = applied;
        Settings s = b != null ? b.settings() : desired;
        return s != null ? s.expiry() : DEFAULT_INTERVAL.multipliedBy(3);
    }

    @Override
    public OsdAnnouncer.Registration announce(Supplier<OsdAnnouncement> announcement) {
        return announcer.announce(announcement);
    }

    /** @return what discovery is doing */
    public Status status() {
        Binding b = applied;
        Settings a = b == null ? null : b.settings();
        Settings s = a != null ? a : desired;
        Map<String, Long> dropped = new LinkedHashMap<>();
        for (Drop d : Drop.values()) {
            dropped.put(d.name().toLowerCase(Locale.ROOT), counters.droppedCount(d));
        }
        return new Status(a != null, s == null ? "" : s.group().getHostAddress(), s == null ? 0 : s.port(),
                b == null ? "none" : b.nic().toString(), s == null ? 0 : s.ttl(),
                s == null ? DEFAULT_INTERVAL : s.interval(), expiry(), a != null && a.listen(), a != null && a.send(),
                announcer.registrations(), counters.acceptedCount(), dropped, problem);
    }

    Counters counters() {
        return counters;
    }

    @Override
    public String toString() {
        Binding b = applied;
        if (b == null) {
            return "not running: " + problem;
        }
        Settings s = b.settings();
        return "group " + s.group().getHostAddress() + ":" + s.port() + " on " + b.nic() + ", ttl " + s.ttl()
                + ", every " + s.interval().toMillis() / 1000.0 + " s, expiry after " + s.expiryIntervals()
                + " intervals, " + (s.listen() ? "listening" : "not listening") + ", "
                + (s.send() ? "sending" : "not sending");
    }
}
