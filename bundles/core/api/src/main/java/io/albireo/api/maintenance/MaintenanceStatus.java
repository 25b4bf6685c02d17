package io.albireo.api.maintenance;

import java.util.List;
import java.util.Map;

/**
 * What maintenance is doing.
 *
 * @param paused whether this appliance's agents are paused
 * @param rateLimit this appliance's limit in bytes per second, 0 for none
 * @param agents the names of this appliance's agents
 * @param jobs the long jobs (repairs of OSDs, namespace deletions, verifications), with their progress
 * @param queued the small items waiting or running, by kind (fragments to repair or rewrite, garbage to delete)
 * @param lost objects left with fewer than k good fragments: never deleted, reported until they are whole again
 */
public record MaintenanceStatus(boolean paused, long rateLimit, List<String> agents, List<Job> jobs,
        Map<String, Long> queued, List<LostObject> lost) {

    /** Copies the collections. */
    public MaintenanceStatus {
        agents = List.copyOf(agents);
        jobs = List.copyOf(jobs);
        queued = Map.copyOf(queued);
        lost = List.copyOf(lost);
    }

    /** @return whether there is nothing to do */
    public boolean idle() {
        return jobs.isEmpty() && queued.values().stream().allMatch(n -> n == 0);
    }

    /**
     * One job.
     *
     * @param id its work item's id
     * @param kind what it does ("repair-osd", "delete-namespace", ...)
     * @param subject what it does it to, in words ("OSD 3 in namespace ns1")
     * @param agent the agent running it, or "" while it waits
     * @param unit what {@code done} and {@code left} count ("fragments", "keys")
     * @param done units done
     * @param left units left, -1 if not known
     * @param bytesDone bytes done (rebuilt, moved or read)
     * @param bytesLeft bytes left, -1 if not known
     * @param bytesPerSecond the recent rate
     * @param etaSeconds the time left at that rate, -1 if not known
     */
    public record Job(long id, String kind, String subject, String agent, String unit, long done, long left,
            long bytesDone, long bytesLeft, double bytesPerSecond, long etaSeconds) {
        /** @return the fraction done, 0 to 1, or -1 if not known */
        public double fraction() {
            if (bytesLeft >= 0 && bytesDone + bytesLeft > 0) {
                return (double) bytesDone / (bytesDone + bytesLeft);
            }
            return left >= 0 && done + left > 0 ? (double) done / (done + left) : -1;
        }
    }

    /**
     * An object repair could not bring back.
     *
     * @param namespace its namespace
     * @param name its name
     * @param objectId its version
     * @param why which chunk lacks how many fragments
     */
    public record LostObject(String namespace, String name, String objectId, String why) {
    }
}
