package io.albireo.nsm.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.service.component.annotations.Component;

import io.albireo.api.AlbireoName;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.MetadataOperation;
import io.albireo.api.metadata.MetadataTransaction;
import io.albireo.api.metadata.NamespaceManager.Change;
import io.albireo.api.metadata.NamespaceManager.NamespaceStatistics;
import io.albireo.api.metadata.NamespaceManager.Put;
import io.albireo.api.object.Overwrite;

/**
 * {@code nsm.apply}: every NSM mutation. Per change, in order: check the condition against what the name holds in
 * this transaction (so a later change sees an earlier one), set the version, write or delete the manifest, move the
 * reverse index from the old manifest's written fragments to the new one's (in segments: {@link Segment}), adjust the
 * statistics; the statistics, the segment counter and each touched segment are written once per apply. A failed
 * condition throws {@link AssertFailedException} and the store applies nothing. Deterministic: it reads only the
 * transaction.
 */
@Component
@AlbireoName(ApplyOperation.NAME)
public final class ApplyOperation implements MetadataOperation {
    /** The operation's name. */
    public static final String NAME = "nsm.apply";

    @Override
    public String name() {
        return NAME;
    }

    /**
     * One change, decoded with what can be computed from the argument alone.
     *
     * @param key the manifest key
     * @param manifest a put's manifest as sent (its stored form), else null
     * @param versionSpan where the version is in {@code manifest} ({@link NsmKeys#versionSpan})
     * @param osds the OSDs of a put's written fragments, else null
     * @param pairs per OSD in {@code osds} its fragments, as {@link #fragmentsByOsd} gives them
     * @param size a put's size, and {@code storedBytes} its stored bytes
     * @param rawId a put's object id as {@link Segment.Entry#rawId}
     * @param name the name's UTF-8 bytes
     */
    record Item(Change change, Bytes key, byte[] manifest, long versionSpan, int[] osds, long[][] pairs,
            byte[] rawId, byte[] name, long size, long storedBytes) {
    }

    /** The prepared argument: {@link #prepare}'s result. */
    record Prepared(long namespaceId, List<Item> items) {
    }

    /** Decodes the argument off the store's committer thread: a pure function of the argument. */
    @Override
    public Prepared prepare(Bytes argument) {
        ApplyCodec.Argument arg = ApplyCodec.decodeArgument(argument);
        NsmKeys keys = new NsmKeys(arg.namespaceId());
        List<Item> items = new ArrayList<>(arg.changes().size());
        for (int i = 0; i < arg.changes().size(); i++) {
            Change change = arg.changes().get(i);
            Bytes key = keys.manifest(change.name());
            byte[] manifest = arg.manifests().get(i);
            byte[] name = change.name().getBytes(StandardCharsets.UTF_8);
            if (change instanceof Put put) {
                Manifest m = put.manifest();
                Fragments f = fragments(m);
                items.add(new Item(change, key, manifest, NsmKeys.versionSpan(manifest), f.osds(), f.pairs(),
                        Segment.rawIdBytes(m.objectId()), name, m.size(), m.storedBytes()));
            } else {
                items.add(new Item(change, key, null, 0, null, null, null, name, 0, 0));
            }
        }
        return new Prepared(arg.namespaceId(), items);
    }

    @Override
    public Bytes apply(MetadataTransaction tx, Bytes argument) {
        return apply(tx, prepare(argument));
    }

    @Override
    public Bytes apply(MetadataTransaction tx, Object prepared) {
        Prepared arg = (Prepared) prepared;
        NsmKeys keys = new NsmKeys(arg.namespaceId());
        NamespaceStatistics before = readStatistics(tx, keys);
        long objects = before.objects();
        long logical = before.logicalBytes();
        long stored = before.storedBytes();
        Segments segments = new Segments(tx, keys, arg.items().size());
        List<ApplyCodec.Outcome> results = new ArrayList<>(arg.items().size());
        for (int i = 0; i < arg.items().size(); i++) {
            Item item = arg.items().get(i);
            Change change = item.change();
            Bytes key = item.key();
            Optional<NsmKeys.Stored> old = tx.get(key).map(NsmKeys::stored);
            Optional<Manifest> previous = old.map(NsmKeys.Stored::manifest);
            if (!holds(change.overwrite(), previous)) {
                throw new AssertFailedException(i, key);
            }
            if (old.isPresent()) {
                segments.remove(old.get().segment(), old.get().manifest());
                objects--;
                logical -= previous.get().size();
                stored -= previous.get().storedBytes();
            }
            if (change instanceof Put put) {
                Manifest m = put.manifest();
                long version = previous.map(Manifest::version).orElse(0L) + 1;
                long segment = 0;
                if (item.osds().length > 0) {
                    // The same object keeps its segment (a repair moving fragments), so that fragmentsOn resumes
                    // after it at the right place; a new object goes to this apply's segment.
                    boolean same = old.isPresent() && old.get().segment() != 0
                            && old.get().manifest().objectId().equals(m.objectId());
                    segment = same ? old.get().segment() : segments.current();
                    segments.add(segment, m.name(), item);
                }
                long span = item.versionSpan();
                tx.put(key, NsmKeys.storedValue(segment, item.manifest(), (int) (span >>> 32), (int) span, version));
                objects++;
                logical += item.size();
                stored += item.storedBytes();
                results.add(new ApplyCodec.Stored(version));
            } else {
                previous.ifPresent(p -> tx.delete(key));
                results.add(new ApplyCodec.Deleted(previous));
            }
        }
        segments.flush();
        tx.put(keys.statistics(), Bytes.adopt(ByteBuffer.allocate(24).putLong(objects).putLong(logical)
                .putLong(stored).array()));
        return ApplyCodec.encodeResult(results);
    }

