/**
 * Block volumes: vPools and their vDisks, stored by the volume driver as append-only SCOs (storage container objects)
 * and TLogs (the log of which cluster went where) in the object store, one namespace per vDisk.
 * {@link io.albireo.api.volume.VolumeService} manages them; {@link io.albireo.api.volume.VDisk} is an open vDisk's IO,
 * asynchronous so that a front end (NBD, iSCSI, the file system) keeps many requests in flight.
 */
@Export
@Version("1.0.0")
package io.albireo.api.volume;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
