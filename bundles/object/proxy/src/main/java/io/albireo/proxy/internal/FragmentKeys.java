package io.albireo.proxy.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.albireo.api.Bytes;

/**
 * The key of a fragment on an OSD: {@code "f/"}, the namespace id (8 bytes BE), the object id (its lowercase hex, as
 * ASCII), the chunk (4 bytes BE) and the fragment (2 bytes BE). The namespace id first puts one namespace's fragments
 * in one key range of every OSD (what deleting a namespace sweeps); the object id, new at every put, keeps the
 * fragments of two versions of a name apart.
 */
final class FragmentKeys {
    private static final byte[] PREFIX = {'f', '/'};

    private FragmentKeys() {
    }

    static Bytes key(long namespaceId, String objectId, int chunk, int fragment) {
        byte[] id = objectId.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(PREFIX.length + 8 + id.length + 4 + 2);
        b.put(PREFIX).putLong(namespaceId).put(id).putInt(chunk).putShort((short) fragment);
        return Bytes.adopt(b.array());
    }

    /** @return the prefix of every fragment key of a namespace */
    static Bytes namespacePrefix(long namespaceId) {
        return Bytes.adopt(ByteBuffer.allocate(PREFIX.length + 8).put(PREFIX).putLong(namespaceId).array());
    }
}
