package io.albireo.api.object;

import java.util.Objects;

/** The condition a put or delete places on what a name holds when it is applied. */
public sealed interface Overwrite {

    /** The name must hold no object. */
    Overwrite NONE = new None();
    /** The name must hold some object. */
    Overwrite EXISTING = new Existing();
    /** No condition. */
    Overwrite UNCONDITIONAL = new Unconditional();

    /** @return the condition that the name holds exactly the object {@code objectId} */
    static Overwrite previous(String objectId) {
        return new Previous(objectId);
    }

    /**
     * @return the condition that the name holds the object {@code objectId} with its manifest at exactly {@code version}:
     *         what a repair or a move, which rewrites the manifest of an object a client may be replacing, places on
     *         its rewrite, and what the proxy places on what it read, so that neither undoes the other
     */
    static Overwrite version(String objectId, long version) {
        return new Version(objectId, version);
    }

    /** The name must hold no object. */
    record None() implements Overwrite {
    }

    /** The name must hold some object, whichever. */
    record Existing() implements Overwrite {
    }

    /** No condition. */
    record Unconditional() implements Overwrite {
    }

    /**
     * The name must hold exactly this object.
     *
     * @param objectId the id it must hold
     */
    record Previous(String objectId) implements Overwrite {
        /** Validates the id. */
        public Previous {
            Objects.requireNonNull(objectId, "objectId");
        }
    }

    /**
     * The name must hold exactly this object, its manifest at exactly this version (the NSM counts a name's versions
     * up from 1 at every put, a rewrite of the same object included).
     *
     * @param objectId the id it must hold
     * @param version the version its manifest must be at
     */
    record Version(String objectId, long version) implements Overwrite {
        /** Validates the fields. */
        public Version {
            Objects.requireNonNull(objectId, "objectId");
            if (version < 1) {
                throw new IllegalArgumentException("a manifest's version is at least 1, not " + version);
            }
        }
    }
}
