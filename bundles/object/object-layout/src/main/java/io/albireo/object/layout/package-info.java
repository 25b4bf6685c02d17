/**
 * The stored form of a chunk (docs/OBJECT-LAYOUT.md): blocks compressed into checksummed frames, a plain index of the
 * frames, the frames sealed by the cipher, the whole erasure-coded into fragments. {@link
 * io.albireo.object.layout.ChunkLayout} encodes, decodes and repairs whole chunks; {@link
 * io.albireo.object.layout.RangeReader} reads byte ranges of a chunk, fetching only the bytes they need, with the
 * chunks' heads (index pages, sealed header) from a {@link io.albireo.object.layout.ChunkHeads} cache when given one.
 * Where the fragments go: {@link io.albireo.object.layout.Placement} picks their OSDs (all of a chunk's at a put, more
 * at a repair), and {@link io.albireo.object.layout.FragmentKeys} names each on its OSD (namespace, object id, chunk,
 * fragment, generation) and reads such keys back. A library of the proxy and of maintenance: no services; the only
 * state is the cache its caller owns.
 */
@Export
@Version("1.2.0")
package io.albireo.object.layout;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
