/**
 * The proxy: {@link io.albireo.proxy.internal.ProxyObjectStore}, the ObjectStore over a backend (the ALBA manager, the
 * namespace manager, the Osd services and the codecs), with its placement, caches, key store and statistics.
 */
package io.albireo.proxy.internal;
