package io.albireo.api.metadata;

import java.util.List;
import java.util.Optional;

import io.albireo.api.Assert;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;

/**
 * A consistent ordered key-value store. Reads see every write acknowledged before them. Writes are durable when they
 * return. Implementations are thread-safe.
 */
public interface MetadataStore {

    /** @return the value of {@code key}, if present */
    Optional<Bytes> get(Bytes key);

    /** @return the values of {@code keys}, in order, empty where absent */
    List<Optional<Bytes>> get(List<Bytes> keys);

    /**
     * @param range the keys to read
     * @param limit the most entries to return
     * @param reverse whether to return the entries from the end of the range backwards
     * @return the entries in the range, in order (or in reverse order)
     */
    List<Entry> range(KeyRange range, int limit, boolean reverse);

    /**
     * Applies {@code updates} atomically if every assert holds.
     *
     * @throws io.albireo.api.AssertFailedException if an assert does not hold; nothing changed
     */
    void apply(List<Assert> asserts, List<Update> updates);

    /**
     * Runs a named server-side operation atomically: it reads and writes through one transaction, and its writes are
     * applied all together or not at all.
     *
     * @param operation the operation's name
     * @param argument its encoded argument
     * @return its encoded result
     * @throws io.albireo.api.StorageException if the operation is not registered, or fails; nothing changed
     */
    Bytes execute(String operation, Bytes argument);
}
