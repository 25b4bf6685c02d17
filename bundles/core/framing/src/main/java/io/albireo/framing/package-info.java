/**
 * The framing both Albireo wire protocols share (docs/ASD-PROTOCOL.md, docs/PROXY-PROTOCOL.md): a frame is a u32
 * length, a u8 type, a u64 request id and a body. {@link io.albireo.framing.FrameBuilder} writes one,
 * {@link io.albireo.framing.FrameReader} reads them from a blocking channel, {@link io.albireo.framing.FrameBody}
 * decodes a body's fields with every length checked before anything is allocated, and
 * {@link io.albireo.framing.FrameServer} serves sessions over non-blocking sockets with bounded connections, bytes in
 * flight and threads. What the frames mean is each protocol's business.
 */
@Export
@Version("1.1.0")
package io.albireo.framing;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
