package io.albireo.nsm.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import io.albireo.api.AlbireoName;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.MetadataOperation;
import io.albireo.api.metadata.MetadataTransaction;
import io.albireo.api.metadata.NamespaceManager.Change;
import io.albireo.api.metadata.NamespaceManager.Check;
import io.albireo.api.metadata.NamespaceManager.NamespaceStatistics;
import io.albireo.api.metadata.NamespaceManager.ObjectIndexEntry;
import io.albireo.api.metadata.NamespaceManager.OsdStatistics;
import io.albireo.api.metadata.NamespaceManager.Put;
import io.albireo.api.object.Overwrite;

/**
 * {@code nsm.apply}: every NSM mutation. Per change, in order: check the condition against what the name holds in
 * this transaction (so a later change sees an earlier one), set the version, write or delete the manifest, move the
 * reverse index from the old manifest's written fragments to the new one's (in segments: {@link Segment}), adjust the
 * statistics and what each OSD holds ({@link OsdCounter}); the statistics, the segment counter, each touched segment
 * and each touched OSD's counts are written once per apply. A failed condition throws {@link AssertFailedException}
 * and the store applies nothing. Deterministic: it reads only the transaction.
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
     * @param osdBytes per OSD in {@code osds} the bytes of its fragments
     * @param size a put's size, and {@code storedBytes} its stored bytes
     * @param rawId a put's object id as {@link Segment.Entry#rawId}
     * @param name the name's UTF-8 bytes
     * @param first whether this is the first change of its name in the apply (so no earlier one wrote its key)
     * @param indexKey a put's object index key ({@link NsmKeys#objectIndex}), else null
     */
    record Item(Change change, Bytes key, byte[] manifest, long versionSpan, int[] osds, long[][] pairs,
            long[] osdBytes, byte[] rawId, byte[] name, long size, long storedBytes, boolean first, Bytes indexKey) {
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
        Set<String> seen = new HashSet<>(Math.max(16, arg.changes().size() * 4 / 3 + 1));
        for (int i = 0; i < arg.changes().size(); i++) {
            Change change = arg.changes().get(i);
            boolean first = seen.add(change.name());
            Bytes key = keys.manifest(change.name());
            byte[] manifest = arg.manifests().get(i);
            byte[] name = change.name().getBytes(StandardCharsets.UTF_8);
            if (change instanceof Put put) {
                Manifest m = put.manifest();
                Fragments f = fragments(m);
                byte[] rawId = Segment.rawIdBytes(m.objectId());
                items.add(new Item(change, key, manifest, NsmKeys.versionSpan(manifest), f.osds(), f.pairs(),
                        f.bytes(), rawId, name, m.size(), m.storedBytes(), first, keys.objectIndex(m.objectId(),
                        rawId)));
            } else {
                items.add(new Item(change, key, null, 0, null, null, null, null, name, 0, 0, first, null));
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
        Optional<Bytes> statistics = tx.get(keys.statistics());
        if (statistics.isEmpty()) {
            // The namespace's first apply (every apply writes the statistics): every manifest it will ever hold is
            // indexed by object id as it is put, so its object index is complete from the start.
            tx.put(keys.objectIndexComplete(), ObjectIndex.marker(ObjectIndex.FROM_FIRST_APPLY));
        }
        NamespaceStatistics before = statistics.map(ApplyOperation::statistics).orElse(new NamespaceStatistics(0,
                0, 0));
        long objects = before.objects();
        long logical = before.logicalBytes();
        long stored = before.storedBytes();
        Segments segments = new Segments(tx, keys, arg.items().size());
        OsdDeltas osdDeltas = new OsdDeltas();
        List<ApplyCodec.Outcome> results = new ArrayList<>(arg.items().size());
        // Every name's first change reads what the store holds, all in one multi-get; a later change of the same
        // name reads its key again, to see what the earlier one wrote.
        // The object index keys of the puts' ids are read in the same multi-get.
        List<Bytes> firstKeys = new ArrayList<>(arg.items().size() * 2);
        int manifestKeys = 0;
        for (Item item : arg.items()) {
            if (item.first()) {
                firstKeys.add(item.key());
                manifestKeys++;
            }
        }
        Set<Bytes> indexKeys = new LinkedHashSet<>();
        for (Item item : arg.items()) {
            if (item.indexKey() != null) {
                indexKeys.add(item.indexKey());
            }
        }
        firstKeys.addAll(indexKeys);
        List<Optional<Bytes>> held = tx.get(firstKeys);
        Index index = new Index(tx, firstKeys.subList(manifestKeys, firstKeys.size()), held.subList(manifestKeys,
                held.size()));
        int next = 0;
        for (int i = 0; i < arg.items().size(); i++) {
            Item item = arg.items().get(i);
            Change change = item.change();
            Bytes key = item.key();
            Optional<Bytes> value = item.first() ? held.get(next++) : tx.get(key);
            Optional<NsmKeys.Stored> old = value.map(NsmKeys::stored);
            Optional<Manifest> previous = old.map(NsmKeys.Stored::manifest);
            if (!holds(change.overwrite(), previous)) {
                throw new AssertFailedException(i, key);
            }
            if (change instanceof Check) {
                results.add(new ApplyCodec.Deleted(null)); // a condition only: nothing written, nothing to report
                continue;
            }
            if (old.isPresent()) {
                // From the manifest as stored, so that the counts leave with exactly what came in: one grouping of a
                // few longs per overwritten or deleted manifest, which the segments need too.
                Fragments gone = fragments(previous.get());
                segments.remove(old.get().segment(), previous.get().name(), gone.osds());
                osdDeltas.add(gone.osds(), gone.pairs(), gone.bytes(), -1);
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
                    osdDeltas.add(item.osds(), item.pairs(), item.osdBytes(), 1);
                }
                // The object index: a new object id is one more name's (refused if it was swept: its fragments may
                // be gone), the old one is one name fewer's; an id kept is indexed if it was not (a manifest from
                // before the index).
                boolean sameId = old.isPresent() && old.get().manifest().objectId().equals(m.objectId());
                if (sameId) {
                    index.keep(item.indexKey(), m.name());
                } else {
                    if (old.isPresent()) {
                        index.release(keys.objectIndex(previous.get().objectId()), m.name());
                    }
                    index.acquire(i, item.indexKey(), m.name());
                }
                long span = item.versionSpan();
                tx.put(key, NsmKeys.storedValue(segment, item.manifest(), (int) (span >>> 32), (int) span, version));
                objects++;
                logical += item.size();
                stored += item.storedBytes();
                results.add(new ApplyCodec.Stored(version));
            } else {
                previous.ifPresent(p -> tx.delete(key));
                if (previous.isPresent()) {
                    index.release(keys.objectIndex(previous.get().objectId()), previous.get().name());
                }
                // The stored form as it is: re-encoding the manifest would give the same bytes, at a cost.
                results.add(new ApplyCodec.Deleted(value.map(NsmKeys::manifestForm).orElse(null)));
            }
        }
        segments.flush();
        osdDeltas.flush(tx, keys);
        tx.put(keys.statistics(), Bytes.adopt(ByteBuffer.allocate(24).putLong(objects).putLong(logical)
                .putLong(stored).array()));
        return ApplyCodec.encodeResult(results);
    }

    /**
     * The object index entries one apply touches: read once (a put's in the apply's multi-get, an old manifest's
     * when it leaves), and seen by the later changes of the apply as the earlier ones left them.
     */
    private static final class Index {
        private final MetadataTransaction tx;
        private final Map<Bytes, Optional<Bytes>> values = new HashMap<>();

        Index(MetadataTransaction tx, List<Bytes> keys, List<Optional<Bytes>> read) {
            this.tx = tx;
            for (int i = 0; i < keys.size(); i++) {
                values.put(keys.get(i), read.get(i));
            }
        }

        private Optional<ObjectIndexEntry> get(Bytes key) {
            return values.computeIfAbsent(key, tx::get).map(ObjectIndex::decode);
        }

        private void set(Bytes key, ObjectIndexEntry e) {
            Bytes v = ObjectIndex.encode(e);
            tx.put(key, v);
            values.put(key, Optional.of(v));
        }

        /** Change {@code change}, a put under {@code name}, brings this id: refused if it was swept. */
        void acquire(int change, Bytes key, String name) {
            Optional<ObjectIndexEntry> e = get(key);
            if (e.isEmpty()) {
                set(key, ObjectIndex.held(name));
            } else if (e.get().swept()) {
                throw new AssertFailedException(change, key);
            } else {
                // Another name holds it too: which one is left is no longer known for sure.
                set(key, new ObjectIndexEntry(false, e.get().names() + 1, ""));
            }
        }

        /** A put keeps this id: indexed if it was not. */
        void keep(Bytes key, String name) {
            if (get(key).isEmpty()) {
                set(key, ObjectIndex.held(name));
            }
        }

        /** The manifest of {@code name} with this id leaves. */
        void release(Bytes key, String name) {
            Optional<ObjectIndexEntry> e = get(key);
            if (e.isEmpty() || e.get().swept()) {
                return; // a manifest from before the index, not indexed yet
            }
            ObjectIndexEntry x = e.get();
            if (x.names() > 1) {
                set(key, new ObjectIndexEntry(false, x.names() - 1, x.name().equals(name) ? "" : x.name()));
            } else if (x.name().equals(name) || x.name().isEmpty()) {
                tx.delete(key);
                values.put(key, Optional.empty());
            }
            // else another name holds it, and this manifest was from before the index: the entry stays
        }
    }

    static boolean holds(Overwrite overwrite, Optional<Manifest> previous) {
        if (overwrite instanceof Overwrite.None) {
            return previous.isEmpty();
        } else if (overwrite instanceof Overwrite.Existing) {
            return previous.isPresent();
        } else if (overwrite instanceof Overwrite.Previous p) {
            return previous.isPresent() && previous.get().objectId().equals(p.objectId());
        } else if (overwrite instanceof Overwrite.Version v) {
            return previous.isPresent() && previous.get().objectId().equals(v.objectId())
                    && previous.get().version() == v.version();
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

    /**
     * {@link #fragmentsByOsd} as arrays, OSDs ascending: no boxing, no hashing; {@code bytes[g]} is the sum of the
     * fragment lengths of {@code pairs[g]}.
     */
    record Fragments(int[] osds, long[][] pairs, long[] bytes) {
    }

    static Fragments fragments(Manifest m) {
        int total = 0;
        for (Manifest.Chunk c : m.chunks()) {
            total += c.fragments().size();
        }
        // Each written fragment as OSD << 32 | its position in chunk order, sorted: grouped by OSD, pairs ascending
        // within a group. A manifest has tens of fragments, so the sort is an insertion sort of a few longs.
        long[] keyed = new long[total];
        long[] pairAt = new long[total];
        int n = 0;
        int at = 0;
        for (int c = 0; c < m.chunks().size(); c++) {
            List<Manifest.Fragment> fragments = m.chunks().get(c).fragments();
            for (int f = 0; f < fragments.size(); f++, at++) {
                int osd = fragments.get(f).osd();
                if (osd != Manifest.Fragment.NOT_WRITTEN) {
                    pairAt[at] = Segment.pair(c, f);
                    keyed[n++] = (long) osd << 32 | at;
                }
            }
        }
        Arrays.sort(keyed, 0, n);
        int groups = 0;
        for (int i = 0; i < n; i++) {
            if (i == 0 || (int) (keyed[i] >>> 32) != (int) (keyed[i - 1] >>> 32)) {
                groups++;
            }
        }
        int[] osds = new int[groups];
        long[][] pairs = new long[groups][];
        long[] bytes = new long[groups];
        for (int i = 0, g = 0; i < n; g++) {
            int osd = (int) (keyed[i] >>> 32);
            int end = i;
            while (end < n && (int) (keyed[end] >>> 32) == osd) {
                end++;
            }
            osds[g] = osd;
            pairs[g] = new long[end - i];
            for (int j = i; j < end; j++) {
                long pair = pairAt[(int) keyed[j]];
                pairs[g][j - i] = pair;
                bytes[g] += m.chunks().get((int) (pair >>> 32)).fragmentLength();
            }
            i = end;
        }
        return new Fragments(osds, pairs, bytes);
    }

    /**
     * The segments one apply touches. Stored segments (an object that keeps its segment, an overwritten or deleted
     * object's) are read at most once and written (or deleted, when emptied) once at the end. This apply's new
     * segment is not built per OSD as it goes: it is the set of items it indexes, by name, and {@link #flush} sorts
     * them once and writes every OSD's value from that one order. A batch thus writes one key per OSD and segment
     * rather than one per fragment, and sorts its names once rather than once per OSD.
     */
    private static final class Segments {
        private static final Comparator<Item> BY_NAME = Comparator.comparing(i -> i.change().name());

        private final MetadataTransaction tx;
        private final NsmKeys keys;
        // By OSD and segment id, not by key: a key per fragment's lookup would cost its bytes and their hash.
        private final Map<Ref, Segment> touched = new LinkedHashMap<>();
        /** What this apply's segment indexes: the items by name (one that is overwritten or deleted later leaves). */
        private final Map<String, Item> fresh;
        private long current;

        /** @param expected how many items this apply has: sizes its segment's map once */
        Segments(MetadataTransaction tx, NsmKeys keys, int expected) {
            this.tx = tx;
            this.keys = keys;
            this.fresh = new HashMap<>(Math.max(16, expected * 4 / 3 + 1));
        }

        /** @return this apply's segment id, taken from the counter on first use (deterministic: no clock) */
        long current() {
            if (current == 0) {
                Bytes counter = keys.segmentCounter();
                current = tx.get(counter).map(b -> u64s(b, 1, "segment counter").getLong()).orElse(0L) + 1;
                tx.put(counter, Bytes.adopt(ByteBuffer.allocate(8).putLong(current).array()));
            }
            return current;
        }

        private record Ref(int osd, long segment) {
        }

        private Segment stored(int osd, long segment) {
            return touched.computeIfAbsent(new Ref(osd, segment),
                    r -> tx.get(keys.segment(osd, segment)).map(Segment::decode).orElseGet(Segment::empty));
        }

        /** @param osds the OSDs of the manifest's written fragments ({@link #fragments}) */
        void remove(long segment, String name, int[] osds) {
            if (segment == 0) {
                return;
            }
            if (segment == current) {
                fresh.remove(name);
                return;
            }
            for (int osd : osds) {
                stored(osd, segment).remove(name);
            }
        }

        void add(long segment, String name, Item item) {
            if (segment == current) {
                fresh.put(name, item);
                return;
            }
            String id = ((Put) item.change()).manifest().objectId();
            for (int i = 0; i < item.osds().length; i++) {
                stored(item.osds()[i], segment).put(name, new Segment.Entry(id, item.pairs()[i], item.rawId(),
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
            if (fresh.isEmpty()) {
                return;
            }
            Item[] sorted = fresh.values().toArray(new Item[0]);
            Arrays.sort(sorted, BY_NAME);
            // An OSD's share of the batch is unknown here: start small, the encoders grow by doubling.
            int expected = Math.min(sorted.length, 64);
            Map<Integer, Segment.Encoder> byOsd = new HashMap<>();
            for (Item item : sorted) {
                String id = ((Put) item.change()).manifest().objectId();
                for (int i = 0; i < item.osds().length; i++) {
                    byOsd.computeIfAbsent(item.osds()[i], osd -> new Segment.Encoder(expected))
                            .add(item.name(), id, item.rawId(), item.pairs()[i]);
                }
            }
            for (Map.Entry<Integer, Segment.Encoder> e : byOsd.entrySet()) {
                tx.put(keys.segment(e.getKey(), current), e.getValue().finish());
            }
        }
    }

    /**
     * What an apply changes of each OSD's counts ({@link OsdCounter}): added up per OSD as the changes go, then per
     * OSD whose counts moved one read (all in one multi-get) and one write, or a delete when it holds nothing left.
     * An open-addressed table of ints: an apply of 1000 puts adds 20 groups each, and boxing OSD numbers into a
     * HashMap for that would cost more than the counting.
     */
    static final class OsdDeltas {
        private int[] osds = new int[64];
        private long[] fragments = new long[64];
        private long[] bytes = new long[64];
        private boolean[] used = new boolean[64];
        private int size;

        /**
         * Adds (sign 1) or takes away (sign -1) one manifest's written fragments, grouped by OSD as
         * {@link ApplyOperation#fragments} gives them.
         */
        void add(int[] groupOsds, long[][] groupPairs, long[] groupBytes, int sign) {
            for (int g = 0; g < groupOsds.length; g++) {
                int slot = slot(groupOsds[g]);
                fragments[slot] += sign * (long) groupPairs[g].length;
                bytes[slot] += sign * groupBytes[g];
            }
        }

        /** @return {@code osd}'s slot, taken if it had none */
        private int slot(int osd) {
            int mask = osds.length - 1;
            int i = mix(osd) & mask;
            while (used[i]) {
                if (osds[i] == osd) {
                    return i;
                }
                i = (i + 1) & mask;
            }
            if (2 * (size + 1) > osds.length) {
                grow();
                return slot(osd);
            }
            used[i] = true;
            osds[i] = osd;
            size++;
            return i;
        }

        private static int mix(int osd) {
            int h = osd * 0x9e3779b9;
            return h ^ h >>> 16;
        }

        private void grow() {
            int[] oldOsds = osds;
            long[] oldFragments = fragments;
            long[] oldBytes = bytes;
            boolean[] oldUsed = used;
            osds = new int[oldOsds.length * 2];
            fragments = new long[osds.length];
            bytes = new long[osds.length];
            used = new boolean[osds.length];
            size = 0;
            for (int i = 0; i < oldOsds.length; i++) {
                if (oldUsed[i]) {
                    int slot = slot(oldOsds[i]);
                    fragments[slot] = oldFragments[i];
                    bytes[slot] = oldBytes[i];
                }
            }
        }

        /**
         * Writes the counts of every OSD whose counts moved, in OSD order (deterministic; the store needs no order,
         * but a replica's log reads alike). An OSD whose changes cancel out (a repair that kept it, a put and a delete
         * of one object) is neither read nor written.
         */
        void flush(MetadataTransaction tx, NsmKeys keys) {
            int[] moved = new int[size];
            int n = 0;
            for (int i = 0; i < osds.length; i++) {
                if (used[i] && (fragments[i] != 0 || bytes[i] != 0)) {
                    moved[n++] = i;
                }
            }
            if (n == 0) {
                return;
            }
            int[] order = sortByOsd(moved, n);
            List<Bytes> counterKeys = new ArrayList<>(n);
            for (int slot : order) {
                counterKeys.add(keys.osdStatistics(osds[slot]));
            }
            List<Optional<Bytes>> held = tx.get(counterKeys);
            for (int j = 0; j < n; j++) {
                int slot = order[j];
                OsdStatistics was = held.get(j).map(OsdCounter::decode).orElse(OsdStatistics.NONE);
                // Below 0 is a bug, or fragments written before the counts existed leaving (docs/MANIFEST.md):
                // clamp rather than fail a put over a count.
                long f = Math.max(0, was.fragments() + fragments[slot]);
                long b = f == 0 ? 0 : Math.max(0, was.bytes() + bytes[slot]);
                if (f != 0) {
                    tx.put(counterKeys.get(j), OsdCounter.encode(new OsdStatistics(f, b)));
                } else if (held.get(j).isPresent()) {
                    tx.delete(counterKeys.get(j));
                }
            }
        }

        /** @return the first {@code n} slots of {@code slots} in ascending OSD order */
        private int[] sortByOsd(int[] slots, int n) {
            long[] keyed = new long[n];
            for (int j = 0; j < n; j++) {
                keyed[j] = (long) osds[slots[j]] << 32 | slots[j];
            }
            Arrays.sort(keyed);
            int[] order = new int[n];
            for (int j = 0; j < n; j++) {
                order[j] = (int) keyed[j];
            }
            return order;
        }
    }

    static NamespaceStatistics readStatistics(MetadataTransaction tx, NsmKeys keys) {
        return tx.get(keys.statistics()).map(ApplyOperation::statistics).orElse(new NamespaceStatistics(0, 0, 0));
    }

    static NamespaceStatistics statistics(Bytes value) {
        ByteBuffer b = u64s(value, 3, "statistics record");
        return new NamespaceStatistics(b.getLong(), b.getLong(), b.getLong());
    }

    /** @return a record of {@code n} u64s, checked for its length ({@link IntegrityException} if it is not that) */
    private static ByteBuffer u64s(Bytes value, int n, String what) {
        if (value.length() != 8 * n) {
            throw new IntegrityException("the namespace's " + what + " has " + value.length() + " bytes, not "
                    + 8 * n);
        }
        return value.asReadOnlyBuffer();
    }
}
