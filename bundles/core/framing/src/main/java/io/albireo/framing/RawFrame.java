package io.albireo.framing;

import java.nio.ByteBuffer;

/**
 * A frame as read, before its protocol decodes the body.
 *
 * @param type the message type
 * @param id the request id
 * @param body the body, in an array of its own: decoded values may be views of it
 * @param size the frame's size on the wire, its length field included
 */
public record RawFrame(int type, long id, ByteBuffer body, int size) {
    /** @return a frame whose body starts at the array's type byte and takes the rest of {@code frame} */
    static RawFrame of(ByteBuffer frame) {
        int type = frame.get() & 0xff;
        long id = frame.getLong();
        return new RawFrame(type, id, frame.slice(), frame.limit() + 4);
    }
}
