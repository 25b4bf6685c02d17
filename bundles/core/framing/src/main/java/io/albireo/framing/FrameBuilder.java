package io.albireo.framing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds one frame: small fields are copied into growing buffers, values of {@link #GATHER} bytes or more are added
 * as views, so that a large value reaches the channel without a copy (it must not change until the frame is
 * written). A field over its bound is an {@link IllegalArgumentException} and nothing is sent.
 */
public final class FrameBuilder {
    /** Values at least this long are written from their own buffer instead of being copied into the frame. */
    public static final int GATHER = 4096;

    private final List<ByteBuffer> parts = new ArrayList<>(2);
    private ByteBuffer buffer = ByteBuffer.allocate(256);

    /** Starts a frame of {@code type} answering or asking request {@code id}. */
    public FrameBuilder(int type, long id) {
        buffer.putInt(0).put((byte) type).putLong(id);
    }

    /** @return a buffer with room for {@code n} more bytes, to put them into at once */
    public ByteBuffer room(int n) {
        if (buffer.remaining() < n) {
            parts.add(buffer.flip());
            buffer = ByteBuffer.allocate(Math.max(256, n));
        }
        return buffer;
    }

    public FrameBuilder u8(int v) {
        room(1).put((byte) v);
        return this;
    }

    public FrameBuilder u16(int v) {
        room(2).putShort((short) v);
        return this;
    }

    public FrameBuilder i32(int v) {
        room(4).putInt(v);
        return this;
    }

    public FrameBuilder i64(long v) {
        room(8).putLong(v);
        return this;
    }

    public FrameBuilder f64(double v) {
        room(8).putDouble(v);
        return this;
    }

    public FrameBuilder flag(boolean v) {
        return u8(v ? 1 : 0);
    }

    /** A u32 count, at most {@link Frames#MAX_ITEMS}. */
    public FrameBuilder count(int n) {
        if (n < 0 || n > Frames.MAX_ITEMS) {
            throw new IllegalArgumentException("a count of " + n + " is over the limit of " + Frames.MAX_ITEMS);
        }
        return i32(n);
    }

    /** Bytes as they are, with no length. */
    public FrameBuilder bytes(byte[] bytes) {
        room(bytes.length).put(bytes);
        return this;
    }

    /** A u16-length byte string of at most {@code max} bytes. */
    public FrameBuilder bytes16(byte[] bytes, int max, String what) {
        if (bytes.length > max) {
            throw new IllegalArgumentException("a " + what + " of " + bytes.length + " bytes is over the limit of "
                    + max);
        }
        room(2 + bytes.length).putShort((short) bytes.length).put(bytes);
        return this;
    }

    /** A u16-length UTF-8 string of at most {@link Frames#MAX_STRING} bytes. */
    public FrameBuilder string(String s) {
        return bytes16(s.getBytes(StandardCharsets.UTF_8), Frames.MAX_STRING, "string");
    }

    /** A u32-length value; its bytes from position to limit, which are not consumed. */
    public FrameBuilder value(ByteBuffer value) {
        i32(value.remaining());
        if (value.remaining() < GATHER) {
            room(value.remaining()).put(value.duplicate());
        } else {
            parts.add(buffer.flip());
            parts.add(value.duplicate());
            buffer = ByteBuffer.allocate(256);
        }
        return this;
    }

    /**
     * @param maxFrame the frame limit it must fit
     * @param name the frame's name, for the error
     * @return the frame's buffers, in order, with its length field set
     * @throws IllegalArgumentException if the frame is over {@code maxFrame}
     */
    public ByteBuffer[] finish(int maxFrame, String name) {
        parts.add(buffer.flip());
        ByteBuffer[] frame = parts.toArray(ByteBuffer[]::new);
        long length = Frames.remaining(frame) - 4;
        if (length > maxFrame) {
            throw new IllegalArgumentException("a " + name + " frame of " + length + " bytes is over the limit of "
                    + maxFrame);
        }
        frame[0].putInt(0, (int) length);
        return frame;
    }
}
