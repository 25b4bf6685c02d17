/**
 * The proxy: {@link io.albireo.proxy.internal.ProxyObjectStore}, the ObjectStore over a backend (the ALBA manager, the
 * namespace manager, the Osd services and the codecs), with its placement, caches, data keys (wrapped under the KEK
 * in the ALBA manager) and statistics.
 */
package io.albireo.proxy.internal;
