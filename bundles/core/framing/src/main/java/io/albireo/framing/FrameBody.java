package io.albireo.framing;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads the fields of one frame's body. Every length and count is checked against the bytes that remain and the
 * bounds of {@link Frames} before anything is allocated for it, so a lying peer costs at most the frame it sent.
 * Reading past the end throws {@link java.nio.BufferUnderflowException}, which a protocol's decoder turns into its
 * own error with the frame's name; every other violation is the protocol's error at once, made by {@code malformed}.
 */
public final class FrameBody {
    private final ByteBuffer body;
    private final Function<String, ? extends RuntimeException> malformed;

    /**
     * @param body the body, from its first field to its end
     * @param malformed makes the protocol's error for a violation
     */
    public FrameBody(ByteBuffer body, Function<String, ? extends RuntimeException> malformed) {
        this.body = body;
        this.malformed = malformed;
    }

    /** @return the protocol's error for {@code message} */
    public RuntimeException malformed(String message) {
        return malformed.apply(message);
    }

    /** @return the bytes not read yet */
    public int remaining() {
        return body.remaining();
    }

    public int u8() {
        return body.get() & 0xff;
    }

    public int u16() {
        return body.getShort() & 0xffff;
    }

    public int i32() {
        return body.getInt();
    }

    public long i64() {
        return body.getLong();
    }

    public double f64() {
        return body.getDouble();
    }

    /** @return a flag byte, which must be 0 or 1 */
    public boolean flag() {
        int b = body.get();
        if (b != 0 && b != 1) {
            throw malformed("a flag byte holds " + b + ", not 0 or 1");
        }
        return b == 1;
    }

    /** @return a u32 count of items, at most {@link Frames#MAX_ITEMS} */
    public int count() {
        int n = body.getInt();
        if (n < 0 || n > Frames.MAX_ITEMS) {
            throw malformed("a count of " + Integer.toUnsignedString(n) + " is over the limit of " + Frames.MAX_ITEMS);
        }
        return n;
    }

    /**
     * @return a list with room for {@code count} items, each at least {@code minItemBytes} long on the wire: no more
     *         room than the bytes left could fill, so a count that lies costs nothing
     */
    public <T> List<T> list(int count, int minItemBytes) {
        return new ArrayList<>(Math.min(count, body.remaining() / Math.max(1, minItemBytes)));
    }

    /** @return {@code n} bytes, copied, once the frame is known to hold them */
    public byte[] bytes(int n) {
        if (n < 0 || n > body.remaining()) {
            throw malformed("a field of " + Integer.toUnsignedString(n) + " bytes, with " + body.remaining()
                    + " left in the frame");
        }
        byte[] b = new byte[n];
        body.get(b);
        return b;
    }

    /** @return a u16-length byte string of at most {@code max} bytes, copied */
    public byte[] bytes16(int max, String what) {
        int n = u16();
        if (n > max) {
            throw malformed("a " + what + " of " + n + " bytes is over the limit of " + max);
        }
        return bytes(n);
    }

    /** @return a u16-length string, at most {@link Frames#MAX_STRING} bytes of strict UTF-8 */
    public String string() {
        int n = u16();
        if (n > Frames.MAX_STRING) {
            throw malformed("a string of " + n + " bytes is over the limit of " + Frames.MAX_STRING);
        }
        ByteBuffer bytes = view(n);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw malformed("a string is not valid UTF-8");
        }
    }

    /** @return a u32-length value as a view of the frame's array, not a copy; the frame bounds it */
    public ByteBuffer value() {
        return view(body.getInt());
    }

    private ByteBuffer view(int n) {
        if (n < 0 || n > body.remaining()) {
            throw malformed("a value of " + Integer.toUnsignedString(n) + " bytes, with " + body.remaining()
                    + " left in the frame");
        }
        ByteBuffer v = body.slice(body.position(), n);
        body.position(body.position() + n);
        return v;
    }

    /** Checks the body was read exactly: a frame with bytes left over is malformed. */
    public void end(String frameName) {
        if (body.hasRemaining()) {
            throw malformed(body.remaining() + " bytes left over after a " + frameName + " frame");
        }
    }
}
