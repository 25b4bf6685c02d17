package io.albireo.asd.protocol;

import io.albireo.framing.Frames;

/**
 * The bounds every frame is checked against before anything is allocated or stored for it: a peer cannot make the
 * other side allocate more than one frame's worth of memory, however it lies.
 *
 * @param maxFrame the largest frame, in bytes after its length field
 */
public record Limits(int maxFrame) {
    /** The largest frame by default: a value of 64 MiB and room for the rest of an apply. */
    public static final int DEFAULT_MAX_FRAME = 64 * 1024 * 1024 + 8 * 1024 * 1024;
    /** The smallest frame limit a peer may announce: the handshake and small requests must fit. */
    public static final int MIN_MAX_FRAME = Frames.MIN_MAX_FRAME;
    /** The longest key. */
    public static final int MAX_KEY = 4096;
    /** The most keys, slices, asserts, updates or entries in one message. */
    public static final int MAX_ITEMS = Frames.MAX_ITEMS;
    /** The longest string (an id, a reason) in UTF-8 bytes. */
    public static final int MAX_STRING = Frames.MAX_STRING;

    /** The defaults. */
    public static final Limits DEFAULT = new Limits(DEFAULT_MAX_FRAME);

    /** Validates the limit. */
    public Limits {
        if (maxFrame < MIN_MAX_FRAME) {
            throw new IllegalArgumentException("the frame limit must be at least " + MIN_MAX_FRAME + " bytes; got "
                    + maxFrame);
        }
    }
}
