/**
 * The namespace manager (NSM). {@link io.albireo.nsm.internal.NamespaceManagerService} is the DS component that
 * serves {@link io.albireo.api.metadata.NamespaceManager}: reads go straight to the metadata store, every mutation is
 * one call of {@link io.albireo.nsm.internal.ApplyOperation} ({@code nsm.apply}), which checks the conditions and
 * writes manifests, the reverse index and the statistics in one transaction. {@link io.albireo.nsm.internal.NsmKeys}
 * is the key layout, {@link io.albireo.nsm.internal.ApplyCodec} the operation's argument and result. Private to its
 * bundle.
 */
package io.albireo.nsm.internal;
