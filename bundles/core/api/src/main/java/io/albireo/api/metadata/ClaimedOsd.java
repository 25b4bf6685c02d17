package io.albireo.api.metadata;

import java.util.List;
import java.util.Objects;

/**
 * An OSD that belongs to this backend, as the ALBA manager records it.
 *
 * @param number the backend's short number for it, used in manifests instead of the long id
 * @param longId the OSD's long id
 * @param nodeId the node that hosts it: placement puts at most x fragments of a chunk on one node
 * @param kind its kind ("asd", "kinetic", "alba")
 * @param addresses where it was announced
 * @param port its port
 * @param state claimed; decommissioned (its data is being moved away; nothing new goes to it); or dead (it stopped
 *        answering: nothing new goes to it, and its fragments are rebuilt elsewhere)
 */
public record ClaimedOsd(int number, String longId, String nodeId, String kind, List<String> addresses, int port,
        State state) {
    /** Copies the list and checks the fields. */
    public ClaimedOsd {
        Objects.requireNonNull(longId, "longId");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(state, "state");
        addresses = List.copyOf(addresses);
        if (number < 0) {
            throw new IllegalArgumentException("negative OSD number " + number);
        }
    }

    /** Where an OSD is in its life in the backend. */
    public enum State {
        /** Claimed: takes new fragments. */
        CLAIMED,
        /** Decommissioned: takes nothing new; maintenance moves its fragments away, then it can be purged. */
        DECOMMISSIONED,
        /**
         * Dead: it stopped answering for longer than maintenance's timeout. It takes nothing new; maintenance rebuilds
         * its fragments from the others onto live OSDs, then it can be purged. Decommissioning it is still allowed (it
         * is not expected back); nothing makes it claimed again.
         */
        DEAD
    }

    /** @return this OSD in another state */
    public ClaimedOsd withState(State newState) {
        return new ClaimedOsd(number, longId, nodeId, kind, addresses, port, newState);
    }
}
