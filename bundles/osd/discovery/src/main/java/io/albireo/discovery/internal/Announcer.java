package io.albireo.discovery.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.albireo.api.osd.OsdAnnouncement;
import io.albireo.api.osd.OsdAnnouncer;

/**
 * Sends every registered OSD's announcement at every interval, from one thread. Registrations are taken before the
 * first binding and outlive every rebind (new interface, group or interval): the OSDs that registered are announced on
 * whatever settings are in force. Closing a registration guarantees that nothing more is sent for it once
 * {@code close()} returns.
 */
final class Announcer implements AutoCloseable {
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "albireo-discovery-announcer");
        t.setDaemon(true);
        return t;
    });
    private final Set<Registration> registrations = ConcurrentHashMap.newKeySet();
    private final RateLimitedLog log;

    // Guards the fields below, and every send: a send never races a rebind or a close.
    private final Object lock = new Object();
    private DatagramChannel channel; // null while not sending
    private InetSocketAddress target;
    private String via;
    private ScheduledFuture<?> tick;
    private boolean closed;

    /** Starts unbound: registrations are taken, and sent once {@link #apply} has given a network. */
    Announcer(RateLimitedLog log) {
        this.log = log;
    }

    /**
     * Sends on the given settings from now on: opens the new socket before closing the old, so a failure leaves the
     * old settings in force.
     */
    void apply(Settings settings, Nic nic) throws IOException {
        DatagramChannel opened = settings.send() ? open(settings, nic) : null;
        DatagramChannel old;
        synchronized (lock) {
            if (closed) {
                close(opened);
                throw new IllegalStateException("OSD discovery is stopped");
            }
            old = channel;
            channel = opened;
            target = new InetSocketAddress(settings.group(), settings.port());
            via = nic.toString();
            if (tick != null) {
                tick.cancel(false);
            }
            // At once, then every interval: after a rebind the OSDs are heard on the new network without delay.
            tick = opened == null ? null : executor.scheduleWithFixedDelay(this::tick, 0,
                    settings.interval().toNanos(), TimeUnit.NANOSECONDS);
        }
        close(old);
    }

    private static DatagramChannel open(Settings settings, Nic nic) throws IOException {
        DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, nic.nif());
            ch.setOption(StandardSocketOptions.IP_MULTICAST_TTL, settings.ttl());
            // This node's own listener hears its own OSDs on a real interface (on lo it does either way).
            ch.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            // Bound to the interface's address: that is the source receivers see, and no wildcard socket is opened.
            ch.bind(new InetSocketAddress(nic.address(), 0));
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * @param supplier asked for the current announcement at every interval
     * @return closing it stops the announcements
     */
    OsdAnnouncer.Registration announce(Supplier<OsdAnnouncement> supplier) {
        Registration registration = new Registration(Objects.requireNonNull(supplier, "supplier"));
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("OSD discovery is stopped");
            }
            registrations.add(registration);
            executor.execute(() -> send(registration)); // the first at once, not an interval later
        }
        return registration;
    }

    /** @return how many OSDs are registered */
    int registrations() {
        return registrations.size();
    }

    private void tick() {
        for (Registration r : registrations) {
            send(r);
        }
    }

    private void send(Registration r) {
        synchronized (lock) {
            if (r.closed || channel == null) {
                return;
            }
        }
        OsdAnnouncement announcement;
        try {
            // Outside every lock: the supplier is the OSD's code and may take its own locks, even close r.
            announcement = r.supplier.get();
        } catch (RuntimeException | LinkageError e) { // a periodic task that throws is never run again
            log.warn("supplier", "An OSD's announcement could not be made, none sent this time: " + e);
            return;
        }
        if (announcement == null) {
            log.warn("supplier", "An OSD's announcement supplier returned null, none sent this time");
            return;
        }
        byte[] datagram;
        try {
            datagram = AnnouncementCodec.encode(announcement);
        } catch (AnnouncementCodec.Rejected e) {
            log.warn("encode", "Not announcing OSD " + AnnouncementCodec.printable(announcement.longId())
                    + ": receivers would drop it as " + e.reason.description + " (" + e.getMessage() + ")");
            return;
        }
        Thread.interrupted(); // an interrupt left by the supplier would make the channel close itself for good
        synchronized (r) {
            if (r.closed) {
                return;
            }
            synchronized (lock) {
                if (channel == null) {
                    return;
                }
                try {
                    channel.send(ByteBuffer.wrap(datagram), target);
                } catch (IOException e) {
                    log.warn("send", "Could not send an OSD announcement to " + target.getAddress().getHostAddress()
                            + ":" + target.getPort() + " via " + via + ": " + e);
                }
            }
        }
    }

    /** Stops sending; every registration is closed. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (tick != null) {
                tick.cancel(false);
            }
            close(channel);
            channel = null;
        }
        registrations.forEach(Registration::close);
        executor.shutdown(); // queued first sends still run, and see their registration closed
        try {
            executor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void close(DatagramChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing was buffered: a UDP socket has nothing to lose on close
            }
        }
    }

    /** One OSD's registration. */
    private final class Registration implements OsdAnnouncer.Registration {
        final Supplier<OsdAnnouncement> supplier;
        volatile boolean closed;

        Registration(Supplier<OsdAnnouncement> supplier) {
            this.supplier = supplier;
        }

        /** Once this returns, nothing more is sent for this OSD: a send in progress holds this object's lock. */
        @Override
        public void close() {
            synchronized (this) {
                closed = true;
            }
            registrations.remove(this);
        }
    }
}
