/**
 * The volume driver's insides: {@link io.albireo.volumedriver.internal.Volume} (one vDisk's write path, reads, uploads
 * and recovery), the LBA maps in RocksDB ({@link io.albireo.volumedriver.internal.LbaMap}), the TLog format
 * ({@link io.albireo.volumedriver.internal.TLogFormat}), the vPool's write buffer and read cache.
 */
package io.albireo.volumedriver.internal;
