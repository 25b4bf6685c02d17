package io.albireo.proxy.protocol;

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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import io.albireo.api.Bytes;
import io.albireo.api.codec.Digest;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectStore.ObjectAssert;
import io.albireo.api.object.ObjectStore.ObjectChange;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;

/**
 * Frames of the proxy protocol, version 1 (docs/PROXY-PROTOCOL.md):
 *
 * <pre>
 *   u32 length   the bytes that follow this field: at least 9, at most the frame limit
 *   u8  type     the message type
 *   u64 id       the request id: chosen by the client, echoed by the server; 0 in the handshake
 *   ...          the body, as the type says
 * </pre>
 *
 * Integers are big-endian; strings are a u16 length and UTF-8; values a u32 length and the bytes. Decoding checks every
 * length against the frame and the {@link Limits} before it allocates, and a frame must be consumed exactly: anything
 * else is a {@link ProxyProtocolException}, after which the connection is closed. Values in decoded messages are views
 * of the frame's array; large values being encoded are handed to the channel as they are, not copied.
 */
public final class FrameCodec {
    /** The protocol version this codec speaks. */
    public static final int VERSION = 1;
    /** The bytes a {@link Message.Hello} starts its body with. */
    public static final byte[] MAGIC = "ALBIREO-PROXY".getBytes(StandardCharsets.US_ASCII);

    static final int HELLO = 0x01;
    static final int WELCOME = 0x02;
    static final int REFUSED = 0x03;
    static final int CREATE_NAMESPACE = 0x10;
    static final int DELETE_NAMESPACE = 0x11;
    static final int LIST_NAMESPACES = 0x12;
    static final int PUT_BEGIN = 0x13;
    static final int PUT_END = 0x14;
    static final int GET = 0x15;
    static final int READ = 0x16;
    static final int DELETE = 0x17;
    static final int STAT = 0x18;
    static final int LIST_OBJECTS = 0x19;
    static final int MANIFEST = 0x1a;
    static final int APPLY = 0x1b;
    static final int DATA = 0x20;
    static final int DONE = 0x80;
    static final int NAMES = 0x81;
    static final int INFO = 0x82;
    static final int INFOS = 0x83;
    static final int FLAG = 0x84;
    static final int MANIFEST_BYTES = 0x85;
    static final int BLOBS = 0x86;
    static final int FAILURE = 0x8f;

    /** The length field, the type and the id. */
    public static final int HEAD = 4 + 1 + 8;
    /** Values at least this long are written from their own buffer instead of being copied into the frame. */
    private static final int GATHER = 4096;

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
     * @param size the frame's size on the wire
     */
    public record Frame(long id, Message message, int size) {
    }

    // ---- reading ---------------------------------------------------------------------------------------------------

    /**
     * Reads one frame.
     *
     * @return the frame, or null if the channel ended cleanly before its first byte
     * @throws ProxyProtocolException if the frame is malformed or over the limits
     * @throws EOFException if the channel ends inside a frame
     */
    public Frame read(ReadableByteChannel channel) throws IOException {
        ByteBuffer lengthField = ByteBuffer.allocate(4);
        if (!readFully(channel, lengthField, true)) {
            return null;
        }
        int length = lengthField.getInt(0);
        if (length < HEAD - 4 || length > limits.maxFrame()) {
            throw new ProxyProtocolException("frame of " + Integer.toUnsignedString(length) + " bytes: frames are "
                    + (HEAD - 4) + " to " + limits.maxFrame() + " bytes");
        }
        ByteBuffer frame = ByteBuffer.allocate(length);
        readFully(channel, frame, false);
        frame.flip();
        int type = frame.get() & 0xff;
        long id = frame.getLong();
        return new Frame(id, decode(type, frame), length + 4);
    }

