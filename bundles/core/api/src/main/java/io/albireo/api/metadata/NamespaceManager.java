package io.albireo.api.metadata;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import io.albireo.api.object.Overwrite;

/**
 * The namespace managers (NSM): per namespace, the manifests by object name, a reverse index of the fragments on each
 * OSD (so repair lists what a lost OSD held without scanning everything), an index of the object ids (so maintenance
 * tells the leftovers of a put that never registered from an object's fragments), the namespace's statistics and what
 * each OSD holds of it, all kept in one transaction. Namespaces are named as the {@link AlbaManager} knows them. Every
 * mutation runs as one named operation inside the {@link MetadataStore}. Implementations are thread-safe.
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

    /**
     * What an OSD holds of a namespace, kept in the same transaction as the manifests and the index: so that
     * maintenance knows how much a repair of a lost OSD has left (its progress and ETA) and when the OSD holds nothing
     * more, without walking {@link #fragmentsOn}. One read.
     * <p>
     * The counts began with this package's version 1.6.0 (pre-release): a namespace's fragments put before then are
     * not counted, so in such a namespace the figures are a lower bound (never negative) and zeros do not prove the
     * OSD empty; walk {@link #fragmentsOn} there.
     *
     * @param osd the OSD's number
     * @return its written fragments in the current manifests and their bytes; zeros if it holds none
     */
    OsdStatistics osdStatistics(String namespace, int osd);

    /**
     * {@link #osdStatistics(String, int)} of every OSD that holds fragments of the namespace, in one range read (one
     * key per such OSD): which OSDs a namespace is on, and how much.
     *
     * @return per OSD number, ascending, its figures; OSDs that hold nothing are left out
     */
    Map<Integer, OsdStatistics> osdStatistics(String namespace);

    // The object index: which name holds an object id (since this package's version 1.7.0)

    /**
     * Whether the object index of a namespace is complete: every manifest's object id is in it. True for a namespace
     * whose first mutation came after the index existed, and for one whose index was backfilled
     * ({@link #backfillObjectIndex}); false for one written before, until then. Only a complete index proves that an
     * object id is held by no manifest. One read.
     */
    boolean objectIndexComplete(String namespace);

    /**
     * What the object index says of these object ids: one multi-get, kept in the same transaction as the manifests.
     *
     * @return per object id that a manifest holds (or that was swept), its entry; ids of no manifest are left out
     *         (conclusive only when {@link #objectIndexComplete})
     */
    Map<String, ObjectIndexEntry> objectIndex(String namespace, Collection<String> objectIds);

    /**
     * @return the name whose manifest holds this object id, if the index knows it for sure (held by one name)
     */
    default Optional<String> nameOf(String namespace, String objectId) {
        ObjectIndexEntry e = objectIndex(namespace, List.of(objectId)).get(objectId);
        return e == null || e.swept() || e.names() != 1 || e.name().isEmpty() ? Optional.empty()
                : Optional.of(e.name());
    }

    /**
     * One page of the backfill of the object index of a namespace written before it: indexes the object ids of up to
     * {@code limit} manifests after {@code after}, each only if the manifest is still the one read (so puts and
     * deletes racing it, which keep the index themselves, stay right), and marks the index complete after the last
     * page. Idempotent: a page done twice (an agent resuming from an older checkpoint) changes nothing.
     *
     * @param after the cursor the previous page returned, or {@code null} from the start
     * @return the cursor to continue from, or {@code null} when the index is complete
     */
    String backfillObjectIndex(String namespace, String after, int limit);

    /**
     * Marks object ids that no manifest holds as swept, atomically with the check: from then on a put of a manifest
     * with one of them fails ({@link io.albireo.api.AssertFailedException}), so that the caller may delete their
     * fragments even if the put that wrote them is still on its way. Ids a manifest holds are left as they are.
     *
     * @return the ids that are swept now (marked by this call or before): only their fragments may be deleted
     * @throws IllegalStateException if the namespace's object index is not complete; nothing changed
     */
    Set<String> sweepObjectIds(String namespace, Collection<String> objectIds);

    /**
     * What the object index holds of one object id ({@link #objectIndex}).
     *
     * @param swept whether it was swept as a leftover: no manifest may hold it again
     * @param names how many names hold it (0 when swept; the proxy makes every id unique, so 1)
     * @param name the name that holds it, or "" when that is not known for sure (more than one did)
     */
    record ObjectIndexEntry(boolean swept, long names, String name) {
        /** Checks the fields. */
        public ObjectIndexEntry {
            Objects.requireNonNull(name, "name");
            if (names < 0 || swept && (names != 0 || !name.isEmpty()) || !swept && names == 0) {
                throw new IllegalArgumentException("object index entry: swept " + swept + ", " + names + " names");
            }
        }
    }

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

    /**
     * What one OSD holds of a namespace ({@link #osdStatistics(String, int)}).
     *
     * @param fragments its written fragments in the namespace's current manifests
     * @param bytes their bytes: per fragment, its chunk's fragment length
     */
    record OsdStatistics(long fragments, long bytes) {
        /** An OSD that holds nothing. */
        public static final OsdStatistics NONE = new OsdStatistics(0, 0);

        /** Checks the fields. */
        public OsdStatistics {
            if (fragments < 0 || bytes < 0) {
                throw new IllegalArgumentException("negative OSD statistics: " + fragments + " fragments, " + bytes
                        + " bytes");
            }
        }
    }
}
