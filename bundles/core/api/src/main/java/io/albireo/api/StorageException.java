package io.albireo.api;

/**
 * The root of Albireo's typed errors. Unchecked, because most of them travel through
 * {@link java.util.concurrent.CompletableFuture}s; callers that can act on a kind of failure catch its subclass.
 */
public class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, in the operator's words */
    public StorageException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, in the operator's words
     * @param cause the underlying failure
     */
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
