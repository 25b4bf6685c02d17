package io.albireo.api.metadata;

import io.albireo.api.Bytes;

/**
 * A server-side operation (a user function, in Arakoon's words): logic that runs inside the store, atomically, in one
 * round trip. Registered as a service with its name as {@link io.albireo.api.AlbireoName}. It must be deterministic:
 * the same transaction state and argument give the same writes and result on every replica, so it reads no clock,
 * no randomness and nothing outside the transaction.
 */
public interface MetadataOperation {

    /** @return the operation's name */
    String name();

    /**
     * @param transaction the view to read and write through
     * @param argument the encoded argument
     * @return the encoded result
     * @throws io.albireo.api.StorageException to abort: nothing the operation wrote is applied
     */
    Bytes apply(MetadataTransaction transaction, Bytes argument);
}
