package io.albireo.api.metadata;

import java.util.List;
import java.util.Optional;

import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;

/** The view a {@link MetadataOperation} works through: it sees its own writes, and commits them all or none. */
public interface MetadataTransaction {

    /** @return the value of {@code key}, with this transaction's writes applied */
    Optional<Bytes> get(Bytes key);

    /**
     * Several gets at once: what an operation that touches many keys reads first, so that the store can look them
     * up in one pass (RocksDB's multi-get) rather than one call per key.
     *
     * @return per key, in order, what {@link #get(Bytes)} would return
     */
    default List<Optional<Bytes>> get(List<Bytes> keys) {
        List<Optional<Bytes>> values = new java.util.ArrayList<>(keys.size());
        for (Bytes k : keys) {
            values.add(get(k));
        }
        return values;
    }

    /** @return the entries in {@code range}, with this transaction's writes applied */
    List<Entry> range(KeyRange range, int limit, boolean reverse);

    /** Sets {@code key} to {@code value}. */
    void put(Bytes key, Bytes value);

    /** Deletes {@code key}. */
    void delete(Bytes key);
}
