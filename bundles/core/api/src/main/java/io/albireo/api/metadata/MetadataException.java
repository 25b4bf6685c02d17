package io.albireo.api.metadata;

import io.albireo.api.StorageException;

/** A metadata operation was refused: the message says why, in the operator's words. Nothing was changed. */
public class MetadataException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message why */
    public MetadataException(String message) {
        super(message);
    }
}
