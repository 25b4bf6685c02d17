/** The proxy server: the proxy protocol (docs/PROXY-PROTOCOL.md) in front of whichever ObjectStore is registered. */
package io.albireo.proxy.server.internal;
