package io.albireo.proxy.protocol;

import io.albireo.api.StorageException;

/**
 * A request named an object or namespace that does not exist (a read of a missing object). It travels as the
 * NOT_FOUND failure; a store that throws it, or a subclass, is reported as such to remote clients.
 */
public class ObjectNotFoundException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message what was not found */
    public ObjectNotFoundException(String message) {
        super(message);
    }
}