    /** Decodes a frame's body, which must be consumed exactly. */
    Message decode(int type, ByteBuffer body) {
        try {
            Message m = switch (type) {
                case HELLO -> hello(body);
                case WELCOME -> new Message.Welcome(body.getShort() & 0xffff, body.getInt());
                case REFUSED -> new Message.Refused(string(body));
                case CREATE_NAMESPACE -> new Message.CreateNamespace(string(body), flag(body) ? string(body) : null);
                case DELETE_NAMESPACE -> new Message.DeleteNamespace(string(body));
                case LIST_NAMESPACES -> new Message.ListNamespaces();
                case PUT_BEGIN -> new Message.PutBegin(string(body), string(body), overwrite(body));
                case PUT_END -> new Message.PutEnd(flag(body));
                case GET -> new Message.Get(string(body), string(body));
                case READ -> read(body);
                case DELETE -> new Message.Delete(string(body), string(body));
                case STAT -> new Message.Stat(string(body), string(body));
                case LIST_OBJECTS -> new Message.ListObjects(string(body), string(body),
                        flag(body) ? string(body) : null, count(body));
                case MANIFEST -> new Message.GetManifest(string(body), string(body));
                case APPLY -> apply(body);
                case DATA -> new Message.Data(value(body));
                case DONE -> new Message.Done();
                case NAMES -> names(body);
                case INFO -> new Message.Info(flag(body) ? Optional.of(info(body)) : Optional.empty());
                case INFOS -> infos(body);
                case FLAG -> new Message.Flag(flag(body));
                case MANIFEST_BYTES -> new Message.ManifestBytes(flag(body) ? Optional.of(value(body))
                        : Optional.empty());
                case BLOBS -> blobs(body);
                case FAILURE -> failure(body);
                default -> throw new ProxyProtocolException("unknown frame type 0x" + Integer.toHexString(type));
            };
            if (body.hasRemaining()) {
                throw new ProxyProtocolException(body.remaining() + " bytes left over after a " + name(type)
                        + " frame");
            }
            return m;
        } catch (BufferUnderflowException e) {
            throw new ProxyProtocolException("a " + name(type) + " frame ends before its fields do");
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ProxyProtocolException("a " + name(type) + " frame is invalid: " + e.getMessage());
        }
    }

