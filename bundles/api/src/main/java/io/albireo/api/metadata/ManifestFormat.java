package io.albireo.api.metadata;

/**
 * The stored form of a {@link Manifest}: compact, versioned, checksummed. Written down in docs/METADATA.md.
 * (Implemented with the namespace manager.)
 */
public final class ManifestFormat {
    private ManifestFormat() {
    }
}
