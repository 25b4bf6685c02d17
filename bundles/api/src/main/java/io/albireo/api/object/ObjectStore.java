package io.albireo.api.object;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

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

    /** @return the whole object, if it exists */
    Optional<ByteBuffer> get(String namespace, String name);

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
}
