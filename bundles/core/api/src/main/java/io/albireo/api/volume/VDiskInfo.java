package io.albireo.api.volume;

/**
 * What a vDisk is and where its data is.
 *
 * @param name its name
 * @param vPool its vPool
 * @param namespace its namespace on the backend
 * @param size its size in bytes
 * @param clusterSize its cluster size
 * @param owner the appliance that owns it (runs its IO), or "" when none does
 * @param open whether it is open on this appliance
 * @param writeBufferBytes the bytes of its SCOs in the local write buffer not yet on the backend
 * @param backendBytes the bytes of its SCOs on the backend
 * @param scos the SCOs it has written so far
 */
public record VDiskInfo(String name, String vPool, String namespace, long size, int clusterSize, String owner,
        boolean open, long writeBufferBytes, long backendBytes, long scos) {
}
