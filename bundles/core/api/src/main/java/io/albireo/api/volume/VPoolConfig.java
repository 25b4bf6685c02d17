package io.albireo.api.volume;

import java.util.regex.Pattern;

/**
 * What a vPool is: its vDisks' namespaces on the backend, how their data is cut, and the local resources of the
 * appliance that runs them.
 *
 * @param name the vPool's name: 1 to 64 letters, digits, '.', '_' or '-'
 * @param preset the preset its vDisks' namespaces are created with (policies, compression, encryption), or
 *        {@code null} for the backend's default
 * @param namespacePrefix put before a vDisk's name to make its namespace
 * @param scoSize the bytes of cluster data an SCO holds before it is sealed and put to the backend, a multiple of
 *        the cluster size, 1 MiB to 1 GiB
 * @param clusterSize the unit of the LBA map, a power of two from 512 bytes to 64 KiB
 * @param writeBufferDirectory the local directory of the write buffer, or {@code null} for one the volume driver
 *        chooses under its data directory
 * @param writeBufferBytes the most bytes of SCOs the write buffer holds before writes wait for the backend; at least
 *        two SCOs
 * @param readCacheBytes the most bytes of clusters read from the backend kept in memory; 0 for none
 */
public record VPoolConfig(String name, String preset, String namespacePrefix, int scoSize, int clusterSize,
        String writeBufferDirectory, long writeBufferBytes, long readCacheBytes) {
    /** The default SCO size, as Open vStorage's. */
    public static final int DEFAULT_SCO_SIZE = 64 << 20;
    /** The default cluster size. */
    public static final int DEFAULT_CLUSTER_SIZE = 4096;
    /** The default write buffer: sixteen SCOs of the default size. */
    public static final long DEFAULT_WRITE_BUFFER = 1L << 30;
    /** The default read cache. */
    public static final long DEFAULT_READ_CACHE = 256L << 20;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** Validates every field; a bad one is an {@link IllegalArgumentException} that says what is allowed. */
    public VPoolConfig {
        requireName(name, "vPool");
        if (namespacePrefix == null) {
            throw new IllegalArgumentException("vPool " + name + ": the namespace prefix must not be null");
        }
        if (Integer.bitCount(clusterSize) != 1 || clusterSize < 512 || clusterSize > 64 << 10) {
            throw new IllegalArgumentException("vPool " + name + ": the cluster size must be a power of two from 512 "
                    + "bytes to 64 KiB, not " + clusterSize);
        }
        if (scoSize < 1 << 20 || scoSize > 1 << 30 || scoSize % clusterSize != 0) {
            throw new IllegalArgumentException("vPool " + name + ": the SCO size must be 1 MiB to 1 GiB and a multiple "
                    + "of the cluster size (" + clusterSize + "), not " + scoSize);
        }
        if (writeBufferBytes < 2L * scoSize) {
            throw new IllegalArgumentException("vPool " + name + ": the write buffer must hold at least two SCOs ("
                    + 2L * scoSize + " bytes), not " + writeBufferBytes);
        }
        if (readCacheBytes < 0) {
            throw new IllegalArgumentException("vPool " + name + ": the read cache cannot be negative");
        }
    }

    /** @return a vPool of this name with every default: the backend's preset, its name and '-' as prefix */
    public static VPoolConfig of(String name) {
        return new VPoolConfig(name, null, name + "-", DEFAULT_SCO_SIZE, DEFAULT_CLUSTER_SIZE, null,
                DEFAULT_WRITE_BUFFER, DEFAULT_READ_CACHE);
    }

    /** @return this with another preset ({@code null}: the backend's default) */
    public VPoolConfig withPreset(String preset) {
        return new VPoolConfig(name, preset, namespacePrefix, scoSize, clusterSize, writeBufferDirectory,
                writeBufferBytes, readCacheBytes);
    }

    /** @return this with another SCO size */
    public VPoolConfig withScoSize(int scoSize) {
        return new VPoolConfig(name, preset, namespacePrefix, scoSize, clusterSize, writeBufferDirectory,
                writeBufferBytes, readCacheBytes);
    }

    /** @return this with another cluster size */
    public VPoolConfig withClusterSize(int clusterSize) {
        return new VPoolConfig(name, preset, namespacePrefix, scoSize, clusterSize, writeBufferDirectory,
                writeBufferBytes, readCacheBytes);
    }

    /** @return this with another write buffer */
    public VPoolConfig withWriteBuffer(String directory, long bytes) {
        return new VPoolConfig(name, preset, namespacePrefix, scoSize, clusterSize, directory, bytes, readCacheBytes);
    }

    /** @return this with another read cache size */
    public VPoolConfig withReadCache(long bytes) {
        return new VPoolConfig(name, preset, namespacePrefix, scoSize, clusterSize, writeBufferDirectory,
                writeBufferBytes, bytes);
    }

    /** @return the namespace of a vDisk of this vPool */
    public String namespaceOf(String vDisk) {
        return namespacePrefix + vDisk;
    }

    /**
     * Checks a vPool's or vDisk's name.
     *
     * @throws IllegalArgumentException if it is not 1 to 64 letters, digits, '.', '_' or '-'
     */
    public static void requireName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " names are 1 to 64 letters, digits, '.', '_' or '-', not "
                    + (name == null ? "null" : "'" + name + "'"));
        }
    }
}
