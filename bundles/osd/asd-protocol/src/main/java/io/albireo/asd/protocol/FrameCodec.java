package io.albireo.asd.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

import io.albireo.api.Assert;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdProtocolException;
import io.albireo.api.osd.OsdStatistics;
import io.albireo.framing.FrameBody;
import io.albireo.framing.FrameBuilder;
import io.albireo.framing.FrameReader;
import io.albireo.framing.Frames;
import io.albireo.framing.RawFrame;

/**
 * Frames of the ASD protocol, versions 1 and 2 (docs/ASD-PROTOCOL.md):
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
    /** The newest protocol version this codec speaks; version 2 added GET_ONCE. */
    public static final int VERSION = 2;
    /** The oldest protocol version this codec still speaks. */
    public static final int MIN_VERSION = 1;

    /** @return whether this codec speaks {@code version} */
    public static boolean speaks(int version) {
        return version >= MIN_VERSION && version <= VERSION;
    }
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
    static final int GET_ONCE = 0x16;
    static final int VALUES = 0x80;
    static final int ENTRIES = 0x81;
    static final int APPLIED = 0x82;
    static final int ASSERT_FAILED = 0x83;
    static final int USAGE = 0x84;
    static final int STATS = 0x85;
    static final int FAILURE = 0x8f;

    /** The length field, the type and the id. */
    static final int HEAD = Frames.HEAD;
    /** Makes the protocol's error for a malformed frame. */
    private static final Function<String, OsdProtocolException> MALFORMED = OsdProtocolException::new;

    private final Limits limits;

    /** @param limits the bounds frames are checked against */
    public FrameCodec(Limits limits) {
        this.limits = limits;
    }

    /** @return the bounds */
    public Limits limits() {
        return limits;
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
     * Reads one frame, without reading ahead.
     *
     * @return the frame, or {@code null} if the channel ended cleanly before its first byte
     * @throws OsdProtocolException if the frame is malformed or over the limits
     * @throws EOFException if the channel ends inside a frame
     * @throws IOException if reading fails
     */
    public Frame read(ReadableByteChannel channel) throws IOException {
        RawFrame raw = FrameReader.readOne(channel, limits.maxFrame(), MALFORMED);
        return raw == null ? null : decode(raw);
    }

    /**
     * Decodes a frame read whole.
     *
     * @throws OsdProtocolException if it is malformed
     */
    public Frame decode(RawFrame raw) {
        return new Frame(raw.id(), decode(raw.type(), raw.body()), raw.size());
    }

    /**
     * @return a reader of frames from {@code channel} through a buffer of its own, so that a small frame, or several
     *         pipelined ones, take one read call instead of two each; use one reader per channel, from one thread
     */
    public Reader reader(ReadableByteChannel channel) {
        return new Reader(new FrameReader(channel, limits.maxFrame(), MALFORMED));
    }

    /** Reads and decodes frames from one channel (see {@link FrameReader}). */
    public final class Reader {
        private final FrameReader frames;

        private Reader(FrameReader frames) {
            this.frames = frames;
        }

        /**
         * Reads one frame; the same checks and outcomes as {@link FrameCodec#read}.
         *
         * @return the frame, or {@code null} if the channel ended cleanly before its first byte
         */
        public Frame read() throws IOException {
            RawFrame raw = frames.read();
            return raw == null ? null : decode(raw);
        }
    }

    /** @return the frame that refuses a client, with the reason, before its connection is closed */
    public ByteBuffer[] refusal(String reason) {
        return encode(0, new Message.Refused(reason.length() > 1000 ? reason.substring(0, 1000) : reason));
    }

    /** Decodes a frame's body, which must be consumed exactly. */
    Message decode(int type, ByteBuffer buffer) {
        FrameBody body = new FrameBody(buffer, MALFORMED);
        try {
            Message m = switch (type) {
                case HELLO -> hello(body);
                case WELCOME -> new Message.Welcome(body.u16(), body.string(), body.string(), body.i32());
                case REFUSED -> new Message.Refused(body.string());
                case GET -> new Message.Get(keys(body), false);
                case GET_ONCE -> new Message.Get(keys(body), true);
                case GET_SLICES -> new Message.GetSlices(slices(body));
                case RANGE -> range(body);
                case APPLY -> apply(body);
                case DISK_USAGE -> new Message.GetDiskUsage();
                case STATISTICS -> new Message.GetStatistics();
                case VALUES -> values(body);
                case ENTRIES -> entries(body);
                case APPLIED -> new Message.Applied();
                case ASSERT_FAILED -> new Message.AssertFailed(body.i32(), key(body));
                case USAGE -> new Message.Usage(new DiskUsage(body.i64(), body.i64()));
                case STATS -> statistics(body);
                case FAILURE -> failure(body);
                default -> throw new OsdProtocolException("unknown frame type 0x" + Integer.toHexString(type));
            };
            body.end(name(type));
            return m;
        } catch (BufferUnderflowException e) {
            throw new OsdProtocolException("a " + name(type) + " frame ends before its fields do");
        } catch (IllegalArgumentException e) {
            throw new OsdProtocolException("a " + name(type) + " frame is invalid: " + e.getMessage());
        }
    }

    private static Message.Hello hello(FrameBody body) {
        if (!Arrays.equals(body.bytes(Math.min(MAGIC.length, body.remaining())), MAGIC)) {
            throw new OsdProtocolException("not an ASD client: the hello does not start with ALBIREO-ASD");
        }
        return new Message.Hello(body.u16(), body.string());
    }

    private static Message.Range range(FrameBody body) {
        Bytes first = key(body);
        Bytes end = body.flag() ? key(body) : null;
        int limit = body.count();
        return new Message.Range(new KeyRange(first, end), limit, body.flag());
    }

    private static Message.Apply apply(FrameBody body) {
        int n = body.count();
        List<Assert> asserts = body.list(n, 3);
        for (int i = 0; i < n; i++) {
            Bytes key = key(body);
            asserts.add(body.flag() ? Assert.value(key, body.value()) : Assert.absent(key));
        }
        n = body.count();
        List<Update> updates = body.list(n, 3);
        for (int i = 0; i < n; i++) {
            Bytes key = key(body);
            updates.add(body.flag() ? Update.set(key, body.value()) : Update.delete(key));
        }
        return new Message.Apply(asserts, updates);
    }

    private static List<Bytes> keys(FrameBody body) {
        int n = body.count();
        List<Bytes> keys = body.list(n, 2);
        for (int i = 0; i < n; i++) {
            keys.add(key(body));
        }
        return keys;
    }

    private static List<Osd.Slice> slices(FrameBody body) {
        int n = body.count();
        List<Osd.Slice> slices = body.list(n, 2 + 8 + 4);
        for (int i = 0; i < n; i++) {
            slices.add(new Osd.Slice(key(body), body.i64(), body.i32()));
        }
        return slices;
    }

    private static Message.Values values(FrameBody body) {
        int n = body.count();
        List<Optional<ByteBuffer>> values = body.list(n, 1);
        for (int i = 0; i < n; i++) {
            values.add(body.flag() ? Optional.of(body.value()) : Optional.empty());
        }
        return new Message.Values(values);
    }

    private static Message.Entries entries(FrameBody body) {
        boolean more = body.flag();
        int n = body.count();
        List<Entry> entries = body.list(n, 3);
        for (int i = 0; i < n; i++) {
            Bytes key = key(body);
            entries.add(new Entry(key, body.flag() ? Bytes.copyOf(body.value()) : null));
        }
        return new Message.Entries(entries, more);
    }

    private static Message.Statistics statistics(FrameBody body) {
        int n = body.count();
        Map<String, OsdStatistics.Operation> operations = new HashMap<>(Math.min(n, body.remaining() / 34) * 2);
        for (int i = 0; i < n; i++) {
            operations.put(body.string(), new OsdStatistics.Operation(body.i64(), body.i64(), body.f64(),
                    body.f64()));
        }
        return new Message.Statistics(new OsdStatistics(operations));
    }

    private static Message.Failure failure(FrameBody body) {
        int code = body.u8();
        Message.Failure.Kind kind = Message.Failure.Kind.of(code);
        if (kind == null) {
            throw new OsdProtocolException("unknown failure code " + code);
        }
        return new Message.Failure(kind, body.string());
    }

    private static Bytes key(FrameBody body) {
        return Bytes.adopt(body.bytes16(Limits.MAX_KEY, "key"));
    }

    // ---- writing -----------------------------------------------------------------------------------------------------

    /**
     * Encodes a message as one frame: the buffers to write, in order. Large values are the caller's own buffers
     * (views), so they must not change until the frame is written.
     *
     * @throws IllegalArgumentException if the message is over the limits
     */
    public ByteBuffer[] encode(long id, Message message) {
        FrameBuilder out = new FrameBuilder(message.type(), id);
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
            g.keys().forEach(k -> key(out, k));
        } else if (message instanceof Message.GetSlices g) {
            out.count(g.slices().size());
            for (Osd.Slice s : g.slices()) {
                key(out, s.key());
                out.i64(s.offset());
                out.i32(s.length());
            }
        } else if (message instanceof Message.Range r) {
            key(out, r.range().first());
            out.flag(r.range().end() != null);
            if (r.range().end() != null) {
                key(out, r.range().end());
            }
            out.count(r.limit());
            out.flag(r.withValues());
        } else if (message instanceof Message.Apply a) {
            out.count(a.asserts().size());
            for (Assert as : a.asserts()) {
                key(out, as.key());
                out.flag(!as.requiresAbsent());
                if (!as.requiresAbsent()) {
                    out.value(as.expected());
                }
            }
            out.count(a.updates().size());
            for (Update u : a.updates()) {
                key(out, u.key());
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
                key(out, entry.key());
                out.flag(entry.value() != null);
                if (entry.value() != null) {
                    out.value(entry.value().asReadOnlyBuffer());
                }
            }
        } else if (message instanceof Message.AssertFailed a) {
            out.i32(a.index());
            key(out, a.key());
        } else if (message instanceof Message.Usage u) {
            out.i64(u.usage().used());
            out.i64(u.usage().capacity());
        } else if (message instanceof Message.Statistics s) {
            out.count(s.statistics().operations().size());
            // In name order: the map's own order changes from one JVM to the next (Map.copyOf), and the same
            // message should make the same bytes (golden file asd-protocol-v1-stats).
            for (Map.Entry<String, OsdStatistics.Operation> e : new TreeMap<>(s.statistics().operations())
                    .entrySet()) {
                out.string(e.getKey());
                out.i64(e.getValue().count());
                out.i64(e.getValue().bytes());
                out.f64(e.getValue().meanMicros());
                out.f64(e.getValue().maxMicros());
            }
        } else if (message instanceof Message.Failure f) {
            out.u8(f.kind().code);
            out.string(f.message());
        }
        // GetDiskUsage, GetStatistics and Applied have no body.
        return out.finish(limits.maxFrame(), name(message.type()));
    }

    private static void key(FrameBuilder out, Bytes key) {
        if (key.length() > Limits.MAX_KEY) {
            throw new IllegalArgumentException("a key of " + key.length() + " bytes is over the limit of "
                    + Limits.MAX_KEY);
        }
        key.copyTo(out.room(2 + key.length()).putShort((short) key.length()));
    }

    /** Writes the buffers of a frame fully. */
    public static void write(GatheringByteChannel channel, ByteBuffer[] frame) throws IOException {
        Frames.write(channel, frame);
    }

    private static String name(int type) {
        return switch (type) {
            case HELLO -> "hello";
            case WELCOME -> "welcome";
            case REFUSED -> "refused";
            case GET -> "get";
            case GET_ONCE -> "get-once";
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
