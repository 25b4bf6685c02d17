package io.albireo.api.osd;

import io.albireo.api.StorageException;

/** The OSD cannot be reached */
public class OsdUnavailableException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message what happened, naming the OSD */
    public OsdUnavailableException(String message) {
        super(message);
    }

    /**
     * @param message what happened, naming the OSD
     * @param cause the underlying failure
     */
    public OsdUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