    static boolean holds(Overwrite overwrite, Optional<Manifest> previous) {
        if (overwrite instanceof Overwrite.None) {
            return previous.isEmpty();
        } else if (overwrite instanceof Overwrite.Existing) {
            return previous.isPresent();
        } else if (overwrite instanceof Overwrite.Previous p) {
            return previous.isPresent() && previous.get().objectId().equals(p.objectId());
        }
        return true;
    }

    /** The OSDs and fragments of {@code m}'s written fragments: OSD -> ascending {@link Segment#pair}s. */
    static Map<Integer, long[]> fragmentsByOsd(Manifest m) {
        Fragments f = fragments(m);
        Map<Integer, long[]> byOsd = new LinkedHashMap<>();
        for (int i = 0; i < f.osds().length; i++) {
            byOsd.put(f.osds()[i], f.pairs()[i]);
        }
        return byOsd;
    }

    /** {@link #fragmentsByOsd} as arrays, OSDs in order of first appearance: no boxing, no hashing. */
    record Fragments(int[] osds, long[][] pairs) {
    }

    static Fragments fragments(Manifest m) {
        int total = 0;
        for (Manifest.Chunk c : m.chunks()) {
            total += c.fragments().size();
        }
        int[] osds = new int[total];
        int[] counts = new int[total];
        long[][] pairs = new long[total][];
        int n = 0;
        for (int c = 0; c < m.chunks().size(); c++) {
            List<Manifest.Fragment> fragments = m.chunks().get(c).fragments();
            for (int f = 0; f < fragments.size(); f++) {
                int osd = fragments.get(f).osd();
                if (osd == Manifest.Fragment.NOT_WRITTEN) {
                    continue;
                }
                // A manifest has tens of fragments: a linear search beats a hash map here.
                int i = 0;
                while (i < n && osds[i] != osd) {
                    i++;
                }
                if (i == n) {
                    osds[n] = osd;
                    pairs[n++] = new long[total];
                }
                pairs[i][counts[i]++] = Segment.pair(c, f);
            }
        }
        int[] o = Arrays.copyOf(osds, n);
        long[][] p = new long[n][];
        for (int i = 0; i < n; i++) {
            p[i] = Arrays.copyOf(pairs[i], counts[i]);
        }
        return new Fragments(o, p);
    }

    /**
     * The segments one apply touches, each read at most once and written (or deleted, when emptied) once at the end,
     * so a batch writes one key per OSD and segment rather than one per fragment.
     */
    private static final class Segments {
        private final MetadataTransaction tx;
        private final NsmKeys keys;
        // By OSD and segment id, not by key: a key per fragment's lookup would cost its bytes and their hash.
        private final Map<Ref, Segment> touched = new LinkedHashMap<>();
        private long current;

        private final int expected;

        /** @param expected how many entries this apply's new segments may get: sizes their maps once */
        Segments(MetadataTransaction tx, NsmKeys keys, int expected) {
            this.tx = tx;
            this.keys = keys;
            this.expected = expected;
        }

        /** @return this apply's segment id, taken from the counter on first use (deterministic: no clock) */
        long current() {
            if (current == 0) {
                Bytes counter = keys.segmentCounter();
                current = tx.get(counter).map(b -> b.asReadOnlyBuffer().getLong()).orElse(0L) + 1;
                tx.put(counter, Bytes.adopt(ByteBuffer.allocate(8).putLong(current).array()));
            }
            return current;
        }

        private record Ref(int osd, long segment) {
        }

        private Segment segment(int osd, long segment) {
            Ref ref = new Ref(osd, segment);
            Segment s = touched.get(ref);
            if (s == null) {
                Bytes key = keys.segment(osd, segment);
                // This apply's segment is new: nothing to read.
                s = segment == current ? Segment.empty(expected)
                        : tx.get(key).map(Segment::decode).orElseGet(Segment::empty);
                touched.put(ref, s);
            }
            return s;
        }

        void remove(long segment, Manifest m) {
            if (segment != 0) {
                for (int osd : fragmentsByOsd(m).keySet()) {
                    segment(osd, segment).remove(m.name());
                }
            }
        }

        void add(long segment, String name, Item item) {
            String id = ((Put) item.change()).manifest().objectId();
            for (int i = 0; i < item.osds().length; i++) {
                segment(item.osds()[i], segment).put(name, new Segment.Entry(id, item.pairs()[i], item.rawId(),
                        item.name()));
            }
        }

        void flush() {
            for (Map.Entry<Ref, Segment> e : touched.entrySet()) {
                Segment s = e.getValue();
                if (!s.dirty()) {
                    continue;
                }
                Bytes key = keys.segment(e.getKey().osd(), e.getKey().segment());
                if (!s.isEmpty()) {
                    tx.put(key, s.encode());
                } else if (s.stored()) {
                    tx.delete(key);
                }
            }
        }
    }

    static NamespaceStatistics readStatistics(MetadataTransaction tx, NsmKeys keys) {
        return tx.get(keys.statistics()).map(ApplyOperation::statistics).orElse(new NamespaceStatistics(0, 0, 0));
    }

    static NamespaceStatistics statistics(Bytes value) {
        ByteBuffer b = value.asReadOnlyBuffer();
        return new NamespaceStatistics(b.getLong(), b.getLong(), b.getLong());
    }
}
