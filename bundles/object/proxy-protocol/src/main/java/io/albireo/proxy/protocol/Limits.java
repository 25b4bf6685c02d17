package io.albireo.proxy.protocol;

import io.albireo.framing.Frames;

/**
 * The bounds every frame is checked against before anything is allocated for it: a peer cannot make the other side
 * allocate more than one frame, however it lies.
 *
 * @param maxFrame the largest frame, in bytes after its length field
 */
public record Limits(int maxFrame) {
    /** The largest frame by default: room for an apply of a few MiB; objects are streamed in smaller DATA frames. */
    public static final int DEFAULT_MAX_FRAME = 16 * 1024 * 1024 + 64 * 1024;
    /** The smallest frame limit: the handshake, small requests and a DATA frame of {@link #MIN_CHUNK} must fit. */
    public static final int MIN_MAX_FRAME = Frames.MIN_MAX_FRAME;
    /** The smallest DATA payload a sender may be asked to cut objects into. */
    public static final int MIN_CHUNK = 16 * 1024;
    /** The most ranges, names, asserts, changes or infos in one message. */
    public static final int MAX_ITEMS = Frames.MAX_ITEMS;
    /** The longest string (a namespace, a name, an id, a reason) in UTF-8 bytes. */
    public static final int MAX_STRING = Frames.MAX_STRING;
    /** The most puts one connection may have open (begun and not ended) at once. */
    public static final int MAX_OPEN_PUTS = 64;

    /** The defaults. */
    public static final Limits DEFAULT = new Limits(DEFAULT_MAX_FRAME);

    /** Validates the limit. */
    public Limits {
        if (maxFrame < MIN_MAX_FRAME) {
            throw new IllegalArgumentException("the frame limit must be at least " + MIN_MAX_FRAME + " bytes; got "
                    + maxFrame);
        }
    }

    /** @return the largest DATA payload that fits a frame under this limit, with room for its header */
    public int maxChunk() {
        return maxFrame - 64;
    }
}
