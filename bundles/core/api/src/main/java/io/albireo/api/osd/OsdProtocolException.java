package io.albireo.api.osd;

import io.albireo.api.StorageException;

/** The peer broke the protocol */
public class OsdProtocolException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message what happened, naming the OSD */
    public OsdProtocolException(String message) {
        super(message);
    }

    /**
     * @param message what happened, naming the OSD
     * @param cause the underlying failure
     */
    public OsdProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
