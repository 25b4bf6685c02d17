package io.albireo.api.object;

import io.albireo.api.StorageException;

/**
 * A read asked for bytes that an object does not have: a negative offset or length, or a range past its end. Nothing
 * is wrong with the stored data; the request is. The proxy protocol carries it as its OUT_OF_RANGE failure.
 */
public class RangeOutOfBoundsException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message which range of which object, and the object's size */
    public RangeOutOfBoundsException(String message) {
        super(message);
    }
}
