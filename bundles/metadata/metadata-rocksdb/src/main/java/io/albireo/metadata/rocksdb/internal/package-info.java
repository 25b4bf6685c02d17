/**
 * The embedded metadata store: {@link io.albireo.metadata.rocksdb.internal.RocksMetadataStore} keeps the metadata in
 * RocksDB and runs every apply and named operation in order on one committer thread, many callers sharing one synced
 * WAL write; {@link io.albireo.metadata.rocksdb.internal.EmbeddedMetadata} is the DS component that registers it with
 * the operations it finds; {@code metadata:status} shows it. Private to its bundle.
 */
package io.albireo.metadata.rocksdb.internal;
