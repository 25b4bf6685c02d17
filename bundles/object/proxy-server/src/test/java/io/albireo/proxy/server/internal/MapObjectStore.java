package io.albireo.proxy.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Digest;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Policy;
import io.albireo.api.object.NamespaceNotFoundException;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectNotFoundException;
import io.albireo.api.object.ObjectStore;
import io.albireo.api.object.ObjectStream;
import io.albireo.api.object.Overwrite;
import io.albireo.api.object.RangeOutOfBoundsException;

/**
 * A test double for the proxy: objects in a ConcurrentSkipListMap per namespace, whole in memory, with just enough of
 * the ObjectStore contract (overwrite conditions, atomic applies, a one-chunk manifest) to exercise the protocol and
 * the client. It is not the proxy and says nothing about it; the tests that use it are about the wire.
 */
final class MapObjectStore implements ObjectStore {
    private record Stored(ObjectInfo info, byte[] bytes) {
    }

    private final Map<String, NavigableMap<String, Stored>> namespaces = new ConcurrentHashMap<>();
    /** The size of the pieces {@link #open} streams an object in: a chunk of the default preset, 4 x 4 MiB. */
    volatile int pieceSize = 16 << 20;
    /** After this many pieces of a stream, the next fails (as if a chunk failed its checksums); -1: never. */
    volatile int failAfterPieces = -1;
    /** Pieces handed out by streams so far. */
    final AtomicInteger piecesRead = new AtomicInteger();
    /** Calls of {@link #read} so far. */
    final AtomicInteger readCalls = new AtomicInteger();

    @Override
    public void createNamespace(String namespace, String preset) {
        if (namespaces.putIfAbsent(namespace, new ConcurrentSkipListMap<>()) != null) {
            throw new IllegalArgumentException("namespace " + namespace + " exists");
        }
    }

    @Override
    public void deleteNamespace(String namespace) {
        if (namespaces.remove(namespace) == null) {
            throw NamespaceNotFoundException.of(namespace);
        }
    }

    @Override
    public List<String> listNamespaces() {
        return namespaces.keySet().stream().sorted().toList();
    }

    private NavigableMap<String, Stored> ns(String namespace) {
        NavigableMap<String, Stored> ns = namespaces.get(namespace);
        if (ns == null) {
            throw NamespaceNotFoundException.of(namespace);
        }
        return ns;
    }

    @Override
    public ObjectInfo put(String namespace, String name, ByteBuffer data, Overwrite overwrite) {
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        return apply(namespace, List.of(), List.of(new ObjectChange.Put(name, ByteBuffer.wrap(bytes), overwrite)))
                .get(0).orElseThrow();
    }

