package io.albireo.framing;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.function.Function;

/**
 * Reads frames from one blocking channel through a buffer of its own, so that a small frame, or several pipelined
 * ones, take one read call instead of two each; frames larger than the buffer are read into their own array. Every
 * frame gets an array of its own, allocated only once its length is known to be within the limit: decoded values are
 * views of it and outlive the next read. Use one reader per channel, from one thread.
 */
public final class FrameReader {
    /** Room for a 4 KiB read's answer and its neighbours; larger frames bypass the buffer. */
    public static final int BUFFER = 64 * 1024;

    private final ReadableByteChannel channel;
    private final int maxFrame;
    private final Function<String, ? extends RuntimeException> malformed;
    /** Bytes read and not yet taken, between position and limit. */
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER).limit(0);

    /**
     * @param channel the channel to read
     * @param maxFrame the largest length field accepted
     * @param malformed makes the protocol's error for a length over the limit
     */
    public FrameReader(ReadableByteChannel channel, int maxFrame,
            Function<String, ? extends RuntimeException> malformed) {
        this.channel = channel;
        this.maxFrame = maxFrame;
        this.malformed = malformed;
    }

    /**
     * Reads one frame without reading ahead (for a handshake, after which the channel may pass to another reader).
     *
     * @return the frame, or null if the channel ended cleanly before its first byte
     */
    public static RawFrame readOne(ReadableByteChannel channel, int maxFrame,
            Function<String, ? extends RuntimeException> malformed) throws IOException {
        ByteBuffer lengthField = ByteBuffer.allocate(4);
        if (!Frames.readFully(channel, lengthField, true)) {
            return null;
        }
        ByteBuffer frame = ByteBuffer.allocate(Frames.checkLength(lengthField.getInt(0), maxFrame, malformed));
        Frames.readFully(channel, frame, false);
        return RawFrame.of(frame.flip());
    }

    /**
     * Reads one frame.
     *
     * @return the frame, or null if the channel ended cleanly before its first byte
     * @throws RuntimeException the protocol's error, if the length is over the limit
     * @throws EOFException if the channel ends inside a frame
     */
    public RawFrame read() throws IOException {
        if (!fill(4, true)) {
            return null;
        }
        int length = Frames.checkLength(buffer.getInt(), maxFrame, malformed);
        ByteBuffer frame = ByteBuffer.allocate(length);
        if (length <= BUFFER) {
            fill(length, false);
            frame.put(0, buffer, buffer.position(), length);
            buffer.position(buffer.position() + length);
        } else {
            int buffered = buffer.remaining();
            frame.put(0, buffer, buffer.position(), buffered).position(buffered);
            buffer.position(buffer.limit());
            Frames.readFully(channel, frame, false);
            frame.flip();
        }
        return RawFrame.of(frame);
    }

    /** Makes at least {@code n} bytes (at most the buffer's size) ready, reading as much as the channel has. */
    private boolean fill(int n, boolean endAllowed) throws IOException {
        if (buffer.remaining() >= n) {
            return true;
        }
        buffer.compact();
        try {
            while (buffer.position() < n) {
                if (channel.read(buffer) < 0) {
                    if (endAllowed && buffer.position() == 0) {
                        return false;
                    }
                    throw new EOFException("the connection ended inside a frame (" + buffer.position() + " of " + n
                            + " bytes)");
                }
            }
            return true;
        } finally {
            buffer.flip();
        }
    }
}
