package io.albireo.proxy.protocol;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.StorageException;
import io.albireo.api.metadata.MetadataException;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.NamespaceNotFoundException;
import io.albireo.api.object.ObjectNotFoundException;
import io.albireo.api.object.RangeOutOfBoundsException;
import io.albireo.api.object.ObjectStore.ObjectAssert;
import io.albireo.api.object.ObjectStore.ObjectChange;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;
import io.albireo.api.osd.OsdFullException;
import io.albireo.api.osd.OsdUnavailableException;

/**
 * Every message of the proxy protocol. A client opens with {@link Hello}; the server answers {@link Welcome}, or
 * {@link Refused} and closes. Then the client sends requests, each with an id of its choosing, and the server answers
 * each with one response carrying that id, in any order. Objects are streamed: a put is {@link PutBegin}, any number of
 * {@link Data} and {@link PutEnd} under one id; a get or read is answered by {@link Blobs} and then {@link Data} frames
 * until the announced lengths are delivered. Each record's type code is its frame type (docs/PROXY-PROTOCOL.md).
 */
public sealed interface Message {

    /** @return the frame type code */
    int type();

    // ---- the handshake ---------------------------------------------------------------------------------------------

    /** @param version the protocol version the client speaks */
    record Hello(int version) implements Message {
        @Override
        public int type() {
            return FrameCodec.HELLO;
        }
    }

    /**
     * @param version the protocol version of the conversation
     * @param maxFrame the largest frame the server accepts
     */
    record Welcome(int version, int maxFrame) implements Message {
        @Override
        public int type() {
            return FrameCodec.WELCOME;
        }
    }

    /** @param reason why the server refuses the connection; it closes it after sending this */
    record Refused(String reason) implements Message {
        @Override
        public int type() {
            return FrameCodec.REFUSED;
        }
    }

    /** A bounded slice of an object's bytes: part of a put (client) or of a get or read answer (server). */
    record Data(ByteBuffer data) implements Message {
        @Override
        public int type() {
            return FrameCodec.DATA;
        }
    }

    // ---- requests --------------------------------------------------------------------------------------------------

    /** A frame that starts a request: answered by one response with its id (and, for gets and reads, DATA). */
    sealed interface Request extends Message {
    }

    /**
     * @param namespace the new namespace
     * @param preset its preset, or null for the default
     */
    record CreateNamespace(String namespace, String preset) implements Request {
        /** Validates the fields. */
        public CreateNamespace {
            Objects.requireNonNull(namespace, "namespace");
        }

        @Override
        public int type() {
            return FrameCodec.CREATE_NAMESPACE;
        }
    }

    /** @param namespace the namespace to delete */
    record DeleteNamespace(String namespace) implements Request {
        @Override
        public int type() {
            return FrameCodec.DELETE_NAMESPACE;
        }
    }

    /** Lists the namespaces. */
    record ListNamespaces() implements Request {
        @Override
        public int type() {
            return FrameCodec.LIST_NAMESPACES;
        }
    }

    /**
     * Starts a streamed put; its bytes follow in {@link Data} frames with the same id, then {@link PutEnd}.
     *
     * @param namespace the namespace
     * @param name the object
     * @param overwrite the condition on what the name holds
     */
    record PutBegin(String namespace, String name, Overwrite overwrite) implements Request {
        /** Validates the fields. */
        public PutBegin {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(overwrite, "overwrite");
        }

        @Override
        public int type() {
            return FrameCodec.PUT_BEGIN;
        }
    }

    /** @param abort true if the client gives the put up (its source failed): nothing is stored */
    record PutEnd(boolean abort) implements Message {
        @Override
        public int type() {
            return FrameCodec.PUT_END;
        }
    }

    /**
     * @param namespace the namespace
     * @param name the object
     */
    record Get(String namespace, String name) implements Request {
        @Override
        public int type() {
            return FrameCodec.GET;
        }
    }

    /** @param ranges the byte ranges, of any objects */
    record Read(List<ObjectRange> ranges) implements Request {
        /** Copies the list. */
        public Read {
            ranges = List.copyOf(ranges);
        }

        @Override
        public int type() {
            return FrameCodec.READ;
        }
    }

    /**
     * @param namespace the namespace
     * @param name the object
     */
    record Delete(String namespace, String name) implements Request {
        @Override
        public int type() {
            return FrameCodec.DELETE;
        }
    }

    /**
     * @param namespace the namespace
     * @param name the object
     */
    record Stat(String namespace, String name) implements Request {
        @Override
        public int type() {
            return FrameCodec.STAT;
        }
    }

    /**
     * @param namespace the namespace
     * @param prefix only names with this prefix
     * @param after only names after this one, or null
     * @param limit the most names
     */
    record ListObjects(String namespace, String prefix, String after, int limit) implements Request {
        @Override
        public int type() {
            return FrameCodec.LIST_OBJECTS;
        }
    }

    /**
     * @param namespace the namespace
     * @param name the object
     */
    record GetManifest(String namespace, String name) implements Request {
        @Override
        public int type() {
            return FrameCodec.MANIFEST;
        }
    }

    /**
     * @param namespace the namespace
     * @param asserts the conditions
     * @param changes the puts and deletes
     */
    record Apply(String namespace, List<ObjectAssert> asserts, List<ObjectChange> changes) implements Request {
        /** Copies the lists. */
        public Apply {
            asserts = List.copyOf(asserts);
            changes = List.copyOf(changes);
        }

        @Override
        public int type() {
            return FrameCodec.APPLY;
        }
    }

    // ---- responses -------------------------------------------------------------------------------------------------

    /** A response to the request with the same id. */
    sealed interface Response extends Message {
    }

    /** A namespace was created or deleted. */
    record Done() implements Response {
        @Override
        public int type() {
            return FrameCodec.DONE;
        }
    }

