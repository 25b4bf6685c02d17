package io.albireo.api.maintenance;

/**
 * One OSD's health, as the failure detector sees it.
 *
 * @param number its number in the backend
 * @param longId its long id
 * @param state its state
 * @param silentSeconds for a suspect OSD, how long it has not answered; else 0
 */
public record OsdHealth(int number, String longId, State state, long silentSeconds) {

    /** Where an OSD is, from alive to gone. */
    public enum State {
        /** Answers. */
        ALIVE,
        /** Stopped answering, not for long enough to be dead: nothing new goes to it, nothing is rebuilt yet. */
        SUSPECT,
        /** Silent for longer than the timeout: its fragments are being rebuilt elsewhere. */
        DEAD,
        /** Decommissioned by the operator: its fragments are being moved away. */
        DECOMMISSIONED,
        /** Decommissioned or dead, and holds no fragment any more: it can be purged. */
        EMPTY
    }
}
