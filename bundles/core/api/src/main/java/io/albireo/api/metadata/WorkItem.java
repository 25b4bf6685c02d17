package io.albireo.api.metadata;

import java.util.Objects;

import io.albireo.api.Bytes;

/**
 * One piece of maintenance work in the ALBA manager's queue. An agent takes it with a lease; while the lease runs no
 * other agent gets it, and when it runs out (the agent died) the item is handed out again. A long job renews its lease
 * as it goes ({@link AlbaManager#renewWork}), storing its checkpoint in the payload.
 *
 * @param id its number, in the order of queueing
 * @param kind what to do ("repair-fragment", "repair-osd", "delete-namespace", ...)
 * @param payload what to do it to, encoded by whoever queued it, or the checkpoint its lease holder stored since
 * @param leaseHolder the agent holding it, or empty
 * @param leaseExpiresMillis when the lease runs out (epoch milliseconds, the agents' clock); 0 without a lease
 */
public record WorkItem(long id, String kind, Bytes payload, String leaseHolder, long leaseExpiresMillis) {
    /** Checks the fields. */
    public WorkItem {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(leaseHolder, "leaseHolder");
    }
}
