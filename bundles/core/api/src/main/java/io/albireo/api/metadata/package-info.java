/**
 * The consistent, ordered key-value store that holds Albireo's metadata (the role Arakoon plays in ALBA).
 * {@link io.albireo.api.metadata.MetadataStore} offers reads, range queries, atomic applies with asserts and named
 * server-side operations ({@link io.albireo.api.metadata.MetadataOperation}) that run atomically inside the store.
 * Every mutation is a deterministic command, so a replicated log can apply it on every replica alike.
 * <p>
 * On it: the {@link io.albireo.api.metadata.AlbaManager} (OSDs, nodes, presets, namespaces, NSM hosts, the wrapped
 * data keys, the maintenance work queue) and the {@link io.albireo.api.metadata.NamespaceManager} (manifests,
 * fragments per OSD, statistics), with their values: {@link io.albireo.api.metadata.Preset},
 * {@link io.albireo.api.metadata.Policy}, {@link io.albireo.api.metadata.WrappedKey},
 * {@link io.albireo.api.metadata.Manifest} and its stored form {@link io.albireo.api.metadata.ManifestFormat}.
 */
@Export
@Version("1.7.0")
package io.albireo.api.metadata;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
