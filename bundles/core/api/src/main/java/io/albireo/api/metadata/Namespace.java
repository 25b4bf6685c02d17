package io.albireo.api.metadata;

import java.util.Objects;

/**
 * A namespace, as the ALBA manager records it.
 *
 * @param name its name
 * @param id its number, unique in the backend for ever (a deleted namespace's id is not reused): the NSM's keys and
 *        the fragments' keys on the OSDs carry it, not the name
 * @param preset the preset its objects are written with
 * @param nsmHost the namespace manager host that holds its manifests
 * @param state active, or being deleted
 */
public record Namespace(String name, long id, String preset, String nsmHost, State state) {
    /** Checks the fields. */
    public Namespace {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(nsmHost, "nsmHost");
        Objects.requireNonNull(state, "state");
    }

    /** Where a namespace is in its life. */
    public enum State {
        /** In use. */
        ACTIVE,
        /** Deleted by the operator: its objects are being removed in the background, its name is free again. */
        DELETING
    }
}
