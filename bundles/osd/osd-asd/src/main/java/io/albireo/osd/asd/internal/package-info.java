/**
 * The ASD driver: {@link io.albireo.osd.asd.internal.AsdDriver}, a DS component per factory configuration
 * {@code io.albireo.osd.asd}, turns one ASD into an {@link io.albireo.api.osd.Osd} service through
 * {@link io.albireo.osd.asd.internal.AsdOsd}, a pool of pipelined connections speaking the ASD protocol
 * (docs/ASD-PROTOCOL.md) with timeouts, reconnect backoff and typed errors. Private to its bundle, found through the
 * service registry by the ASD's long id.
 */
package io.albireo.osd.asd.internal;
