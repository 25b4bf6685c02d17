package io.albireo.api.osd;

import java.util.Objects;

/**
 * Who an OSD is.
 *
 * @param longId the OSD's globally unique id, fixed when the device is first initialised
 * @param nodeId the id of the node (machine) that hosts it: placement puts at most x fragments on one node
 * @param kind the kind of device: "asd", "kinetic", "alba"
 */
public record OsdIdentity(String longId, String nodeId, String kind) {
    /** Validates the fields. */
    public OsdIdentity {
        Objects.requireNonNull(longId, "longId");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(kind, "kind");
    }
}
