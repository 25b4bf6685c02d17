package io.albireo.nsm.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.function.Function;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.MetadataException;
import io.albireo.api.metadata.MetadataStore;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.object.NamespaceNotFoundException;
import io.albireo.api.object.Overwrite;

/**
 * The namespace manager on one metadata store. Reads (get, list, fragmentsOn, statistics) go straight to the store;
 * every mutation is one {@code nsm.apply} ({@link ApplyOperation}), so it is atomic and replicable. Namespace names
 * are resolved through the ALBA manager on every call: a deleted namespace stops answering at once, and a new one of
 * the same name has another id, hence other keys.
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
}
