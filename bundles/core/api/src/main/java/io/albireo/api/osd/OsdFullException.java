package io.albireo.api.osd;

import io.albireo.api.StorageException;

/** The OSD is at its capacity limit and refuses new data; deletes are still accepted. */
public class OsdFullException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message what happened, naming the OSD */
    public OsdFullException(String message) {
        super(message);
    }

    /**
     * @param message what happened, naming the OSD
     * @param cause the underlying failure
     */
    public OsdFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
