package io.albireo.discovery.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.function.Supplier;

import io.albireo.api.osd.OsdAnnouncement;

/**
 * One thread that receives datagrams on the group, on one interface, and keeps the valid announcements in the table.
 * Whatever arrives (garbage, giant datagrams, other versions) is counted and dropped; the thread stops only when the
 * listener is closed.
 */
final class Listener implements AutoCloseable {
    private final DatagramChannel channel;
    private final Thread thread;
    private final DiscoveredTable table;
    private final Counters counters;
    private final RateLimitedLog log;
    private final Supplier<Duration> expiry;

    /**
     * Joins the group and starts receiving.
     *
     * @param at where to listen
     * @param nic the interface to join the group on
     * @param table where announcements go
     * @param counters what is counted
     * @param log for drops
     * @param expiry the expiry in force when a datagram arrives (it may change without a rebind)
     */
    Listener(Settings at, Nic nic, DiscoveredTable table, Counters counters, RateLimitedLog log,
            Supplier<Duration> expiry) throws IOException {
        this.table = table;
        this.counters = counters;
        this.log = log;
        this.expiry = expiry;
        DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            // Every listener on this machine (a second appliance, a test, a rebind's overlap) binds the same port.
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            // Bound to the group, not the wildcard: no unicast datagram reaches this socket, nor another group's.
            ch.bind(new InetSocketAddress(at.group(), at.port()));
            ch.join(at.group(), nic.nif());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        this.channel = ch;
        this.thread = new Thread(this::run,
                "albireo-discovery-listener " + at.group().getHostAddress() + ":" + at.port() + " on " + nic);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        // One byte more than accepted, so that an oversized datagram is seen as such and not silently truncated.
        ByteBuffer buffer = ByteBuffer.allocate(AnnouncementCodec.MAX_DATAGRAM + 1);
        while (true) {
            buffer.clear();
            SocketAddress from;
            try {
                from = channel.receive(buffer);
            } catch (ClosedChannelException e) { // closed by close(), or interrupted: either way, stop
                return;
            } catch (IOException e) {
                if (!channel.isOpen()) {
                    return;
                }
                log.warn("receive", "Receiving OSD announcements failed, continuing: " + e);
                try {
                    Thread.sleep(100); // an error that repeats must not spin a core
                } catch (InterruptedException stop) {
                    return;
                }
                continue;
            }
            buffer.flip();
            try {
                handle(buffer, ((InetSocketAddress) from).getAddress().getHostAddress());
            } catch (RuntimeException e) { // a bug must not stop discovery on this node
                log.warn("bug", "Handling an OSD announcement failed, continuing: " + e);
            }
        }
    }

    private void handle(ByteBuffer datagram, String source) {
        OsdAnnouncement announcement;
        try {
            announcement = AnnouncementCodec.decode(datagram);
        } catch (AnnouncementCodec.Rejected e) {
            drop(e.reason, source, e.getMessage());
            return;
        }
        switch (table.record(announcement, source, expiry.get())) {
            case REFUSED -> drop(Drop.TABLE_FULL, source, DiscoveredTable.MAX_OSDS + " OSDs are known");
            case MOVED -> {
                counters.accepted();
                log.warn("moved", "OSD " + announcement.longId() + " is now announced from " + source
                        + ": it moved, or two OSDs claim this long id");
            }
            default -> counters.accepted();
        }
    }

    private void drop(Drop reason, String source, String detail) {
        counters.dropped(reason);
        log.warn(reason.name(), "Dropped an OSD announcement from " + source + ", " + reason.description + ": "
                + detail);
    }

    /** Leaves the group and stops the thread. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // a UDP socket has nothing to lose on close
        }
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
