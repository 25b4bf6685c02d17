package io.albireo.api.osd;

import java.util.function.Supplier;

/**
 * Sends OSDs' announcements on the network (docs/DISCOVERY.md), so that other nodes' {@link OsdDiscovery} hear of them.
 * An OSD registers once; the announcer asks it for a fresh announcement at every interval (its usage changes) and sends
 * it, until the registration is closed.
 */
public interface OsdAnnouncer {

    /**
     * Starts announcing an OSD.
     *
     * @param announcement asked for the current announcement at every interval
     * @return closing it stops the announcements
     */
    Registration announce(Supplier<OsdAnnouncement> announcement);

    /** An OSD's announcements, until closed. */
    interface Registration extends AutoCloseable {
        /** Stops the announcements: once it returns, nothing more is sent for this OSD. */
        @Override
        void close();
    }
}
