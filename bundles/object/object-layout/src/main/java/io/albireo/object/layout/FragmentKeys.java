package io.albireo.object.layout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import io.albireo.api.Bytes;
import io.albireo.api.metadata.Manifest;

/**
 * The key of a fragment on an OSD:
 *
 * <pre>
 * "f/" | namespace id (8 bytes BE) | object id (its lowercase hex, as ASCII) | chunk (4 bytes BE)
 *      | fragment (2 bytes BE) | generation (8 bytes BE; only when it is not 0)
 * </pre>
 *
 * The namespace id first puts one namespace's fragments in one key range of every OSD (what deleting a namespace
 * sweeps); the object id, new at every put, keeps the fragments of two versions of a name apart; the generation
 * ({@link Manifest.Fragment#generation()}), fresh and random whenever maintenance rewrites a fragment, keeps a
 * rewritten fragment's key apart from every key written or deleted before, and racing repairs' keys apart. A put
 * writes generation 0, whose keys are the ones written before fragments had generations.
 */
public final class FragmentKeys {
    private static final byte[] PREFIX = {'f', '/'};
    /** The length of a key of generation 0 whose object id is the proxy's 32 hex digits. */
    private static final int PLAIN = PREFIX.length + 8 + 32 + 4 + 2;

    /**
     * A fragment key read back.
     *
     * @param namespaceId the namespace's id
     * @param objectId the object id (32 lowercase hex digits)
     * @param chunk the chunk's index
     * @param fragment the fragment's index in its chunk
     * @param generation 0 (written by the put) or the generation maintenance rewrote it under
     */
    public record Parsed(long namespaceId, String objectId, int chunk, int fragment, long generation) {
    }

    private FragmentKeys() {
    }

    /**
     * @return the key of fragment {@code fragment} of chunk {@code chunk} of object {@code objectId} at
     *         {@code generation}
     * @throws IllegalArgumentException if the chunk or generation is negative, or the fragment is not in 0..65535
     */
    public static Bytes key(long namespaceId, String objectId, int chunk, int fragment, long generation) {
        if (chunk < 0 || fragment < 0 || fragment > 0xffff || generation < 0) {
            throw new IllegalArgumentException("no fragment key for chunk " + chunk + ", fragment " + fragment
                    + ", generation " + generation);
        }
        byte[] id = objectId.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(PREFIX.length + 8 + id.length + 4 + 2 + (generation == 0 ? 0 : 8));
        b.put(PREFIX).putLong(namespaceId).put(id).putInt(chunk).putShort((short) fragment);
        if (generation != 0) {
            b.putLong(generation);
        }
        return Bytes.adopt(b.array());
    }

    /** @return the key of fragment {@code fragment} of chunk {@code chunk} of {@code m}, at its generation */
    public static Bytes key(long namespaceId, Manifest m, int chunk, int fragment) {
        long generation = m.chunks().get(chunk).fragments().get(fragment).generation();
        return key(namespaceId, m.objectId(), chunk, fragment, generation);
    }

    /** @return the prefix of every fragment key of a namespace */
    public static Bytes namespacePrefix(long namespaceId) {
        return Bytes.adopt(ByteBuffer.allocate(PREFIX.length + 8).put(PREFIX).putLong(namespaceId).array());
    }

    /**
     * Reads a key of an OSD as a fragment key, for maintenance to tell its leftovers. Only keys of the object ids the
     * proxy makes (32 lowercase hex digits) are recognised: with ids of any length, a key with a generation would read
     * as well as a key without one of a longer id.
     *
     * @return the fields of {@code key}, or empty if it is not a key that {@link #key} writes for such an id
     */
    public static Optional<Parsed> parse(Bytes key) {
        int length = key.length();
        if (length != PLAIN && length != PLAIN + 8 || key.byteAt(0) != PREFIX[0] || key.byteAt(1) != PREFIX[1]) {
            return Optional.empty();
        }
        ByteBuffer b = key.asReadOnlyBuffer();
        b.position(PREFIX.length);
        long namespaceId = b.getLong();
        byte[] id = new byte[32];
        b.get(id);
        for (byte c : id) {
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return Optional.empty();
            }
        }
        int chunk = b.getInt();
        int fragment = b.getShort() & 0xffff;
        long generation = b.hasRemaining() ? b.getLong() : 0;
        // key() writes no generation 0 at the end, and none is negative.
        if (chunk < 0 || length > PLAIN && generation <= 0) {
            return Optional.empty();
        }
        return Optional.of(new Parsed(namespaceId, new String(id, StandardCharsets.US_ASCII), chunk, fragment,
                generation));
    }
}
