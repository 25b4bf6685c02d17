package io.albireo.api.object;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.albireo.api.codec.Digest;
import io.albireo.api.metadata.Manifest;

/**
 * Namespaces of objects. An object is written once under a name and replaced whole; reads may take any byte ranges.
 * Implementations are thread-safe.
 */
public interface ObjectStore {

    /**
     * Creates a namespace.
     *
     * @param namespace its name
     * @param preset the preset its objects are stored with, or {@code null} for the backend's default preset
     */
    void createNamespace(String namespace, String preset);

    /** Deletes a namespace and, in the background, its objects. */
    void deleteNamespace(String namespace);

    /** @return the names of all namespaces, in order */
    List<String> listNamespaces();

    /**
     * Stores an object.
     *
     * @param namespace the namespace
     * @param name the object's name
     * @param data the object's bytes (the remaining bytes of the buffer)
     * @param overwrite the condition on what the name holds now
     * @return what was stored
     * @throws io.albireo.api.AssertFailedException if {@code overwrite} does not hold; nothing changed
     */
    ObjectInfo put(String namespace, String name, ByteBuffer data, Overwrite overwrite);

    /**
     * Stores an object read from a stream, chunk by chunk: the whole object is never in memory.
     *
     * @param data the object's bytes, read to its end (not closed)
     * @return what was stored
     * @throws io.albireo.api.AssertFailedException if {@code overwrite} does not hold; nothing changed
     */
    ObjectInfo put(String namespace, String name, InputStream data, Overwrite overwrite);

    /**
     * Applies puts and deletes of several objects of one namespace atomically: all of them if every assert holds,
     * else none.
     *
     * @param asserts conditions on objects, checked together with the changes
     * @param changes the puts and deletes
     * @return what each put stored, in order (deletes give empty)
     * @throws io.albireo.api.AssertFailedException naming the first condition that did not hold; nothing changed
     */
    List<Optional<ObjectInfo>> apply(String namespace, List<ObjectAssert> asserts, List<ObjectChange> changes);

    /** @return the manifest of an object: where and how it is stored, if it exists */
    Optional<Manifest> manifest(String namespace, String name);

    /** @return the whole object, if it exists */
    Optional<ByteBuffer> get(String namespace, String name);

    /**
     * Opens an object to read it whole, piece by piece, from the version it is at now: only a piece or two is in
     * memory at a time, however large the object. The default reads it whole with {@link #get}.
     *
     * @return the object's stream, if it exists
     */
    default Optional<ObjectStream> open(String namespace, String name) {
        return get(namespace, name).map(ObjectStream::of);
    }

    /**
     * Reads byte ranges of objects, in one call.
     *
     * @param ranges the ranges to read
     * @return one buffer per range, in order
     * @throws io.albireo.api.StorageException if an object does not exist or a range lies past its end
     */
    List<ByteBuffer> read(List<ObjectRange> ranges);

    /** @return whether an object was deleted */
    boolean delete(String namespace, String name);

    /** @return what is stored under {@code name}, if anything */
    Optional<ObjectInfo> stat(String namespace, String name);

    /**
     * Lists object names in order.
     *
     * @param namespace the namespace
     * @param prefix only names that start with this
     * @param after only names after this one (exclusive), or {@code null} from the start
     * @param limit the most names to return
     * @return the page of names, and whether more follow
     */
    ObjectListing list(String namespace, String prefix, String after, int limit);

    /**
     * A byte range of one object.
     *
     * @param namespace the namespace
     * @param name the object
     * @param offset the first byte
     * @param length the number of bytes
     */
    record ObjectRange(String namespace, String name, long offset, int length) {
    }

    /**
     * A page of object names.
     *
     * @param names the names, in order
     * @param more whether more names follow
     */
    record ObjectListing(List<String> names, boolean more) {
        /** Copies the list. */
        public ObjectListing {
            names = List.copyOf(names);
        }
    }

    /** A condition on one object of an {@link #apply} sequence. */
    sealed interface ObjectAssert {
        /** @return the object's name */
        String name();

        /** @return that the object exists */
        static ObjectAssert exists(String name) {
            return new Exists(name);
        }

        /** @return that the object does not exist */
        static ObjectAssert absent(String name) {
            return new Absent(name);
        }

        /** @return that the object is this version */
        static ObjectAssert hasId(String name, String objectId) {
            return new HasId(name, objectId);
        }

        /** @return that the object's bytes have this checksum */
        static ObjectAssert hasChecksum(String name, Digest checksum) {
            return new HasChecksum(name, checksum);
        }

        /** @param name the object */
        record Exists(String name) implements ObjectAssert {
        }

        /** @param name the object */
        record Absent(String name) implements ObjectAssert {
        }

        /**
         * @param name the object
         * @param objectId the version it must be
         */
        record HasId(String name, String objectId) implements ObjectAssert {
        }

        /**
         * @param name the object
         * @param checksum the checksum its bytes must have
         */
        record HasChecksum(String name, Digest checksum) implements ObjectAssert {
        }
    }

    /** A put or delete of an {@link #apply} sequence. */
    sealed interface ObjectChange {
        /** @return the object's name */
        String name();

        /**
         * Store an object.
         *
         * @param name its name
         * @param data its bytes (the remaining bytes of the buffer)
         * @param overwrite the condition on what the name holds
         */
        record Put(String name, ByteBuffer data, Overwrite overwrite) implements ObjectChange {
            /** Checks the fields. */
            public Put {
                Objects.requireNonNull(name, "name");
                Objects.requireNonNull(data, "data");
                Objects.requireNonNull(overwrite, "overwrite");
            }
        }

        /**
         * Delete an object.
         *
         * @param name its name
         * @param overwrite the condition on what the name holds
         */
        record Delete(String name, Overwrite overwrite) implements ObjectChange {
            /** Checks the fields. */
            public Delete {
                Objects.requireNonNull(name, "name");
                Objects.requireNonNull(overwrite, "overwrite");
            }
        }
    }
}
