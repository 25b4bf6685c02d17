package io.albireo.api.metadata;

import java.util.Objects;

/**
 * A namespace manager host: a metadata store that holds the manifests of the namespaces assigned to it.
 *
 * @param id its id
 * @param address how to reach it ("local" for the store of this backend's own metadata)
 * @param namespaces how many namespaces are assigned to it
 */
public record NsmHost(String id, String address, long namespaces) {
    /** Checks the fields. */
    public NsmHost {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
    }
}
