package io.albireo.discovery.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
        @AttributeDefinition(name = "Interface", description = "The network interface to send on and join the group on: a name (lo,"
                + " eth1) or one of its IPv4 addresses. The default, lo, keeps discovery on this machine")
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
     * @param group the multicast group
     * @param port the UDP port
     * @param nic the interface, with its address
     * @param ttl the time-to-live of sent datagrams
     * @param interval between two announcements
     * @param expiry after which an OSD not heard is forgotten
     * @param listening whether this node listens
     * @param sending whether this node sends
     * @param registered how many OSDs of this node are announced
     * @param accepted datagrams taken as announcements since start
     * @param dropped datagrams dropped since start, by reason (lower case, e.g. "malformed")
     */
    public record Status(String group, int port, String nic, int ttl, Duration interval, Duration expiry,
            boolean listening, boolean sending, int registered, long accepted, Map<String, Long> dropped) {
    }

    private final DiscoveredTable table = new DiscoveredTable();
    private final Counters counters = new Counters();
    private final RateLimitedLog log = new RateLimitedLog(LOG, LOG_PERIOD_NANOS, System::nanoTime);
    private final Announcer announcer;
    private volatile Settings settings;
    private volatile Nic nic;
    private Listener listener; // guarded by this; null while not listening

    /**
     * DS constructor.
     *
     * @param config the configuration of {@value #PID}
     * @throws IOException if the interface cannot be used or the group cannot be joined
     */
    @Activate
    public MulticastDiscovery(Config config) throws IOException {
        this(Settings.from(config));
    }

    MulticastDiscovery(Settings settings) throws IOException {
        Nic resolved = Nic.resolve(settings.networkInterface());
        this.settings = settings;
        this.nic = resolved;
        listener = settings.listen() ? new Listener(settings, resolved, table, counters, log, this::settings) : null;
        try {
            announcer = new Announcer(settings, resolved, log);
        } catch (IOException | RuntimeException e) {
            if (listener != null) {
                listener.close();
            }
            throw e;
        }
        LOG.info("OSD discovery started: {}", this);
    }

    /** Applies a new configuration in place; a configuration that cannot be applied leaves the old one running. */
    @Modified
    void modified(Config config) {
        try {
            reconfigure(Settings.from(config));
        } catch (IOException | RuntimeException e) {
            LOG.error("The new configuration of {} is not applied, discovery goes on as before ({}): {}", PID, this,
                    e.getMessage());
        }
    }

    /**
     * Rebinds to new settings: the new sockets are opened before the old are closed, so that a failure changes nothing.
     * Registrations and the OSDs heard so far are kept.
     */
    synchronized void reconfigure(Settings next) throws IOException {
        if (next.equals(settings)) {
            return;
        }
        Nic nextNic = Nic.resolve(next.networkInterface());
        boolean rebind = settings.listenerDiffers(next);
        Listener started = rebind && next.listen()
                ? new Listener(next, nextNic, table, counters, log, this::settings) : null;
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
        settings = next;
        nic = nextNic;
        if (old != null) {
            old.close();
        }
        LOG.info("OSD discovery reconfigured: {}", this);
    }

    /** Stops announcing (every registration is closed) and listening. */
    @Deactivate
    @Override
    public synchronized void close() {
        announcer.close();
        if (listener != null) {
            listener.close();
            listener = null;
        }
    }

    @Override
    public List<Discovered> discovered() {
        return table.current(settings.expiry());
    }

    @Override
    public AutoCloseable announce(Supplier<OsdAnnouncement> announcement) {
        return announcer.announce(announcement);
    }

    /** @return what discovery is doing */
    public Status status() {
        Settings s = settings;
        Map<String, Long> dropped = new LinkedHashMap<>();
        for (Drop d : Drop.values()) {
            dropped.put(d.name().toLowerCase(Locale.ROOT), counters.droppedCount(d));
        }
        return new Status(s.group().getHostAddress(), s.port(), nic.toString(), s.ttl(), s.interval(), s.expiry(),
                s.listen(), s.send(), announcer.registrations(), counters.acceptedCount(), dropped);
    }

    Settings settings() {
        return settings;
    }

    Counters counters() {
        return counters;
    }

    @Override
    public String toString() {
        Settings s = settings;
        return "group " + s.group().getHostAddress() + ":" + s.port() + " on " + nic + ", ttl " + s.ttl()
                + ", every " + s.interval().toMillis() / 1000.0 + " s, expiry after " + s.expiryIntervals()
                + " intervals, " + (s.listen() ? "listening" : "not listening") + ", "
                + (s.send() ? "sending" : "not sending");
    }
}
