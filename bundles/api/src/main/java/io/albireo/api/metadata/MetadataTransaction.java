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

    /** @return the entries in {@code range}, with this transaction's writes applied */
    List<Entry> range(KeyRange range, int limit, boolean reverse);

    /** Sets {@code key} to {@code value}. */
    void put(Bytes key, Bytes value);

    /** Deletes {@code key}. */
    void delete(Bytes key);
}
