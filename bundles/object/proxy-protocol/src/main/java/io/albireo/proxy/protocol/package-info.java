/**
 * The proxy wire protocol, version 1 (docs/PROXY-PROTOCOL.md): the {@link io.albireo.proxy.protocol.Message}s a client
 * and the proxy server exchange, and {@link io.albireo.proxy.protocol.FrameCodec}, which turns them into
 * length-prefixed frames and back, refusing anything malformed or over the {@link io.albireo.proxy.protocol.Limits}.
 * Objects travel in bounded DATA frames, never in one frame of their own size. No OSGi and no I/O beyond a channel.
 */
@Export
@Version("1.0.0")
package io.albireo.proxy.protocol;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
