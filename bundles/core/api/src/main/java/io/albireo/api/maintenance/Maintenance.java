package io.albireo.api.maintenance;

import java.util.List;

/**
 * The maintenance of this backend, as one appliance's agents see and run it. The jobs themselves are work items in the
 * ALBA manager's queue, shared by the agents of every appliance: {@link #status} shows all of them, whoever runs them;
 * pause, resume and the rate limit act on this appliance's agents. Implementations are thread-safe.
 */
public interface Maintenance {

    /** @return every job of the backend with its progress, the queue, and this appliance's controls */
    MaintenanceStatus status();

    /** @return the health of every OSD of the backend, as this appliance's failure detector sees it */
    List<OsdHealth> osds();

    /** Stops taking new work; items in progress stop at their next object and are taken again after resume. */
    void pause();

    /** Takes work again after {@link #pause}. */
    void resume();

    /**
     * Limits the bytes this appliance's agents rebuild, move and verify per second, so that client IO keeps priority.
     *
     * @param bytesPerSecond the limit; 0 for none
     */
    void rateLimit(long bytesPerSecond);

    /**
     * Queues a repair of every object with a fragment on this OSD, in every namespace (what a decommission or a death
     * queues by itself): for an operator who wants a pass again, after an OSD came back, say.
     *
     * @param longId the OSD's long id
     * @return the jobs queued, one per namespace
     * @throws io.albireo.api.metadata.MetadataException if the backend does not own the OSD, or if the OSD is in
     *         service (claimed: nothing to repair; {@link #verify} checks its fragments)
     */
    int repairOsd(String longId);

    /**
     * Reads every fragment of every object of a namespace, checks it against its checksum, and rebuilds the ones that
     * are missing or corrupt, now, in the caller's thread.
     *
     * @param namespace the namespace
     * @param progress told after every object
     * @return what was found and done
     * @throws io.albireo.api.object.NamespaceNotFoundException if there is no such namespace
     */
    VerifyReport verify(String namespace, Progress progress);

    /** Progress of a long call. */
    @FunctionalInterface
    interface Progress {
        /**
         * @param objectsDone objects done so far
         * @param objectsTotal objects in all, as known when the call began
         */
        void at(long objectsDone, long objectsTotal);
    }
}
