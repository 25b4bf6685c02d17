package io.albireo.api.object;

import io.albireo.api.StorageException;

/**
 * A request named an object or namespace that does not exist (a read of a missing object). The proxy protocol
 * carries it as its NOT_FOUND failure, so a remote client gets it back as this type.
 */
public class ObjectNotFoundException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message what was not found */
    public ObjectNotFoundException(String message) {
        super(message);
    }
}
