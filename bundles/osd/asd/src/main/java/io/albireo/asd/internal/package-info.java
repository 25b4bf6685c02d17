/**
 * The ASD (ALBA Storage Daemon): one disk as a network key-value device. {@link io.albireo.asd.internal.AsdStore} keeps
 * keys and small values in RocksDB and large values as files, and makes many clients' applies durable with one group
 * commit; {@link io.albireo.asd.internal.AsdServer} serves it over the ASD protocol; {@link io.albireo.asd.internal.Asd}
 * is the DS component, one per configured disk. Private to its bundle.
 */
package io.albireo.asd.internal;
