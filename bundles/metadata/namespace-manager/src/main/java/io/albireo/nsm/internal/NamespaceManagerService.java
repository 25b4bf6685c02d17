package io.albireo.nsm.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.albireo.api.Assert;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.MetadataException;
import io.albireo.api.metadata.MetadataStore;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.NamespaceManager.ObjectIndexEntry;
import io.albireo.api.object.NamespaceNotFoundException;
import io.albireo.api.object.Overwrite;

/**
 * The namespace manager on one metadata store. Reads (get, list, fragmentsOn, statistics, osdStatistics) go straight
 * to the store; every mutation is one {@code nsm.apply} ({@link ApplyOperation}), so it is atomic and replicable.
 * Namespace names are resolved through the ALBA manager on every call: a deleted namespace stops answering at once,
 * and a new one of the same name has another id, hence other keys. The object index's backfill and sweep write
 * through the store's conditional apply: each write asserts the values it was decided on (the manifest as read, the
 * index entry as read, the marker), so it is atomic and deterministic without an operation of its own.
 */
@Component(service = NamespaceManager.class)
public final class NamespaceManagerService implements NamespaceManager {
    private final MetadataStore store;
    private final Function<String, Optional<Namespace>> namespaces;

    /** The DS constructor. */
    @Activate
    public NamespaceManagerService(@Reference MetadataStore store, @Reference AlbaManager albaManager) {
        this(store, albaManager::namespace);
    }

    /** For tests, benchmarks and tools: namespaces resolved by {@code namespaces} instead of an ALBA manager. */
    public NamespaceManagerService(MetadataStore store, Function<String, Optional<Namespace>> namespaces) {
        this.store = store;
        this.namespaces = namespaces;
    }

    private NsmKeys keys(String namespace) {
        return new NsmKeys(id(namespace));
    }

    private long id(String namespace) {
        return namespaces.apply(namespace).orElseThrow(() -> NamespaceNotFoundException.of(namespace))
                .id();
    }

    @Override
    public Optional<Manifest> get(String namespace, String name) {
        return store.get(keys(namespace).manifest(name)).map(b -> NsmKeys.stored(b).manifest());
    }

    @Override
    public Manifest put(String namespace, Manifest manifest, Overwrite overwrite) {
        return apply(namespace, List.of(new Put(manifest, overwrite))).get(0).orElseThrow();
    }

    @Override
    public Optional<Manifest> delete(String namespace, String name, Overwrite overwrite) {
        return apply(namespace, List.of(new Delete(name, overwrite))).get(0);
    }

    @Override
    public List<Optional<Manifest>> apply(String namespace, List<Change> changes) {
        Bytes result = store.execute(ApplyOperation.NAME, ApplyCodec.encodeArgument(id(namespace), changes));
        return ApplyCodec.decodeResult(result, changes);
    }