    private static Message.Hello hello(ByteBuffer body) {
        byte[] magic = new byte[MAGIC.length];
        body.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new ProxyProtocolException("not a proxy client: the hello does not start with ALBIREO-PROXY");
        }
        return new Message.Hello(body.getShort() & 0xffff);
    }

    private static Message.Read read(ByteBuffer body) {
        int n = count(body);
        List<ObjectRange> ranges = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            String ns = string(body);
            String name = string(body);
            long offset = body.getLong();
            int length = body.getInt();
            if (offset < 0 || length < 0) {
                throw new ProxyProtocolException("a read range has a negative offset or length");
            }
            ranges.add(new ObjectRange(ns, name, offset, length));
        }
        return new Message.Read(ranges);
    }

    private static Message.Apply apply(ByteBuffer body) {
        String ns = string(body);
        int n = count(body);
        List<ObjectAssert> asserts = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            int kind = body.get();
            String name = string(body);
            asserts.add(switch (kind) {
                case 1 -> ObjectAssert.exists(name);
                case 2 -> ObjectAssert.absent(name);
                case 3 -> ObjectAssert.hasId(name, string(body));
                case 4 -> ObjectAssert.hasChecksum(name, digest(body));
                default -> throw new ProxyProtocolException("unknown assert kind " + kind);
            });
        }
        n = count(body);
        List<ObjectChange> changes = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            int kind = body.get();
            String name = string(body);
            Overwrite overwrite = overwrite(body);
            changes.add(switch (kind) {
                case 1 -> new ObjectChange.Put(name, value(body), overwrite);
                case 2 -> new ObjectChange.Delete(name, overwrite);
                default -> throw new ProxyProtocolException("unknown change kind " + kind);
            });
        }
        return new Message.Apply(ns, asserts, changes);
    }

    private static Message.Names names(ByteBuffer body) {
        boolean more = flag(body);
        int n = count(body);
        List<String> names = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            names.add(string(body));
        }
        return new Message.Names(names, more);
    }

    private static Message.Infos infos(ByteBuffer body) {
        int n = count(body);
        List<Optional<ObjectInfo>> infos = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            infos.add(flag(body) ? Optional.of(info(body)) : Optional.empty());
        }
        return new Message.Infos(infos);
    }

    private static Message.Blobs blobs(ByteBuffer body) {
        boolean present = flag(body);
        int n = count(body);
        List<Long> lengths = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            long l = body.getLong();
            if (l < 0 || l > Integer.MAX_VALUE - 8) {
                throw new ProxyProtocolException("a blob length of " + l + " bytes is out of range");
            }
            lengths.add(l);
        }
        if (!present && n > 0) {
            throw new ProxyProtocolException("an absent blob has lengths");
        }
        return new Message.Blobs(present, lengths);
    }

    private static Message.Failure failure(ByteBuffer body) {
        Message.Failure.Kind kind = Message.Failure.Kind.of(body.get() & 0xff);
        String message = string(body);
        if (kind == Message.Failure.Kind.ASSERT_FAILED) {
            return new Message.Failure(kind, message, body.getInt(), Bytes.adopt(bytes(body)));
        }
        return new Message.Failure(kind, message, 0, Bytes.EMPTY);
    }

    private static ObjectInfo info(ByteBuffer body) {
        String ns = string(body);
        String name = string(body);
        String id = string(body);
        long size = body.getLong();
        if (size < 0) {
            throw new ProxyProtocolException("a negative object size");
        }
        return new ObjectInfo(ns, name, id, size, digest(body));
    }

    private static Digest digest(ByteBuffer body) {
        return Digest.of(string(body), bytes(body));
    }

    private static Overwrite overwrite(ByteBuffer body) {
        int kind = body.get();
        return switch (kind) {
            case 0 -> Overwrite.NONE;
            case 1 -> Overwrite.EXISTING;
            case 2 -> Overwrite.UNCONDITIONAL;
            case 3 -> Overwrite.previous(string(body));
            default -> throw new ProxyProtocolException("unknown overwrite kind " + kind);
        };
    }

    private static int count(ByteBuffer body) {
        int n = body.getInt();
        if (n < 0 || n > Limits.MAX_ITEMS) {
            throw new ProxyProtocolException("a count of " + Integer.toUnsignedString(n) + " is over the limit of "
                    + Limits.MAX_ITEMS);
        }
        return n;
    }

    private static boolean flag(ByteBuffer body) {
        int f = body.get();
        if (f != 0 && f != 1) {
            throw new ProxyProtocolException("a flag of " + f + " is neither 0 nor 1");
        }
        return f == 1;
    }

    /** A u16-length byte string (a digest, an assert's key). */
    private static byte[] bytes(ByteBuffer body) {
        int n = body.getShort() & 0xffff;
        if (n > Limits.MAX_STRING || n > body.remaining()) {
            throw new ProxyProtocolException("a byte string of " + n + " bytes is over the limit or the frame");
        }
        byte[] b = new byte[n];
        body.get(b);
        return b;
    }

    private static String string(ByteBuffer body) {
        byte[] b = bytes(body);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new ProxyProtocolException("a string is not valid UTF-8");
        }
    }

    private static ByteBuffer value(ByteBuffer body) {
        int n = body.getInt();
        if (n < 0 || n > body.remaining()) {
            throw new ProxyProtocolException("a value of " + Integer.toUnsignedString(n) + " bytes is longer than"
                    + " the rest of its frame");
        }
        ByteBuffer v = body.slice(body.position(), n);
        body.position(body.position() + n);
        return v;
    }

    private static boolean readFully(ReadableByteChannel channel, ByteBuffer buffer, boolean cleanEndAllowed)
            throws IOException {
        boolean first = true;
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                if (first && cleanEndAllowed && buffer.position() == 0) {
                    return false;
                }
                throw new EOFException("the connection ended inside a frame");
            }
            first = false;
        }
        return true;
    }

    // ---- writing ---------------------------------------------------------------------------------------------------

    /**
     * Encodes a message as a frame: buffers to write in order, large values as views rather than copies.
     *
     * @throws IllegalArgumentException if a field is over its bound or the frame over the limit; nothing is sent
     */
    public ByteBuffer[] encode(long id, Message message) {
        Out out = new Out();
        out.buffer(HEAD).putInt(0).put((byte) message.type()).putLong(id);
        if (message instanceof Message.Hello h) {
            out.bytes(MAGIC);
            out.u16(h.version());
        } else if (message instanceof Message.Welcome w) {
            out.u16(w.version());
            out.i32(w.maxFrame());
        } else if (message instanceof Message.Refused r) {
            out.string(r.reason());
        } else if (message instanceof Message.Data d) {
            out.value(d.data());
        } else if (message instanceof Message.CreateNamespace c) {
            out.string(c.namespace());
            out.flag(c.preset() != null);
            if (c.preset() != null) {
                out.string(c.preset());
            }
        } else if (message instanceof Message.DeleteNamespace d) {
            out.string(d.namespace());
        } else if (message instanceof Message.ListNamespaces l) { // no body
        } else if (message instanceof Message.PutBegin p) {
            out.string(p.namespace());
            out.string(p.name());
            out.overwrite(p.overwrite());
        } else if (message instanceof Message.PutEnd e) {
            out.flag(e.abort());
        } else if (message instanceof Message.Get g) {
            out.string(g.namespace());
            out.string(g.name());
        } else if (message instanceof Message.Read r) {
            out.count(r.ranges().size());
            for (ObjectRange range : r.ranges()) {
                if (range.offset() < 0 || range.length() < 0) {
                    throw new IllegalArgumentException("a range of " + range.name() + " has a negative offset"
                            + " or length");
                }
                out.string(range.namespace());
                out.string(range.name());
                out.i64(range.offset());
                out.i32(range.length());
            }
        } else if (message instanceof Message.Delete d) {
            out.string(d.namespace());
            out.string(d.name());
        } else if (message instanceof Message.Stat s) {
            out.string(s.namespace());
            out.string(s.name());
        } else if (message instanceof Message.ListObjects l) {
            out.string(l.namespace());
            out.string(l.prefix());
            out.flag(l.after() != null);
            if (l.after() != null) {
                out.string(l.after());
            }
            out.count(l.limit());
        } else if (message instanceof Message.GetManifest m) {
            out.string(m.namespace());
            out.string(m.name());
        } else if (message instanceof Message.Apply a) {
            apply(out, a);
        } else if (message instanceof Message.Done d) { // no body
        } else if (message instanceof Message.Names n) {
            out.flag(n.more());
            out.count(n.names().size());
            n.names().forEach(out::string);
        } else if (message instanceof Message.Info i) {
            out.info(i.info());
        } else if (message instanceof Message.Infos i) {
            out.count(i.infos().size());
            i.infos().forEach(out::info);
        } else if (message instanceof Message.Flag f) {
            out.flag(f.value());
        } else if (message instanceof Message.ManifestBytes m) {
            out.flag(m.manifest().isPresent());
            m.manifest().ifPresent(out::value);
        } else if (message instanceof Message.Blobs b) {
            out.flag(b.present());
            out.count(b.lengths().size());
            b.lengths().forEach(out::i64);
        } else if (message instanceof Message.Failure f) {
            out.buffer(1).put((byte) f.kind().code);
            out.string(f.message());
            if (f.kind() == Message.Failure.Kind.ASSERT_FAILED) {
                out.i32(f.index());
                out.bytes16(f.key().toByteArray());
            }
        }
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

    private static void apply(Out out, Message.Apply a) {
        out.string(a.namespace());
        out.count(a.asserts().size());
        for (ObjectAssert as : a.asserts()) {
            if (as instanceof ObjectAssert.Exists e) {
                out.buffer(1).put((byte) 1);
                out.string(e.name());
            } else if (as instanceof ObjectAssert.Absent e) {
                out.buffer(1).put((byte) 2);
                out.string(e.name());
            } else if (as instanceof ObjectAssert.HasId h) {
                out.buffer(1).put((byte) 3);
                out.string(h.name());
                out.string(h.objectId());
            } else if (as instanceof ObjectAssert.HasChecksum h) {
                out.buffer(1).put((byte) 4);
                out.string(h.name());
                out.digest(h.checksum());
            }
        }
        out.count(a.changes().size());
        for (ObjectChange c : a.changes()) {
            if (c instanceof ObjectChange.Put p) {
                out.buffer(1).put((byte) 1);
                out.string(p.name());
                out.overwrite(p.overwrite());
                out.value(p.data());
            } else if (c instanceof ObjectChange.Delete d) {
                out.buffer(1).put((byte) 2);
                out.string(d.name());
                out.overwrite(d.overwrite());
            }
        }
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

        void bytes16(byte[] bytes) {
            if (bytes.length > Limits.MAX_STRING) {
                throw new IllegalArgumentException("a byte string of " + bytes.length + " bytes is over the limit"
                        + " of " + Limits.MAX_STRING);
            }
            buffer(2 + bytes.length).putShort((short) bytes.length).put(bytes);
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

        void flag(boolean v) {
            buffer(1).put((byte) (v ? 1 : 0));
        }

        void count(int n) {
            if (n < 0 || n > Limits.MAX_ITEMS) {
                throw new IllegalArgumentException("a count of " + n + " is over the limit of " + Limits.MAX_ITEMS);
            }
            i32(n);
        }

        void string(String s) {
            bytes16(s.getBytes(StandardCharsets.UTF_8));
        }

        void digest(Digest d) {
            string(d.algorithm());
            bytes16(d.toByteArray());
        }

        void overwrite(Overwrite o) {
            if (o instanceof Overwrite.None n) {
                buffer(1).put((byte) 0);
            } else if (o instanceof Overwrite.Existing e) {
                buffer(1).put((byte) 1);
            } else if (o instanceof Overwrite.Unconditional u) {
                buffer(1).put((byte) 2);
            } else if (o instanceof Overwrite.Previous p) {
                buffer(1).put((byte) 3);
                string(p.objectId());
            }
        }

        void info(Optional<ObjectInfo> info) {
            flag(info.isPresent());
            info.ifPresent(i -> {
                string(i.namespace());
                string(i.name());
                string(i.objectId());
                i64(i.size());
                digest(i.checksum());
            });
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

    static String name(int type) {
        return switch (type) {
            case HELLO -> "hello";
            case WELCOME -> "welcome";
            case REFUSED -> "refused";
            case CREATE_NAMESPACE -> "create-namespace";
            case DELETE_NAMESPACE -> "delete-namespace";
            case LIST_NAMESPACES -> "list-namespaces";
            case PUT_BEGIN -> "put-begin";
            case PUT_END -> "put-end";
            case GET -> "get";
            case READ -> "read";
            case DELETE -> "delete";
            case STAT -> "stat";
            case LIST_OBJECTS -> "list";
            case MANIFEST -> "manifest";
            case APPLY -> "apply";
            case DATA -> "data";
            case DONE -> "done";
            case NAMES -> "names";
            case INFO -> "info";
            case INFOS -> "infos";
            case FLAG -> "flag";
            case MANIFEST_BYTES -> "manifest-bytes";
            case BLOBS -> "blobs";
            case FAILURE -> "failure";
            default -> "0x" + Integer.toHexString(type);
        };
    }
}
