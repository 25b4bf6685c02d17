package io.albireo.api.metadata;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.albireo.api.object.Overwrite;

/**
 * The namespace managers (NSM): per namespace, the manifests by object name, a reverse index of the fragments on each
 * OSD (so repair lists what a lost OSD held without scanning everything) and the namespace's statistics, all kept in
 * one transaction. Namespaces are named as the {@link AlbaManager} knows them. Every mutation runs as one named
 * operation inside the {@link MetadataStore}. Implementations are thread-safe.
 */
public interface NamespaceManager {

    /** @return the manifest stored under {@code name}, if any */
    Optional<Manifest> get(String namespace, String name);

    /**
     * Stores a manifest under its name if {@code overwrite} holds.
     *
     * @return the stored manifest, with its version set
     * @throws io.albireo.api.AssertFailedException if {@code overwrite} does not hold; nothing changed
     */
    Manifest put(String namespace, Manifest manifest, Overwrite overwrite);

    /**
     * Deletes the manifest under {@code name} if {@code overwrite} holds.
     *
     * @return the manifest deleted, or empty if there was none (and {@code overwrite} allowed that)
     * @throws io.albireo.api.AssertFailedException if {@code overwrite} does not hold; nothing changed
     */
    Optional<Manifest> delete(String namespace, String name, Overwrite overwrite);

    /**
     * Applies puts and deletes atomically: all of them if every condition holds, else none.
     *
     * @return per change, the manifest stored (for a put) or deleted (for a delete, empty if none); empty for a check
     * @throws io.albireo.api.AssertFailedException naming the first condition that did not hold; nothing changed
     */
    List<Optional<Manifest>> apply(String namespace, List<Change> changes);

    /**
     * Lists object names in order.
     *
     * @param prefix only names starting with this ("" for all)
     * @param after only names after this one, or {@code null} from the start
     * @param limit the most names to return
     */
    Listing list(String namespace, String prefix, String after, int limit);

    /**
     * Lists the fragments an OSD holds in a namespace, in order: what repair must rebuild when it is lost. Paging
     * never skips a fragment indexed all along, but may return one again (when {@code after}'s object was deleted
     * meanwhile, the listing starts over).
     *
     * @param osd the OSD's number
     * @param after continue after this one, or {@code null} from the start
     * @param limit the most to return
     */
    List<FragmentRef> fragmentsOn(String namespace, int osd, FragmentRef after, int limit);

    /** @return the namespace's statistics */
    NamespaceStatistics statistics(String namespace);

    /** One change of an {@link #apply} sequence. */
    sealed interface Change {
        /** @return the object name it changes */
        String name();

        /** @return the condition on what the name holds */
        Overwrite overwrite();
    }

    /**
     * Store a manifest.
     *
     * @param manifest the manifest, under its name
     * @param overwrite the condition
     */
    record Put(Manifest manifest, Overwrite overwrite) implements Change {
        /** Checks the fields. */
        public Put {
            Objects.requireNonNull(manifest, "manifest");
            Objects.requireNonNull(overwrite, "overwrite");
        }

        @Override
        public String name() {
            return manifest.name();
        }
    }

    /**
     * Delete a manifest.
     *
     * @param name the object name
     * @param overwrite the condition
     */
    record Delete(String name, Overwrite overwrite) implements Change {
        /** Checks the fields. */
        public Delete {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(overwrite, "overwrite");
        }
    }

    /**
     * A condition only: nothing is written. So that an apply can depend on an object it does not change (the proxy's
     * asserts) without rewriting its manifest, which would undo a repair committed meanwhile.
     *
     * @param name the object name
     * @param overwrite the condition on what it holds
     */
    record Check(String name, Overwrite overwrite) implements Change {
        /** Checks the fields. */
        public Check {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(overwrite, "overwrite");
        }
    }

    /**
     * A page of names.
     *
     * @param names the names, in order
     * @param more whether more follow
     */
    record Listing(List<String> names, boolean more) {
        /** Copies the list. */
        public Listing {
            names = List.copyOf(names);
        }
    }

    /**
     * One fragment held by an OSD.
     *
     * @param name the object's name
     * @param objectId the object version's id
     * @param chunk the chunk's index
     * @param fragment the fragment's index in its chunk
     */
    record FragmentRef(String name, String objectId, int chunk, int fragment) {
    }

    /**
     * What a namespace holds, kept in the same transaction as the manifests.
     *
     * @param objects the objects
     * @param logicalBytes the bytes of the objects
     * @param storedBytes the bytes of their fragments on the OSDs
     */
    record NamespaceStatistics(long objects, long logicalBytes, long storedBytes) {
    }
}