    @Override
    public Listing list(String namespace, String prefix, String after, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("negative limit " + limit);
        }
        NsmKeys keys = keys(namespace);
        KeyRange all = KeyRange.prefix(keys.manifest(prefix));
        Bytes first = all.first();
        if (after != null) {
            // The first key after "after" is "after" followed by a zero byte.
            Bytes next = keys.manifest(after).concat(Bytes.of((byte) 0));
            if (next.compareTo(first) > 0) {
                first = next;
            }
        }
        if (all.end() != null && first.compareTo(all.end()) >= 0) {
            return new Listing(List.of(), false);
        }
        List<Entry> entries = store.range(new KeyRange(first, all.end()), limit + 1, false);
        List<String> names = new ArrayList<>(Math.min(entries.size(), limit));
        for (int i = 0; i < Math.min(entries.size(), limit); i++) {
            names.add(keys.name(entries.get(i).key()));
        }
        return new Listing(names, entries.size() > limit);
    }

    /**
     * The OSD's fragments in segment order, then by name, chunk and fragment. {@code after} is found again through
     * its object's manifest, which names its segment (an object keeps its segment while its object id stays). If that
     * object is gone or is another object now (deleted, or overwritten with a new id), the listing restarts from the
     * OSD's first segment: it may return fragments again, but never skips one that was indexed all along.
     */
    @Override
    public List<FragmentRef> fragmentsOn(String namespace, int osd, FragmentRef after, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("negative limit " + limit);
        }
        NsmKeys keys = keys(namespace);
        KeyRange all = KeyRange.prefix(keys.fragmentsOn(osd));
        Bytes first = all.first();
        long resume = -1;
        if (after != null) {
            Optional<NsmKeys.Stored> m = store.get(keys.manifest(after.name())).map(NsmKeys::stored);
            if (m.isPresent() && m.get().segment() != 0 && m.get().manifest().objectId().equals(after.objectId())) {
                resume = m.get().segment();
                first = keys.segment(osd, resume);
            }
        }
        List<FragmentRef> refs = new ArrayList<>(Math.min(limit, 1024));
        while (refs.size() < limit) {
            // A segment holds up to a batch's worth of entries: read a few at a time.
            List<Entry> segments = store.range(new KeyRange(first, all.end()), 4, false);
            for (Entry e : segments) {
                NavigableMap<String, Segment.Entry> entries = Segment.decode(e.value()).entries();
                boolean resuming = keys.segmentId(e.key()) == resume;
                if (resuming) {
                    entries = entries.tailMap(after.name(), true);
                }
                long skipTo = resuming ? Segment.pair(after.chunk(), after.fragment()) : -1;
                for (Map.Entry<String, Segment.Entry> x : entries.entrySet()) {
                    boolean same = resuming && x.getKey().equals(after.name());
                    for (long p : x.getValue().pairs()) {
                        if (same && p <= skipTo) {
                            continue;
                        }
                        if (refs.size() == limit) {
                            return refs;
                        }
                        refs.add(new FragmentRef(x.getKey(), x.getValue().objectId(), (int) (p >>> 32),
                                (int) p));
                    }
                }
            }
            if (segments.size() < 4) {
                break;
            }
            first = segments.get(segments.size() - 1).key().concat(Bytes.of((byte) 0));
        }
        return refs;
    }

    @Override
    public NamespaceStatistics statistics(String namespace) {
        return store.get(keys(namespace).statistics()).map(ApplyOperation::statistics)
                .orElse(new NamespaceStatistics(0, 0, 0));
    }

    @Override
    public OsdStatistics osdStatistics(String namespace, int osd) {
        return store.get(keys(namespace).osdStatistics(osd)).map(OsdCounter::decode).orElse(OsdStatistics.NONE);
    }

    @Override
    public Map<Integer, OsdStatistics> osdStatistics(String namespace) {
        NsmKeys keys = keys(namespace);
        KeyRange all = KeyRange.prefix(keys.osdStatistics());
        Map<Integer, OsdStatistics> byOsd = new TreeMap<>();
        Bytes first = all.first();
        while (true) {
            // One key per OSD the namespace is on: a cluster's worth in a page or a few.
            List<Entry> page = store.range(new KeyRange(first, all.end()), 1024, false);
            for (Entry e : page) {
                byOsd.put(keys.osd(e.key()), OsdCounter.decode(e.value()));
            }
            if (page.size() < 1024) {
                return Collections.unmodifiableMap(byOsd);
            }
            first = page.get(page.size() - 1).key().concat(Bytes.of((byte) 0));
        }
    }

    // The object index

    @Override
    public boolean objectIndexComplete(String namespace) {
        return store.get(keys(namespace).objectIndexComplete()).map(ObjectIndex::markerOrigin).isPresent();
    }

    @Override
    public Map<String, ObjectIndexEntry> objectIndex(String namespace, Collection<String> objectIds) {
        NsmKeys keys = keys(namespace);
        List<String> ids = List.copyOf(new LinkedHashSet<>(objectIds));
        List<Bytes> indexKeys = new ArrayList<>(ids.size());
        ids.forEach(id -> indexKeys.add(keys.objectIndex(id)));
        List<Optional<Bytes>> values = store.get(indexKeys);
        Map<String, ObjectIndexEntry> out = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            values.get(i).ifPresent(v -> out.put(id, ObjectIndex.decode(v)));
        }
        return out;
    }

    @Override
    public String backfillObjectIndex(String namespace, String after, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("backfill: a page of at least 1, not " + limit);
        }
        NsmKeys keys = keys(namespace);
        KeyRange all = KeyRange.prefix(keys.manifests());
        Bytes first = after == null ? all.first() : keys.manifest(after).concat(Bytes.of((byte) 0));
        List<Entry> page = store.range(new KeyRange(first, all.end()), limit, false);
        if (!page.isEmpty() && !indexPage(keys, page)) {
            for (Entry e : page) {
                indexOne(keys, e.key());
            }
        }
        if (page.size() == limit) {
            return keys.name(page.get(page.size() - 1).key());
        }
        if (store.get(keys.objectIndexComplete()).isEmpty()) {
            store.apply(List.of(), List.of(Update.set(keys.objectIndexComplete(),
                    ObjectIndex.marker(ObjectIndex.FROM_BACKFILL))));
        }
        return null;
    }

    /**
     * Indexes a page of manifests in one conditional apply: each write asserts the manifest and its index entry as
     * read. @return false if an assert failed (a put or delete raced it, or two manifests share an id): nothing
     * written
     */
    private boolean indexPage(NsmKeys keys, List<Entry> page) {
        List<Bytes> indexKeys = new ArrayList<>(page.size());
        List<String> names = new ArrayList<>(page.size());
        for (Entry e : page) {
            indexKeys.add(keys.objectIndex(NsmKeys.stored(e.value()).manifest().objectId()));
            names.add(keys.name(e.key()));
        }
        List<Optional<Bytes>> entries = store.get(indexKeys);
        List<Assert> asserts = new ArrayList<>();
        List<Update> updates = new ArrayList<>();
        Set<Bytes> seen = new java.util.HashSet<>();
        for (int i = 0; i < page.size(); i++) {
            if (!seen.add(indexKeys.get(i))) {
                return false; // two manifests of one id in the page: one at a time
            }
            Optional<Bytes> next = indexed(entries.get(i), names.get(i));
            if (next.isPresent()) {
                Bytes indexKey = indexKeys.get(i);
                asserts.add(Assert.value(page.get(i).key(), page.get(i).value()));
                asserts.add(entries.get(i).map(v -> Assert.value(indexKey, v)).orElseGet(() -> Assert.absent(
                        indexKey)));
                updates.add(Update.set(indexKeys.get(i), next.get()));
            }
        }
        if (updates.isEmpty()) {
            return true;
        }
        try {
            store.apply(asserts, updates);
            return true;
        } catch (AssertFailedException e) {
            return false;
        }
    }

    /** Indexes one manifest, read again, until its write's asserts hold or it is gone. */
    private void indexOne(NsmKeys keys, Bytes manifestKey) {
        while (true) {
            Optional<Bytes> value = store.get(manifestKey);
            if (value.isEmpty()) {
                return; // deleted since: its delete kept the index
            }
            Bytes indexKey = keys.objectIndex(NsmKeys.stored(value.get()).manifest().objectId());
            Optional<Bytes> entry = store.get(indexKey);
            Optional<Bytes> next = indexed(entry, keys.name(manifestKey));
            if (next.isEmpty()) {
                return;
            }
            try {
                store.apply(List.of(Assert.value(manifestKey, value.get()), entry.map(v -> Assert.value(indexKey, v))
                        .orElseGet(() -> Assert.absent(indexKey))), List.of(Update.set(indexKey, next.get())));
                return;
            } catch (AssertFailedException e) {
                // raced: read both again
            }
        }
    }

    /**
     * @return the index entry to write for a manifest of {@code name} holding the id whose entry is {@code entry},
     *         or empty if it is indexed already
     */
    private static Optional<Bytes> indexed(Optional<Bytes> entry, String name) {
        if (entry.isEmpty()) {
            return Optional.of(ObjectIndex.encode(ObjectIndex.held(name)));
        }
        ObjectIndexEntry e = ObjectIndex.decode(entry.get());
        if (e.swept() || e.names() == 1 && e.name().equals(name)) {
            return Optional.empty(); // a swept id is never a manifest's (puts of it are refused); or indexed
        }
        // Another name holds it too, or some did: whether this one is counted is unknown, so count it (more names
        // than there are keeps the entry, and every fragment of the id, longer: never the other way).
        return Optional.of(ObjectIndex.encode(new ObjectIndexEntry(false, e.names() + 1, "")));
    }

    @Override
    public Set<String> sweepObjectIds(String namespace, Collection<String> objectIds) {
        NsmKeys keys = keys(namespace);
        Bytes markerKey = keys.objectIndexComplete();
        Optional<Bytes> marker = store.get(markerKey);
        if (marker.isEmpty()) {
            throw new IllegalStateException("the object index of namespace " + namespace + " is not complete: no"
                    + " object id can be swept");
        }
        ObjectIndex.markerOrigin(marker.get());
        List<String> ids = List.copyOf(new LinkedHashSet<>(objectIds));
        List<Bytes> indexKeys = new ArrayList<>(ids.size());
        ids.forEach(id -> indexKeys.add(keys.objectIndex(id)));
        List<Optional<Bytes>> entries = store.get(indexKeys);
        Set<String> swept = new LinkedHashSet<>();
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            if (entries.get(i).isEmpty()) {
                candidates.add(i);
            } else if (ObjectIndex.decode(entries.get(i).get()).swept()) {
                swept.add(ids.get(i));
            }
        }
        Bytes tombstone = ObjectIndex.encode(ObjectIndex.swept());
        while (!candidates.isEmpty()) {
            List<Assert> asserts = new ArrayList<>(candidates.size() + 1);
            List<Update> updates = new ArrayList<>(candidates.size());
            asserts.add(Assert.value(markerKey, marker.get()));
            for (int i : candidates) {
                asserts.add(Assert.absent(indexKeys.get(i)));
                updates.add(Update.set(indexKeys.get(i), tombstone));
            }
            try {
                store.apply(asserts, updates);
                for (int i : candidates) {
                    swept.add(ids.get(i));
                }
                break;
            } catch (AssertFailedException e) {
                // A put registered one meanwhile (it is an object's now), or another sweep swept one: read them all
                // again, keep those still held by none.
                if (!store.get(markerKey).equals(marker)) {
                    throw new IllegalStateException("the object index marker of namespace " + namespace
                            + " changed", e);
                }
                List<Bytes> again = new ArrayList<>(candidates.size());
                for (int i : candidates) {
                    again.add(indexKeys.get(i));
                }
                List<Optional<Bytes>> now = store.get(again);
                List<Integer> still = new ArrayList<>(candidates.size());
                for (int j = 0; j < candidates.size(); j++) {
                    int i = candidates.get(j);
                    if (now.get(j).isEmpty()) {
                        still.add(i);
                    } else if (ObjectIndex.decode(now.get(j).get()).swept()) {
                        swept.add(ids.get(i));
                    }
                }
                candidates = still;
            }
        }
        return Collections.unmodifiableSet(swept);
    }
}
