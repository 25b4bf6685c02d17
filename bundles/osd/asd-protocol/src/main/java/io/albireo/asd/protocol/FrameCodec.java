package io.albireo.asd.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.albireo.api.Assert;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdProtocolException;
import io.albireo.api.osd.OsdStatistics;

/**
 * Frames of the ASD protocol, version 1 (docs/ASD-PROTOCOL.md):
 *
 * <pre>
 *   u32 length   the bytes that follow this field: at least 9, at most the frame limit
 *   u8  type     the message type
 *   u64 id       the request id: chosen by the client, echoed by the response; 0 in the handshake
 *   ...          the body, as the type says
 * </pre>
 *
 * Integers are big-endian. Keys and strings are a u16 length then the bytes (strings in UTF-8); values are a u32 length
 * then the bytes. Decoding checks every length against the frame and the {@link Limits} before it allocates, and a
 * frame must be consumed exactly: anything else is an {@link OsdProtocolException}, after which the connection is
 * closed. Values in decoded messages are views of the frame's array, not copies; large values being encoded are
 * handed to the channel as they are, not copied either.
 */
public final class FrameCodec {
    /** The protocol version this codec speaks. */
    public static final int VERSION = 1;
    /** The bytes a {@link Message.Hello} starts its body with. */
    public static final byte[] MAGIC = "ALBIREO-ASD".getBytes(StandardCharsets.US_ASCII);

    static final int HELLO = 0x01;
    static final int WELCOME = 0x02;
    static final int REFUSED = 0x03;
    static final int GET = 0x10;
    static final int GET_SLICES = 0x11;
    static final int RANGE = 0x12;
    static final int APPLY = 0x13;
    static final int DISK_USAGE = 0x14;
    static final int STATISTICS = 0x15;
    static final int VALUES = 0x80;
    static final int ENTRIES = 0x81;
    static final int APPLIED = 0x82;
    static final int ASSERT_FAILED = 0x83;
    static final int USAGE = 0x84;
    static final int STATS = 0x85;
    static final int FAILURE = 0x8f;

    /** The length field, the type and the id. */
    static final int HEAD = 4 + 1 + 8;
    /** Values at least this long are written from their own buffer instead of being copied into the frame. */
    private static final int GATHER = 4096;

    private final Limits limits;

    /** @param limits the bounds frames are checked against */
    public FrameCodec(Limits limits) {
        this.limits = limits;
    }

    /**
     * One decoded frame.
     *
     * @param id the request id
     * @param message the message
     * @param size the frame's size on the wire, in bytes
     */
    public record Frame(long id, Message message, int size) {
    }

    // ---- reading -----------------------------------------------------------------------------------------------------

    /**
     * Reads one frame.
     *
     * @return the frame, or {@code null} if the channel ended cleanly before its first byte
     * @throws OsdProtocolException if the frame is malformed or over the limits
     * @throws EOFException if the channel ends inside a frame
     * @throws IOException if reading fails
     */
    public Frame read(ReadableByteChannel channel) throws IOException {
        ByteBuffer lengthField = ByteBuffer.allocate(4);
        if (!readFully(channel, lengthField, true)) {
            return null;
        }
        int length = checkLength(lengthField.getInt(0));
        ByteBuffer frame = ByteBuffer.allocate(length);
        readFully(channel, frame, false);
        return frame(frame.flip());
    }

    /** @return the length field's value, checked against the limits before anything is allocated for it */
    private int checkLength(int length) {
        if (length < HEAD - 4 || length > limits.maxFrame()) {
            throw new OsdProtocolException("frame of " + Integer.toUnsignedString(length) + " bytes: frames are "
                    + (HEAD - 4) + " to " + limits.maxFrame() + " bytes");
        }
        return length;
    }

    /** Decodes a frame read whole (after its length field), its own buffer: decoded values are views of it. */
    private Frame frame(ByteBuffer frame) {
        int type = frame.get() & 0xff;
        long id = frame.getLong();
        return new Frame(id, decode(type, frame), frame.limit() + 4);
    }

    /**
     * @return a reader of frames from {@code channel} through a buffer of its own, so that a small frame, or several
     *         pipelined ones, take one read call instead of two each; use one reader per channel, from one thread
     */
    public Reader reader(ReadableByteChannel channel) {
        return new Reader(channel);
    }

    /** Reads frames from one channel through a direct buffer; frames larger than the buffer are read into their own. */
    public final class Reader {
        /** Room for a 4 KiB read's answer and its neighbours; larger frames bypass the buffer. */
        static final int BUFFER = 64 * 1024;

        private final ReadableByteChannel channel;
        /** Bytes read and not yet taken, between position and limit. */
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER).limit(0);

        private Reader(ReadableByteChannel channel) {
            this.channel = channel;
        }

