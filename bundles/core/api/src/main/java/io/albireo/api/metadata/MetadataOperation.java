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

    /**
     * Turns the argument into the form {@link #apply(MetadataTransaction, Object)} runs on, on the caller's thread,
     * so that the store's one committer thread does not spend its time decoding. It must be deterministic and a pure
     * function of the argument: no transaction, no state, no clock; a replicated store may run it on every replica.
     * An exception it throws goes to the caller and nothing is applied.
     *
     * @param argument the encoded argument
     * @return the prepared argument; by default {@code argument} itself
     */
    default Object prepare(Bytes argument) {
        return argument;
    }

    /**
     * Runs the operation on a prepared argument: what the store calls. By default
     * {@link #apply(MetadataTransaction, Bytes)}, so an operation that prepares nothing implements that alone.
     *
     * @param transaction the view to read and write through
     * @param prepared what {@link #prepare} returned for the argument
     * @return the encoded result
     * @throws io.albireo.api.StorageException to abort: nothing the operation wrote is applied
     */
    default Bytes apply(MetadataTransaction transaction, Object prepared) {
        return apply(transaction, (Bytes) prepared);
    }
}
