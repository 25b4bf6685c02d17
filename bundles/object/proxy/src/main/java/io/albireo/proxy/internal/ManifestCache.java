package io.albireo.proxy.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.albireo.api.metadata.Manifest;

/**
 * Recently used manifests, by namespace and name, at most {@code capacity} of them, least recently used out first. A
 * cached manifest may be stale (another proxy overwrote the object): readers notice missing fragments, drop it and
 * read the NSM again.
 */
final class ManifestCache {
    private final int capacity;
    private final LinkedHashMap<String, Manifest> entries;

    ManifestCache(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Manifest> eldest) {
                return size() > ManifestCache.this.capacity;
            }
        };
    }

    private static String key(String namespace, String name) {
        return namespace + '\0' + name;
    }

    synchronized Optional<Manifest> get(String namespace, String name) {
        return Optional.ofNullable(entries.get(key(namespace, name)));
    }

    synchronized void put(String namespace, Manifest manifest) {
        if (capacity > 0) {
            entries.put(key(namespace, manifest.name()), manifest);
        }
    }

    synchronized void remove(String namespace, String name) {
        entries.remove(key(namespace, name));
    }

    synchronized void removeNamespace(String namespace) {
        entries.keySet().removeIf(k -> k.startsWith(namespace + '\0'));
    }

    synchronized int size() {
        return entries.size();
    }
}
