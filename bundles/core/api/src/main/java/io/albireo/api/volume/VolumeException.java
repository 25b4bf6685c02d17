package io.albireo.api.volume;

import io.albireo.api.StorageException;

/** A volume operation refused: the vPool or vDisk does not exist or exists, is busy, or the request makes no sense. */
public class VolumeException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message what was refused and why, in the operator's words */
    public VolumeException(String message) {
        super(message);
    }

    /**
     * @param message what was refused and why, in the operator's words
     * @param cause the underlying failure
     */
    public VolumeException(String message, Throwable cause) {
        super(message, cause);
    }
}
