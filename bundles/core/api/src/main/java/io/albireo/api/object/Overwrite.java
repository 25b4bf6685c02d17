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
}
