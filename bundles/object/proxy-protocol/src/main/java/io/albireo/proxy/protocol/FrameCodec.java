package io.albireo.proxy.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.albireo.api.Bytes;
import io.albireo.api.codec.Digest;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectStore.ObjectAssert;
import io.albireo.api.object.ObjectStore.ObjectChange;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;
import io.albireo.framing.FrameBody;
import io.albireo.framing.FrameBuilder;
import io.albireo.framing.FrameReader;
import io.albireo.framing.Frames;
import io.albireo.framing.RawFrame;

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
    public static final int HEAD = Frames.HEAD;
    /** Makes the protocol's error for a malformed frame. */
    private static final Function<String, ProxyProtocolException> MALFORMED = ProxyProtocolException::new;

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
     * Reads one frame, without reading ahead.
     *
     * @return the frame, or null if the channel ended cleanly before its first byte
     * @throws ProxyProtocolException if the frame is malformed or over the limits
     * @throws EOFException if the channel ends inside a frame
     */
    public Frame read(ReadableByteChannel channel) throws IOException {
        RawFrame raw = FrameReader.readOne(channel, limits.maxFrame(), MALFORMED);
        return raw == null ? null : decode(raw);
    }

    /**
     * Decodes a frame read whole.
     *
     * @throws ProxyProtocolException if it is malformed
     */
    public Frame decode(RawFrame raw) {
        return new Frame(raw.id(), decode(raw.type(), raw.body()), raw.size());
    }

    /**
     * @return a reader of frames from {@code channel} through a buffer of its own (see {@link FrameReader}); use one
     *         reader per channel, from one thread
     */
    public Reader reader(ReadableByteChannel channel) {
        return new Reader(new FrameReader(channel, limits.maxFrame(), MALFORMED));
    }

    /** Reads and decodes frames from one channel. */
    public final class Reader {
        private final FrameReader frames;

        private Reader(FrameReader frames) {
            this.frames = frames;
        }

        /**
         * Reads one frame; the same checks and outcomes as {@link FrameCodec#read}.
         *
         * @return the frame, or null if the channel ended cleanly before its first byte
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
                case WELCOME -> new Message.Welcome(body.u16(), body.i32());
                case REFUSED -> new Message.Refused(body.string());
                case CREATE_NAMESPACE -> new Message.CreateNamespace(body.string(), body.flag() ? body.string() : null);
                case DELETE_NAMESPACE -> new Message.DeleteNamespace(body.string());
                case LIST_NAMESPACES -> new Message.ListNamespaces();
                case PUT_BEGIN -> new Message.PutBegin(body.string(), body.string(), overwrite(body));
                case PUT_END -> new Message.PutEnd(body.flag());
                case GET -> new Message.Get(body.string(), body.string());
                case READ -> read(body);
                case DELETE -> new Message.Delete(body.string(), body.string());
                case STAT -> new Message.Stat(body.string(), body.string());
                case LIST_OBJECTS -> new Message.ListObjects(body.string(), body.string(),
                        body.flag() ? body.string() : null, body.count());
                case MANIFEST -> new Message.GetManifest(body.string(), body.string());
                case APPLY -> apply(body);
                case DATA -> new Message.Data(body.value());
                case DONE -> new Message.Done();
                case NAMES -> names(body);
                case INFO -> new Message.Info(body.flag() ? Optional.of(info(body)) : Optional.empty());
                case INFOS -> infos(body);
                case FLAG -> new Message.Flag(body.flag());
                case MANIFEST_BYTES -> new Message.ManifestBytes(body.flag() ? Optional.of(body.value())
                        : Optional.empty());
                case BLOBS -> blobs(body);
                case FAILURE -> failure(body);
                default -> throw new ProxyProtocolException("unknown frame type 0x" + Integer.toHexString(type));
            };
            body.end(name(type));
            return m;
        } catch (BufferUnderflowException e) {
            throw new ProxyProtocolException("a " + name(type) + " frame ends before its fields do");
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ProxyProtocolException("a " + name(type) + " frame is invalid: " + e.getMessage());
        }
    }

    private static Message.Hello hello(FrameBody body) {
        if (!Arrays.equals(body.bytes(Math.min(MAGIC.length, body.remaining())), MAGIC)) {
            throw new ProxyProtocolException("not a proxy client: the hello does not start with ALBIREO-PROXY");
        }
        return new Message.Hello(body.u16());
    }

    private static Message.Read read(FrameBody body) {
        int n = body.count();
        List<ObjectRange> ranges = body.list(n, 2 + 2 + 8 + 4);
        for (int i = 0; i < n; i++) {
            String ns = body.string();
            String name = body.string();
            long offset = body.i64();
            int length = body.i32();
            if (offset < 0 || length < 0) {
                throw new ProxyProtocolException("a read range has a negative offset or length");
            }
            ranges.add(new ObjectRange(ns, name, offset, length));
        }
        return new Message.Read(ranges);
    }

    private static Message.Apply apply(FrameBody body) {
        String ns = body.string();
        int n = body.count();
        List<ObjectAssert> asserts = body.list(n, 1 + 2);
        for (int i = 0; i < n; i++) {
            int kind = body.u8();
            String name = body.string();
            asserts.add(switch (kind) {
                case 1 -> ObjectAssert.exists(name);
                case 2 -> ObjectAssert.absent(name);
                case 3 -> ObjectAssert.hasId(name, body.string());
                case 4 -> ObjectAssert.hasChecksum(name, digest(body));
                default -> throw new ProxyProtocolException("unknown assert kind " + kind);
            });
        }
        n = body.count();
        List<ObjectChange> changes = body.list(n, 1 + 2 + 1);
        for (int i = 0; i < n; i++) {
            int kind = body.u8();
            String name = body.string();
            Overwrite overwrite = overwrite(body);
            changes.add(switch (kind) {
                case 1 -> new ObjectChange.Put(name, body.value(), overwrite);
                case 2 -> new ObjectChange.Delete(name, overwrite);
                default -> throw new ProxyProtocolException("unknown change kind " + kind);
            });
        }
        return new Message.Apply(ns, asserts, changes);
    }

    private static Message.Names names(FrameBody body) {
        boolean more = body.flag();
        int n = body.count();
        List<String> names = body.list(n, 2);
        for (int i = 0; i < n; i++) {
            names.add(body.string());
        }
        return new Message.Names(names, more);
    }

    private static Message.Infos infos(FrameBody body) {
        int n = body.count();
        List<Optional<ObjectInfo>> infos = body.list(n, 1);
        for (int i = 0; i < n; i++) {
            infos.add(body.flag() ? Optional.of(info(body)) : Optional.empty());
        }
        return new Message.Infos(infos);
    }

    private static Message.Blobs blobs(FrameBody body) {
        boolean present = body.flag();
        int n = body.count();
        List<Long> lengths = body.list(n, 8);
        for (int i = 0; i < n; i++) {
            long l = body.i64();
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

    private static Message.Failure failure(FrameBody body) {
        Message.Failure.Kind kind = Message.Failure.Kind.of(body.u8());
        String message = body.string();
        if (kind == Message.Failure.Kind.ASSERT_FAILED) {
            return new Message.Failure(kind, message, body.i32(), Bytes.adopt(bytes(body)));
        }
        return new Message.Failure(kind, message, 0, Bytes.EMPTY);
    }

    private static ObjectInfo info(FrameBody body) {
        String ns = body.string();
        String name = body.string();
        String id = body.string();
        long size = body.i64();
        if (size < 0) {
            throw new ProxyProtocolException("a negative object size");
        }
        return new ObjectInfo(ns, name, id, size, digest(body));
    }

    private static Digest digest(FrameBody body) {
        return Digest.of(body.string(), bytes(body));
    }

    private static Overwrite overwrite(FrameBody body) {
        int kind = body.u8();
        return switch (kind) {
            case 0 -> Overwrite.NONE;
            case 1 -> Overwrite.EXISTING;
            case 2 -> Overwrite.UNCONDITIONAL;
            case 3 -> Overwrite.previous(body.string());
            case 4 -> {
                String id = body.string();
                long version = body.i64();
                if (version < 1) {
                    throw new ProxyProtocolException("an overwrite condition on version " + version);
                }
                yield Overwrite.version(id, version);
            }
            default -> throw new ProxyProtocolException("unknown overwrite kind " + kind);
        };
    }

    /** A u16-length byte string (a digest, an assert's key). */
    private static byte[] bytes(FrameBody body) {
        return body.bytes16(Limits.MAX_STRING, "byte string");
    }

    // ---- writing ---------------------------------------------------------------------------------------------------

    /**
     * Encodes a message as a frame: buffers to write in order, large values as views rather than copies.
     *
     * @throws IllegalArgumentException if a field is over its bound or the frame over the limit; nothing is sent
     */
    public ByteBuffer[] encode(long id, Message message) {
        FrameBuilder out = new FrameBuilder(message.type(), id);
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
            overwrite(out, p.overwrite());
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
            info(out, i.info());
        } else if (message instanceof Message.Infos i) {
            out.count(i.infos().size());
            i.infos().forEach(info -> info(out, info));
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
            out.u8(f.kind().code);
            out.string(f.message());
            if (f.kind() == Message.Failure.Kind.ASSERT_FAILED) {
                out.i32(f.index());
                bytes16(out, f.key().toByteArray());
            }
        }
        return out.finish(limits.maxFrame(), name(message.type()));
    }

    private static void apply(FrameBuilder out, Message.Apply a) {
        out.string(a.namespace());
        out.count(a.asserts().size());
        for (ObjectAssert as : a.asserts()) {
            if (as instanceof ObjectAssert.Exists e) {
                out.u8(1);
                out.string(e.name());
            } else if (as instanceof ObjectAssert.Absent e) {
                out.u8(2);
                out.string(e.name());
            } else if (as instanceof ObjectAssert.HasId h) {
                out.u8(3);
                out.string(h.name());
                out.string(h.objectId());
            } else if (as instanceof ObjectAssert.HasChecksum h) {
                out.u8(4);
                out.string(h.name());
                digest(out, h.checksum());
            }
        }
        out.count(a.changes().size());
        for (ObjectChange c : a.changes()) {
            if (c instanceof ObjectChange.Put p) {
                out.u8(1);
                out.string(p.name());
                overwrite(out, p.overwrite());
                out.value(p.data());
            } else if (c instanceof ObjectChange.Delete d) {
                out.u8(2);
                out.string(d.name());
                overwrite(out, d.overwrite());
            }
        }
    }

    /** Writes the buffers of a frame fully. */
    public static void write(GatheringByteChannel channel, ByteBuffer[] frame) throws IOException {
        Frames.write(channel, frame);
    }

    private static void bytes16(FrameBuilder out, byte[] bytes) {
        out.bytes16(bytes, Limits.MAX_STRING, "byte string");
    }

    private static void digest(FrameBuilder out, Digest d) {
        out.string(d.algorithm());
        bytes16(out, d.toByteArray());
    }

    private static void overwrite(FrameBuilder out, Overwrite o) {
        if (o instanceof Overwrite.None) {
            out.u8(0);
        } else if (o instanceof Overwrite.Existing) {
            out.u8(1);
        } else if (o instanceof Overwrite.Unconditional) {
            out.u8(2);
        } else if (o instanceof Overwrite.Previous p) {
            out.u8(3);
            out.string(p.objectId());
        } else if (o instanceof Overwrite.Version v) {
            out.u8(4);
            out.string(v.objectId());
            out.i64(v.version());
        }
    }

    private static void info(FrameBuilder out, Optional<ObjectInfo> info) {
        out.flag(info.isPresent());
        info.ifPresent(i -> {
            out.string(i.namespace());
            out.string(i.name());
            out.string(i.objectId());
            out.i64(i.size());
            digest(out, i.checksum());
        });
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