    /**
     * @param names namespaces or object names, in order
     * @param more whether more names follow
     */
    record Names(List<String> names, boolean more) implements Response {
        /** Copies the list. */
        public Names {
            names = List.copyOf(names);
        }

        @Override
        public int type() {
            return FrameCodec.NAMES;
        }
    }

    /** @param info what a put stored, or what a stat found */
    record Info(Optional<ObjectInfo> info) implements Response {
        @Override
        public int type() {
            return FrameCodec.INFO;
        }
    }

    /** @param infos what each change of an apply stored, in order */
    record Infos(List<Optional<ObjectInfo>> infos) implements Response {
        /** Copies the list. */
        public Infos {
            infos = List.copyOf(infos);
        }

        @Override
        public int type() {
            return FrameCodec.INFOS;
        }
    }

    /** @param value whether a delete deleted */
    record Flag(boolean value) implements Response {
        @Override
        public int type() {
            return FrameCodec.FLAG;
        }
    }

    /** @param manifest the object's manifest in ManifestFormat, if the object exists */
    record ManifestBytes(Optional<ByteBuffer> manifest) implements Response {
        @Override
        public int type() {
            return FrameCodec.MANIFEST_BYTES;
        }
    }

    /**
     * The head of a get's or read's answer; DATA frames with the same id carry the bytes, all lengths in order.
     *
     * @param present false if a get found no object (then no lengths, no DATA)
     * @param lengths the length of each buffer: one for a get, one per range for a read
     */
    record Blobs(boolean present, List<Long> lengths) implements Response {
        /** Copies the list. */
        public Blobs {
            lengths = List.copyOf(lengths);
        }

        /** @return the sum of the lengths */
        public long total() {
            long t = 0;
            for (long l : lengths) {
                t += l;
            }
            return t;
        }

        @Override
        public int type() {
            return FrameCodec.BLOBS;
        }
    }

    /**
     * A request failed; nothing it asked for was done (except that an unknown outcome is possible for UNAVAILABLE).
     *
     * @param kind what kind of failure
     * @param message the failure's message
     * @param index for ASSERT_FAILED, the position of the failed assert; else 0
     * @param key for ASSERT_FAILED, the key the assert was about; else empty
     */
    record Failure(Kind kind, String message, int index, Bytes key) implements Response {
        /** Validates the fields. */
        public Failure {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(key, "key");
        }

        @Override
        public int type() {
            return FrameCodec.FAILURE;
        }

        /** @return the failure that reports {@code e} to a remote client */
        public static Failure of(Throwable e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (message.length() > 1024) {
                message = message.substring(0, 1024);
            }
            if (e instanceof AssertFailedException a) {
                return new Failure(Kind.ASSERT_FAILED, message, a.index(), a.key() == null ? Bytes.EMPTY : a.key());
            }
            Kind kind = e instanceof IllegalArgumentException ? Kind.BAD_REQUEST
                    : e instanceof NamespaceNotFoundException ? Kind.NAMESPACE_NOT_FOUND
                    : e instanceof ObjectNotFoundException ? Kind.NOT_FOUND
                    : e instanceof RangeOutOfBoundsException ? Kind.OUT_OF_RANGE
                    : e instanceof OsdUnavailableException ? Kind.UNAVAILABLE
                    : e instanceof IntegrityException ? Kind.INTEGRITY
                    : e instanceof OsdFullException ? Kind.FULL
                    : e instanceof MetadataException ? Kind.METADATA
                    : Kind.FAILED;
            return new Failure(kind, message, 0, Bytes.EMPTY);
        }

        /** @return the exception of the same type the server saw (for the types the protocol knows) */
        public RuntimeException toException() {
            return switch (kind) {
                case ASSERT_FAILED -> new AssertFailedException(index, key);
                case BAD_REQUEST -> new IllegalArgumentException(message);
                case NOT_FOUND -> new ObjectNotFoundException(message);
                case NAMESPACE_NOT_FOUND -> new NamespaceNotFoundException(message);
                case OUT_OF_RANGE -> new RangeOutOfBoundsException(message);
                case UNAVAILABLE -> new OsdUnavailableException(message);
                case INTEGRITY -> new IntegrityException(message);
                case FULL -> new OsdFullException(message);
                case METADATA -> new MetadataException(message);
                case FAILED -> new StorageException(message);
            };
        }

        /** The kinds of failure, with their codes on the wire. */
        public enum Kind {
            /** An assert or overwrite condition did not hold: AssertFailedException. */
            ASSERT_FAILED(1),
            /** Well-formed but invalid: IllegalArgumentException. */
            BAD_REQUEST(2),
            /** The object or namespace does not exist: ObjectNotFoundException. */
            NOT_FOUND(3),
            /** No store now (being replaced), or it cannot reach its OSDs: OsdUnavailableException. */
            UNAVAILABLE(4),
            /** Stored data failed its checksums: IntegrityException. */
            INTEGRITY(5),
            /** The backend is full: OsdFullException. */
            FULL(6),
            /** The metadata refused it (an unknown preset, a name taken): MetadataException. */
            METADATA(7),
            /** Any other failure: StorageException. */
            FAILED(8),
            /** The namespace does not exist: NamespaceNotFoundException. */
            NAMESPACE_NOT_FOUND(9),
            /** A read range lies outside its object: RangeOutOfBoundsException. */
            OUT_OF_RANGE(10);

            final int code;

            Kind(int code) {
                this.code = code;
            }

            static Kind of(int code) {
                for (Kind k : values()) {
                    if (k.code == code) {
                        return k;
                    }
                }
                // A newer server's kind: still a failure, of a type this client does not know.
                return FAILED;
            }
        }
    }
}
