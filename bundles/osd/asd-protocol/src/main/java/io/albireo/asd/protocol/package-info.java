/**
 * The ASD wire protocol, version 1 (docs/ASD-PROTOCOL.md): the {@link io.albireo.asd.protocol.Message}s a client and an
 * ASD exchange, and {@link io.albireo.asd.protocol.FrameCodec}, which turns them into length-prefixed frames and back,
 * refusing anything malformed or over the {@link io.albireo.asd.protocol.Limits}. Shared by the ASD server and the ASD
 * driver; it does no I/O of its own beyond reading and writing frames on a channel. {@link
 * io.albireo.asd.protocol.AsdEndpoint} carries the same messages to an ASD in the same JVM, without a socket.
 */
@Export
@Version("1.2.0")
package io.albireo.asd.protocol;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