    @Override
    public ObjectInfo put(String namespace, String name, InputStream data, Overwrite overwrite) {
        try {
            // A failed read leaves nothing: the object is stored only once all its bytes are in.
            return put(namespace, name, ByteBuffer.wrap(data.readAllBytes()), overwrite);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized List<Optional<ObjectInfo>> apply(String namespace, List<ObjectAssert> asserts,
            List<ObjectChange> changes) {
        NavigableMap<String, Stored> ns = ns(namespace);
        for (int i = 0; i < asserts.size(); i++) {
            ObjectAssert a = asserts.get(i);
            Stored s = ns.get(a.name());
            boolean holds = a instanceof ObjectAssert.Exists ? s != null
                    : a instanceof ObjectAssert.Absent ? s == null
                    : a instanceof ObjectAssert.HasId h ? s != null && s.info().objectId().equals(h.objectId())
                    : s != null && s.info().checksum().equals(((ObjectAssert.HasChecksum) a).checksum());
            if (!holds) {
                throw new AssertFailedException(i, Bytes.utf8(a.name()));
            }
        }
        for (int i = 0; i < changes.size(); i++) {
            ObjectChange c = changes.get(i);
            Overwrite o = c instanceof ObjectChange.Put p ? p.overwrite() : ((ObjectChange.Delete) c).overwrite();
            Stored s = ns.get(c.name());
            boolean holds = o instanceof Overwrite.None ? s == null : o instanceof Overwrite.Existing ? s != null
                    : !(o instanceof Overwrite.Previous p) || s != null && s.info().objectId().equals(p.objectId());
            if (!holds) {
                throw new AssertFailedException(asserts.size() + i, Bytes.utf8(c.name()));
            }
        }
        List<Optional<ObjectInfo>> out = new ArrayList<>();
        for (ObjectChange c : changes) {
            if (c instanceof ObjectChange.Put p) {
                byte[] bytes = new byte[p.data().remaining()];
                p.data().duplicate().get(bytes);
                CRC32C crc = new CRC32C();
                crc.update(bytes);
                ObjectInfo info = new ObjectInfo(namespace, p.name(), UUID.randomUUID().toString(), bytes.length,
                        Digest.ofLong("crc32c", crc.getValue(), 4));
                ns.put(p.name(), new Stored(info, bytes));
                out.add(Optional.of(info));
            } else {
                ns.remove(c.name());
                out.add(Optional.empty());
            }
        }
        return out;
    }

    @Override
    public Optional<Manifest> manifest(String namespace, String name) {
        return Optional.ofNullable(ns(namespace).get(name)).map(s -> new Manifest(name, s.info().objectId(), 1,
                s.info().size(), s.info().checksum(), new Policy(1, 0, 1, 1), "none", "none", "", "crc32c", "rs",
                0, List.of(new Manifest.Chunk(s.info().size(), s.info().size(), (int) s.info().size(),
                        List.of(new Manifest.Fragment(3, Bytes.of((byte) 1, (byte) 2, (byte) 3, (byte) 4)))))));
    }

    @Override
    public Optional<ByteBuffer> get(String namespace, String name) {
        return Optional.ofNullable(ns(namespace).get(name)).map(s -> ByteBuffer.wrap(s.bytes()).asReadOnlyBuffer());
    }

    @Override
    public Optional<ObjectStream> open(String namespace, String name) {
        return Optional.ofNullable(ns(namespace).get(name)).map(stored -> new ObjectStream() {
            private int at;
            private int pieces;

            @Override
            public long size() {
                return stored.bytes().length;
            }

            @Override
            public ByteBuffer next() {
                if (at == stored.bytes().length) {
                    return null;
                }
                if (pieces++ == failAfterPieces) {
                    throw new IntegrityException("piece " + (pieces - 1) + " of " + name + " failed its checksum");
                }
                int n = Math.min(pieceSize, stored.bytes().length - at);
                ByteBuffer piece = ByteBuffer.wrap(stored.bytes(), at, n).slice().asReadOnlyBuffer();
                at += n;
                piecesRead.incrementAndGet();
                return piece;
            }
        });
    }

    @Override
    public List<ByteBuffer> read(List<ObjectRange> ranges) {
        readCalls.incrementAndGet();
        List<ByteBuffer> out = new ArrayList<>(ranges.size());
        for (ObjectRange r : ranges) {
            Stored s = ns(r.namespace()).get(r.name());
            if (s == null) {
                throw new ObjectNotFoundException("no object " + r.name() + " in " + r.namespace());
            }
            if (r.offset() + r.length() > s.bytes().length) {
                throw new RangeOutOfBoundsException("range past the end of " + r.name());
            }
            out.add(ByteBuffer.wrap(s.bytes(), (int) r.offset(), r.length()).slice());
        }
        return out;
    }

    @Override
    public boolean delete(String namespace, String name) {
        return ns(namespace).remove(name) != null;
    }

    @Override
    public Optional<ObjectInfo> stat(String namespace, String name) {
        return Optional.ofNullable(ns(namespace).get(name)).map(Stored::info);
    }

    @Override
    public ObjectListing list(String namespace, String prefix, String after, int limit) {
        List<String> names = new ArrayList<>();
        NavigableMap<String, Stored> tail = after == null ? ns(namespace).tailMap(prefix, true)
                : ns(namespace).tailMap(after, false);
        for (String n : tail.keySet()) {
            if (!n.startsWith(prefix)) {
                if (n.compareTo(prefix) > 0) {
                    break;
                }
                continue;
            }
            if (names.size() == limit) {
                return new ObjectListing(names, true);
            }
            names.add(n);
        }
        return new ObjectListing(names, false);
    }

    int objects(String namespace) {
        return ns(namespace).size();
    }
}
