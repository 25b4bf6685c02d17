package io.albireo.volumedriver.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Clusters read from the backend, kept in memory up to a number of bytes, least recently used out first. Keyed by
 * vDisk and packed SCO location: SCOs never change once written, so an entry is never stale.
 */
final class ReadCache {
    private record Key(int vDisk, long location) {
    }

    private final long capacity;
    private final LinkedHashMap<Key, byte[]> clusters = new LinkedHashMap<>(1024, 0.75f, true);
    private long bytes;

    /** @param capacity its bound in bytes; 0 keeps nothing */
    ReadCache(long capacity) {
        this.capacity = capacity;
    }

    /** @return whether it keeps anything (a bound of 0 keeps nothing: callers skip the copies) */
    boolean enabled() {
        return capacity > 0;
    }

    /** @return the cluster's bytes, if cached (the caller must not change them) */
    synchronized byte[] get(int vDisk, long location) {
        return clusters.get(new Key(vDisk, location));
    }

    /** Keeps a cluster's bytes (the caller leaves them unchanged), evicting the least recently used. */
    synchronized void put(int vDisk, long location, byte[] cluster) {
        if (capacity < cluster.length) {
            return;
        }
        byte[] old = clusters.put(new Key(vDisk, location), cluster);
        bytes += cluster.length - (old == null ? 0 : old.length);
        var it = clusters.entrySet().iterator();
        while (bytes > capacity && it.hasNext()) {
            Map.Entry<Key, byte[]> eldest = it.next();
            bytes -= eldest.getValue().length;
            it.remove();
        }
    }

    /** Forgets a vDisk's clusters. */
    synchronized void drop(int vDisk) {
        var it = clusters.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, byte[]> e = it.next();
            if (e.getKey().vDisk() == vDisk) {
                bytes -= e.getValue().length;
                it.remove();
            }
        }
    }

    /** @return the bytes it holds */
    synchronized long bytes() {
        return bytes;
    }
}