        /**
         * Reads one frame; the same checks and outcomes as {@link FrameCodec#read}.
         *
         * @return the frame, or {@code null} if the channel ended cleanly before its first byte
         */
        public Frame read() throws IOException {
            if (!fill(4, true)) {
                return null;
            }
            int length = checkLength(buffer.getInt());
            // The frame gets a buffer of its own: decoded values are views of it and outlive the next read.
            ByteBuffer frame = ByteBuffer.allocate(length);
            if (length <= BUFFER) {
                fill(length, false);
                frame.put(0, buffer, buffer.position(), length);
                buffer.position(buffer.position() + length);
            } else {
                int buffered = buffer.remaining();
                frame.put(0, buffer, buffer.position(), buffered).position(buffered);
                buffer.position(buffer.limit());
                readFully(channel, frame, false);
                frame.flip();
            }
            return frame(frame);
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
                        throw new EOFException("the connection ended inside a frame (" + buffer.position() + " of "
                                + n + " bytes)");
                    }
                }
                return true;
            } finally {
                buffer.flip();
            }
        }
    }

    /** Decodes a frame's body, which must be consumed exactly. */
    Message decode(int type, ByteBuffer body) {
        try {
            Message m = switch (type) {
                case HELLO -> hello(body);
                case WELCOME -> new Message.Welcome(body.getShort() & 0xffff, string(body), string(body), body.getInt());
                case REFUSED -> new Message.Refused(string(body));
                case GET -> new Message.Get(keys(body));
                case GET_SLICES -> new Message.GetSlices(slices(body));
                case RANGE -> range(body);
                case APPLY -> apply(body);
                case DISK_USAGE -> new Message.GetDiskUsage();
                case STATISTICS -> new Message.GetStatistics();
                case VALUES -> values(body);
                case ENTRIES -> entries(body);
                case APPLIED -> new Message.Applied();
                case ASSERT_FAILED -> new Message.AssertFailed(body.getInt(), key(body));
                case USAGE -> new Message.Usage(new DiskUsage(body.getLong(), body.getLong()));
                case STATS -> statistics(body);
                case FAILURE -> failure(body);
                default -> throw new OsdProtocolException("unknown frame type 0x" + Integer.toHexString(type));
            };
            if (body.hasRemaining()) {
                throw new OsdProtocolException(body.remaining() + " bytes left over after a " + name(type)
                        + " frame");
            }
            return m;
        } catch (BufferUnderflowException e) {
            throw new OsdProtocolException("a " + name(type) + " frame ends before its fields do");
        } catch (IllegalArgumentException e) {
            throw new OsdProtocolException("a " + name(type) + " frame is invalid: " + e.getMessage());
        }
    }

    private static Message.Hello hello(ByteBuffer body) {
        byte[] magic = new byte[MAGIC.length];
        body.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new OsdProtocolException("not an ASD client: the hello does not start with ALBIREO-ASD");
        }
        return new Message.Hello(body.getShort() & 0xffff, string(body));
    }

    private static Message.Range range(ByteBuffer body) {
        Bytes first = key(body);
        Bytes end = flag(body) ? key(body) : null;
        int limit = count(body);
        return new Message.Range(new KeyRange(first, end), limit, flag(body));
    }

    private static Message.Apply apply(ByteBuffer body) {
        int n = count(body);
        List<Assert> asserts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Bytes key = key(body);
            asserts.add(flag(body) ? Assert.value(key, value(body)) : Assert.absent(key));
        }
        n = count(body);
        List<Update> updates = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Bytes key = key(body);
            updates.add(flag(body) ? Update.set(key, value(body)) : Update.delete(key));
        }
        return new Message.Apply(asserts, updates);
    }

    private static List<Bytes> keys(ByteBuffer body) {
        int n = count(body);
        List<Bytes> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(key(body));
        }
        return keys;
    }

    private static List<Osd.Slice> slices(ByteBuffer body) {
        int n = count(body);
        List<Osd.Slice> slices = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            slices.add(new Osd.Slice(key(body), body.getLong(), body.getInt()));
        }
        return slices;
    }

    private static Message.Values values(ByteBuffer body) {
        int n = count(body);
        List<Optional<ByteBuffer>> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(flag(body) ? Optional.of(value(body)) : Optional.empty());
        }
        return new Message.Values(values);
    }

    private static Message.Entries entries(ByteBuffer body) {
        boolean more = flag(body);
        int n = count(body);
        List<Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Bytes key = key(body);
            entries.add(new Entry(key, flag(body) ? Bytes.copyOf(value(body)) : null));
        }
        return new Message.Entries(entries, more);
    }

    private static Message.Statistics statistics(ByteBuffer body) {
        int n = count(body);
        Map<String, OsdStatistics.Operation> operations = new HashMap<>();
        for (int i = 0; i < n; i++) {
            operations.put(string(body), new OsdStatistics.Operation(body.getLong(), body.getLong(),
                    body.getDouble(), body.getDouble()));
        }
        return new Message.Statistics(new OsdStatistics(operations));
    }

    private static Message.Failure failure(ByteBuffer body) {
        int code = body.get() & 0xff;
        Message.Failure.Kind kind = Message.Failure.Kind.of(code);
        if (kind == null) {
            throw new OsdProtocolException("unknown failure code " + code);
        }
        return new Message.Failure(kind, string(body));
    }

    private static int count(ByteBuffer body) {
        int n = body.getInt();
        if (n < 0 || n > Limits.MAX_ITEMS) {
            throw new OsdProtocolException("a count of " + Integer.toUnsignedString(n) + " is over the limit of "
                    + Limits.MAX_ITEMS);
        }
        return n;
    }

    private static boolean flag(ByteBuffer body) {
        int b = body.get();
        if (b != 0 && b != 1) {
            throw new OsdProtocolException("a flag byte holds " + b + ", not 0 or 1");
        }
        return b == 1;
    }

    private static Bytes key(ByteBuffer body) {
        int n = body.getShort() & 0xffff;
        if (n > Limits.MAX_KEY) {
            throw new OsdProtocolException("a key of " + n + " bytes is over the limit of " + Limits.MAX_KEY);
        }
        byte[] key = new byte[n];
        body.get(key);
        return Bytes.adopt(key);
    }

    /** @return a view of the next value in the frame's array; the frame bounds it */
    private static ByteBuffer value(ByteBuffer body) {
        int n = body.getInt();
        if (n < 0 || n > body.remaining()) {
            throw new OsdProtocolException("a value of " + Integer.toUnsignedString(n) + " bytes, with "
                    + body.remaining() + " left in the frame");
        }
        ByteBuffer value = body.slice(body.position(), n);
        body.position(body.position() + n);
        return value;
    }

    private static String string(ByteBuffer body) {
        int n = body.getShort() & 0xffff;
        if (n > Limits.MAX_STRING) {
            throw new OsdProtocolException("a string of " + n + " bytes is over the limit of " + Limits.MAX_STRING);
        }
        ByteBuffer bytes = body.slice(body.position(), n);
        body.position(body.position() + n);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new OsdProtocolException("a string is not valid UTF-8");
        }
    }

    private static boolean readFully(ReadableByteChannel channel, ByteBuffer buffer, boolean endAllowed)
            throws IOException {
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

    // ---- writing -----------------------------------------------------------------------------------------------------

    /**
     * Encodes a message as one frame: the buffers to write, in order. Large values are the caller's own buffers
     * (views), so they must not change until the frame is written.
     *
     * @throws IllegalArgumentException if the message is over the limits
     */
    public ByteBuffer[] encode(long id, Message message) {
        Out out = new Out();
        out.buffer.putInt(0).put((byte) message.type()).putLong(id);
        if (message instanceof Message.Hello h) {
            out.bytes(MAGIC);
            out.u16(h.version());
            out.string(h.expectedLongId());
        } else if (message instanceof Message.Welcome w) {
            out.u16(w.version());
            out.string(w.longId());
            out.string(w.nodeId());
            out.i32(w.maxFrame());
        } else if (message instanceof Message.Refused r) {
            out.string(r.reason());
        } else if (message instanceof Message.Get g) {
            out.count(g.keys().size());
            g.keys().forEach(out::key);
        } else if (message instanceof Message.GetSlices g) {
            out.count(g.slices().size());
            for (Osd.Slice s : g.slices()) {
                out.key(s.key());
                out.i64(s.offset());
                out.i32(s.length());
            }
        } else if (message instanceof Message.Range r) {
            out.key(r.range().first());
            out.flag(r.range().end() != null);
            if (r.range().end() != null) {
                out.key(r.range().end());
            }
            out.count(r.limit());
            out.flag(r.withValues());
        } else if (message instanceof Message.Apply a) {
            out.count(a.asserts().size());
            for (Assert as : a.asserts()) {
                out.key(as.key());
                out.flag(!as.requiresAbsent());
                if (!as.requiresAbsent()) {
                    out.value(as.expected());
                }
            }
            out.count(a.updates().size());
            for (Update u : a.updates()) {
                out.key(u.key());
                out.flag(!u.isDelete());
                if (!u.isDelete()) {
                    out.value(u.value());
                }
            }
        } else if (message instanceof Message.Values v) {
            out.count(v.values().size());
            for (Optional<ByteBuffer> value : v.values()) {
                out.flag(value.isPresent());
                value.ifPresent(out::value);
            }
        } else if (message instanceof Message.Entries e) {
            out.flag(e.more());
            out.count(e.entries().size());
            for (Entry entry : e.entries()) {
                out.key(entry.key());
                out.flag(entry.value() != null);
                if (entry.value() != null) {
                    out.value(entry.value().asReadOnlyBuffer());
                }
            }
        } else if (message instanceof Message.AssertFailed a) {
            out.i32(a.index());
            out.key(a.key());
        } else if (message instanceof Message.Usage u) {
            out.i64(u.usage().used());
            out.i64(u.usage().capacity());
        } else if (message instanceof Message.Statistics s) {
            out.count(s.statistics().operations().size());
            for (Map.Entry<String, OsdStatistics.Operation> e : s.statistics().operations().entrySet()) {
                out.string(e.getKey());
                out.i64(e.getValue().count());
                out.i64(e.getValue().bytes());
                out.f64(e.getValue().meanMicros());
                out.f64(e.getValue().maxMicros());
            }
        } else if (message instanceof Message.Failure f) {
            out.buffer(1).put((byte) f.kind().code);
            out.string(f.message());
        }
        // GetDiskUsage, GetStatistics and Applied have no body.
        ByteBuffer[] frame = out.finish();
        long length = 0;
        for (ByteBuffer b : frame) {
            length += b.remaining();
        }
        if (length - 4 > limits.maxFrame()) {
            throw new IllegalArgumentException("a " + name(message.type()) + " frame of " + (length - 4)
                    + " bytes is over the limit of " + limits.maxFrame());
        }
        frame[0].putInt(0, (int) (length - 4));
        return frame;
    }

    /** Writes the buffers of a frame fully. */
    public static void write(GatheringByteChannel channel, ByteBuffer[] frame) throws IOException {
        long left = 0;
        for (ByteBuffer b : frame) {
            left += b.remaining();
        }
        while (left > 0) {
            left -= channel.write(frame);
        }
    }

    /** Builds a frame: small fields copied into growing buffers, large values added as views. */
    private static final class Out {
        private final List<ByteBuffer> parts = new ArrayList<>();
        private ByteBuffer buffer = ByteBuffer.allocate(256);

        ByteBuffer buffer(int room) {
            if (buffer.remaining() < room) {
                parts.add(buffer.flip());
                buffer = ByteBuffer.allocate(Math.max(256, room));
            }
            return buffer;
        }

        void bytes(byte[] bytes) {
            buffer(bytes.length).put(bytes);
        }

        void u16(int v) {
            buffer(2).putShort((short) v);
        }

        void i32(int v) {
            buffer(4).putInt(v);
        }

        void i64(long v) {
            buffer(8).putLong(v);
        }

        void f64(double v) {
            buffer(8).putDouble(v);
        }

        void flag(boolean v) {
            buffer(1).put((byte) (v ? 1 : 0));
        }

        void count(int n) {
            if (n < 0 || n > Limits.MAX_ITEMS) {
                throw new IllegalArgumentException("a count of " + n + " is over the limit of " + Limits.MAX_ITEMS);
            }
            i32(n);
        }

        void key(Bytes key) {
            if (key.length() > Limits.MAX_KEY) {
                throw new IllegalArgumentException("a key of " + key.length() + " bytes is over the limit of "
                        + Limits.MAX_KEY);
            }
            key.copyTo(buffer(2 + key.length()).putShort((short) key.length()));
        }

        void string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > Limits.MAX_STRING) {
                throw new IllegalArgumentException("a string of " + bytes.length + " bytes is over the limit of "
                        + Limits.MAX_STRING);
            }
            buffer(2 + bytes.length).putShort((short) bytes.length).put(bytes);
        }

        void value(ByteBuffer value) {
            i32(value.remaining());
            if (value.remaining() < GATHER) {
                buffer(value.remaining()).put(value.duplicate());
            } else {
                parts.add(buffer.flip());
                parts.add(value.duplicate());
                buffer = ByteBuffer.allocate(256);
            }
        }

        ByteBuffer[] finish() {
            parts.add(buffer.flip());
            return parts.toArray(ByteBuffer[]::new);
        }
    }

    private static String name(int type) {
        return switch (type) {
            case HELLO -> "hello";
            case WELCOME -> "welcome";
            case REFUSED -> "refused";
            case GET -> "get";
            case GET_SLICES -> "get-slices";
            case RANGE -> "range";
            case APPLY -> "apply";
            case DISK_USAGE -> "disk-usage";
            case STATISTICS -> "statistics";
            case VALUES -> "values";
            case ENTRIES -> "entries";
            case APPLIED -> "applied";
            case ASSERT_FAILED -> "assert-failed";
            case USAGE -> "usage";
            case STATS -> "stats";
            case FAILURE -> "failure";
            default -> "0x" + Integer.toHexString(type);
        };
    }
}
