package io.albireo.proxy.protocol;

import io.albireo.api.StorageException;

/** A peer broke the proxy protocol (a malformed frame, a bound exceeded); the connection is closed. */
public class ProxyProtocolException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong with the frame */
    public ProxyProtocolException(String message) {
        super(message);
    }
}
