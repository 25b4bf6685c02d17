package io.albireo.metadata.rocksdb.internal;

import java.util.List;

/** The embedded metadata store of this appliance, as {@code metadata:status} shows it. */
public interface LocalMetadata {

    /** @return RocksDB's figures and the commit counters */
    RocksMetadataStore.Status status();

    /** @return the names of the operations registered now, sorted */
    List<String> operationNames();
}
