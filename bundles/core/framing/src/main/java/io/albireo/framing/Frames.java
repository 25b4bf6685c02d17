package io.albireo.framing;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.function.Function;

/**
 * The frame layout and the bounds every protocol on it shares:
 *
 * <pre>
 *   u32 length   the bytes that follow this field: at least 9, at most the frame limit
 *   u8  type     the message type
 *   u64 id       the request id: chosen by the client, echoed by the response; 0 in the handshake
 *   ...          the body, as the type says
 * </pre>
 *
 * Integers are big-endian; strings are a u16 length and UTF-8, values a u32 length and the bytes.
 */
public final class Frames {
    /** The length field, the type and the id. */
    public static final int HEAD = 4 + 1 + 8;
    /** The smallest length field: a type and an id, no body. */
    public static final int MIN_LENGTH = HEAD - 4;
    /** The smallest frame limit a peer may announce: a handshake and small requests must fit. */
    public static final int MIN_MAX_FRAME = 64 * 1024;
    /** The most items (keys, ranges, names, entries) one count may announce. */
    public static final int MAX_ITEMS = 100_000;
    /** The longest u16-length string or byte string, in bytes. */
    public static final int MAX_STRING = 4096;

    private Frames() {
    }

    /**
     * @return {@code length}, a frame's length field, if it lies within the frame limit
     * @throws RuntimeException made by {@code malformed} if it does not; nothing has been allocated for it
     */
    public static int checkLength(int length, int maxFrame, Function<String, ? extends RuntimeException> malformed) {
        if (length < MIN_LENGTH || length > maxFrame) {
            throw malformed.apply("a frame of " + Integer.toUnsignedString(length) + " bytes: frames are "
                    + MIN_LENGTH + " to " + maxFrame + " bytes");
        }
        return length;
    }

    /** Writes the buffers of a frame fully to a blocking channel. */
    public static void write(GatheringByteChannel channel, ByteBuffer[] frame) throws IOException {
        long left = remaining(frame);
        while (left > 0) {
            left -= channel.write(frame);
        }
    }

    /** @return the bytes left in all of {@code buffers} */
    public static long remaining(ByteBuffer[] buffers) {
        long n = 0;
        for (ByteBuffer b : buffers) {
            n += b.remaining();
        }
        return n;
    }

    /**
     * Fills {@code buffer} from a blocking channel.
     *
     * @return false if the channel ended cleanly before the first byte and {@code endAllowed}
     * @throws EOFException if the channel ends anywhere else
     */
    static boolean readFully(ReadableByteChannel channel, ByteBuffer buffer, boolean endAllowed) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                if (endAllowed && buffer.position() == 0) {
                    return false;
                }
                throw new EOFException("the connection ended inside a frame (" + buffer.position() + " of "
                        + buffer.limit() + " bytes)");
            }
        }
        return true;
    }
}
