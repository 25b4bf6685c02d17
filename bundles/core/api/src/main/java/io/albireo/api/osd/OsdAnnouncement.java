package io.albireo.api.osd;

import java.util.List;
import java.util.Objects;

/**
 * What an OSD says about itself on the network, every few seconds, by UDP multicast (docs/DISCOVERY.md): enough to
 * connect to it and to judge whether it is worth claiming. Sent as JSON with these field names.
 *
 * @param version the announcement format's version, {@link #VERSION}
 * @param kind the kind of device: "asd", "kinetic"
 * @param longId the OSD's globally unique id, fixed when its disk was first initialised
 * @param nodeId the node (machine) that hosts it
 * @param addresses the addresses it accepts connections on
 * @param port the port it listens on
 * @param used bytes in use
 * @param total bytes it may use in all
 * @param software the software and its version, e.g. "albireo-asd 0.1.0"
 */
public record OsdAnnouncement(int version, String kind, String longId, String nodeId, List<String> addresses, int port,
        long used, long total, String software) {
    /** The format version this API writes. */
    public static final int VERSION = 1;

    /** Validates the fields and copies the list. */
    public OsdAnnouncement {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(longId, "longId");
        Objects.requireNonNull(nodeId, "nodeId");
        addresses = List.copyOf(addresses);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a TCP port");
        }
    }
}
