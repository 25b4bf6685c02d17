package io.albireo.proxy.internal;

import java.nio.file.Path;

/**
 * The proxy's settings, from its configuration ({@link ProxyObjectStore.Config}) or a test.
 *
 * @param blockSize plaintext bytes per independently compressed and encrypted block of a chunk
 * @param chunksInFlight chunks of one put encoded or being written at once (bounds a stream's memory)
 * @param slowFragmentGraceMillis how long a put waits, once every chunk has c fragments, for the rest
 * @param manifestCacheSize manifests kept in memory
 * @param fragmentCachePath the fragment cache's directory
 * @param fragmentCacheBytes the fragment cache's size; 0 disables it
 * @param headCacheBytes the memory for chunk heads (index pages and sealed headers); 0 disables it
 * @param kekPath the key-encryption key (KEK) file, which wraps the backend's data keys
 * @param oldKeyFilePath the key file of earlier proxies, whose keys are imported into the backend once
 * @param usageRefreshSeconds how often the OSDs' fill is measured
 * @param claimLocalOsds whether to claim unowned Osd services and make a default preset at start
 * @param threads encoding and decoding threads
 */
record Settings(int blockSize, int chunksInFlight, long slowFragmentGraceMillis, int manifestCacheSize,
        Path fragmentCachePath, long fragmentCacheBytes, long headCacheBytes, Path kekPath, Path oldKeyFilePath,
        int usageRefreshSeconds, boolean claimLocalOsds, int threads) {
}
