package io.albireo.api.volume;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The vPools and vDisks of this appliance's volume driver. vDisk names are unique across vPools: a front end exports
 * a vDisk by its name alone. Failures are {@link VolumeException}s that say what to do, or
 * {@link io.albireo.api.StorageException}s of the store underneath. Implementations are thread-safe.
 */
@ProviderType
public interface VolumeService {

    /**
     * Creates a vPool.
     *
     * @throws VolumeException if a vPool of that name exists, or its preset or write buffer is unusable
     */
    VPool createVPool(VPoolConfig config);

    /**
     * Deletes a vPool that holds no vDisk.
     *
     * @throws VolumeException if it does not exist or still holds vDisks (the message names them)
     */
    void deleteVPool(String name);

    /** @return every vPool, by name */
    List<VPool> listVPools();

    /** @return the vPool, if it exists */
    Optional<VPool> vPool(String name);

    /**
     * Creates a vDisk, all zeros, in its own namespace of the vPool's backend.
     *
     * @param vPool the vPool
     * @param name the vDisk's name, unique across vPools
     * @param size its size in bytes, a multiple of the vPool's cluster size
     * @throws VolumeException if the vPool does not exist, the name is taken, or the size is not a positive multiple
     *         of the cluster size
     */
    VDiskInfo createVDisk(String vPool, String name, long size);

    /**
     * Grows a vDisk; the new bytes read as zeros. Open handles see the new size at once.
     *
     * @throws VolumeException if the vDisk does not exist or {@code size} is smaller than it is (shrinking would lose
     *         data) or not a multiple of the cluster size
     */
    VDiskInfo resizeVDisk(String name, long size);

    /**
     * Deletes a vDisk and its namespace (its SCOs and TLogs are freed by maintenance).
     *
     * @throws VolumeException if it does not exist or is open
     */
    void deleteVDisk(String name);

    /** @return every vDisk, by name */
    List<VDiskInfo> listVDisks();

    /** @return what a vDisk is and holds, if it exists */
    Optional<VDiskInfo> vDisk(String name);

    /**
     * Opens a vDisk for IO. Handles of one vDisk share its state: a write through one is read through every other.
     *
     * @throws VolumeException if it does not exist, or another appliance owns it
     */
    VDisk open(String name);
}
