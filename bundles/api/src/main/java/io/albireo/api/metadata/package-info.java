/**
 * The consistent, ordered key-value store that holds Albireo's metadata (the role Arakoon plays in ALBA).
 * {@link io.albireo.api.metadata.MetadataStore} offers reads, range queries, atomic applies with asserts and named
 * server-side operations ({@link io.albireo.api.metadata.MetadataOperation}) that run atomically inside the store.
 * Every mutation is a deterministic command, so a replicated log can apply it on every replica alike.
 */
@Export
@Version("1.0.0")
package io.albireo.api.metadata;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
