package io.albireo.api.object;

import java.nio.ByteBuffer;

/**
 * One version of an object, read whole but piece by piece (typically a chunk at a time), for objects too large to
 * hold in memory at once: see {@link ObjectStore#open}. Each piece is verified before it is returned, and the last
 * only once the whole object has matched its checksum, so a reader that got every piece got the object intact. Not
 * thread-safe: one reader at a time.
 */
public interface ObjectStream {

    /** @return the object's size: the pieces together have exactly this many bytes */
    long size();

    /**
     * Reads the next piece.
     *
     * @return the next piece, in order, or null after the last
     * @throws io.albireo.api.IntegrityException if stored data fails its checksums, or the object its own
     * @throws io.albireo.api.StorageException if a piece cannot be read, or the object was replaced or deleted while
     *         it was being read (its old version's fragments are gone): read it again
     */
    ByteBuffer next();

    /** @return the stream of an object already held whole: one piece */
    static ObjectStream of(ByteBuffer whole) {
        return new ObjectStream() {
            private final long size = whole.remaining();
            private ByteBuffer rest = whole;

            @Override
            public long size() {
                return size;
            }

            @Override
            public ByteBuffer next() {
                ByteBuffer b = rest;
                rest = null;
                return b;
            }
        };
    }
}
