package io.albireo.api;

/**
 * Stored bytes failed verification: a checksum mismatch, a failed authentication tag, a malformed header. Data that
 * raises this is never returned to a client; the reader falls back to other fragments and queues a repair.
 */
public class IntegrityException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message which bytes failed which check */
    public IntegrityException(String message) {
        super(message);
    }

    /**
     * @param message which bytes failed which check
     * @param cause the underlying failure
     */
    public IntegrityException(String message, Throwable cause) {
        super(message, cause);
    }
}
