package io.albireo.nsm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.ManifestSamples;
import io.albireo.api.metadata.MetadataTransaction;
import io.albireo.api.metadata.NamespaceManager.Change;
import io.albireo.api.metadata.NamespaceManager.Delete;
import io.albireo.api.metadata.NamespaceManager.OsdStatistics;
import io.albireo.api.metadata.NamespaceManager.Put;
import io.albireo.api.object.Overwrite;

/** What {@code nsm.apply} writes, counted on an in-memory transaction. */
class ApplyOperationTest {
    /** A map with every put and delete counted per key. */
    private static final class CountingTx implements MetadataTransaction {
        final TreeMap<Bytes, Bytes> data = new TreeMap<>();
        final Map<Bytes, Integer> writes = new HashMap<>();
        final Map<Bytes, Integer> reads = new HashMap<>();

        @Override
        public Optional<Bytes> get(Bytes key) {
            reads.merge(key, 1, Integer::sum);
            return Optional.ofNullable(data.get(key));
        }

        @Override
        public List<Entry> range(KeyRange range, int limit, boolean reverse) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void put(Bytes key, Bytes value) {
            data.put(key, value);
            writes.merge(key, 1, Integer::sum);
        }

        @Override
        public void delete(Bytes key) {
            data.remove(key);
            writes.merge(key, 1, Integer::sum);
        }
    }

    private static Set<Integer> osds(List<Manifest> ms) {
        Set<Integer> osds = new HashSet<>();
        for (Manifest m : ms) {
            osds.addAll(ApplyOperation.fragmentsByOsd(m).keySet());
        }
        return osds;
    }

    @Test
    void aBatchWritesEachKeyOnceAndOneSegmentPerOsd() {
        SplittableRandom r = new SplittableRandom(5);
        List<Manifest> ms = new ArrayList<>();
        List<Change> puts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Manifest m = ManifestSamples.example(ManifestSamples.exampleName(i), r.nextLong());
            ms.add(m);
            puts.add(new Put(m, Overwrite.NONE));
        }
        CountingTx tx = new CountingTx();
        ApplyOperation op = new ApplyOperation();
        op.apply(tx, ApplyCodec.encodeArgument(1, puts));
        NsmKeys keys = new NsmKeys(1);
        assertTrue(tx.writes.values().stream().allMatch(n -> n == 1), "every key written once: " + tx.writes);
        assertEquals(50 + 50 + 2 * osds(ms).size() + 2 + 1, tx.writes.size(),
                "manifests, object index entries, segments, OSD statistics, counter, statistics, the index's marker");
        assertTrue(tx.writes.containsKey(keys.objectIndexComplete()), "the namespace's first apply");
        for (Manifest m : ms) {
            assertTrue(tx.writes.containsKey(keys.objectIndex(m.objectId())));
        }
        assertTrue(tx.writes.containsKey(keys.statistics()));
        assertTrue(tx.writes.containsKey(keys.segmentCounter()));
        for (int osd : osds(ms)) {
            assertEquals(1, tx.reads.get(keys.osdStatistics(osd)), "one read per OSD");
            assertTrue(tx.writes.containsKey(keys.osdStatistics(osd)));
        }

        // Deleting them all in one apply: each segment read once and deleted once; no new segment is taken.
        tx.writes.clear();
        tx.reads.clear();
        List<Change> deletes = ms.stream().map(m -> (Change) new Delete(m.name(), Overwrite.EXISTING)).toList();
        op.apply(tx, ApplyCodec.encodeArgument(1, deletes));
        assertTrue(tx.writes.values().stream().allMatch(n -> n == 1), "every key written once: " + tx.writes);
        assertEquals(50 + 50 + 2 * osds(ms).size() + 1, tx.writes.size(),
                "manifests, object index entries, segments, OSD statistics, statistics");
        assertTrue(tx.reads.entrySet().stream().filter(e -> e.getKey().startsWith(keys.osdStatistics()))
                .allMatch(e -> e.getValue() == 1), "one read per OSD: " + tx.reads);
        assertEquals(Set.of(keys.statistics(), keys.segmentCounter(), keys.objectIndexComplete()), tx.data.keySet(),
                "emptied OSDs keep no record, the deleted ids no index entry");
    }

    /** @return per OSD, what {@code ms} hold on it, simply counted */
    private static Map<Integer, OsdStatistics> counted(List<Manifest> ms) {
        Map<Integer, long[]> sums = new TreeMap<>();
        for (Manifest m : ms) {
            for (Manifest.Chunk c : m.chunks()) {
                for (Manifest.Fragment f : c.fragments()) {
                    if (f.written()) {
                        long[] s = sums.computeIfAbsent(f.osd(), o -> new long[2]);
                        s[0]++;
                        s[1] += c.fragmentLength();
                    }
                }
            }
        }
        Map<Integer, OsdStatistics> out = new TreeMap<>();
        sums.forEach((osd, s) -> out.put(osd, new OsdStatistics(s[0], s[1])));
        return out;
    }

    private static Map<Integer, OsdStatistics> stored(CountingTx tx, NsmKeys keys) {
        Map<Integer, OsdStatistics> out = new TreeMap<>();
        tx.data.forEach((k, v) -> {
            if (k.startsWith(keys.osdStatistics())) {
                out.put(keys.osd(k), OsdCounter.decode(v));
            }
        });
        return out;
    }

    /** An apply touching more OSDs than the per-apply table starts with (64 slots): it grows and loses nothing. */
    @Test
    void oneApplyCountsThousandsOfOsds() {
        SplittableRandom r = new SplittableRandom(9);
        List<Manifest> ms = new ArrayList<>();
        List<Change> puts = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Manifest m = ManifestSamples.random(r, "n" + i, 6);
            ms.add(m);
            puts.add(new Put(m, Overwrite.NONE));
        }
        CountingTx tx = new CountingTx();
        NsmKeys keys = new NsmKeys(1);
        new ApplyOperation().apply(tx, ApplyCodec.encodeArgument(1, puts));
        Map<Integer, OsdStatistics> want = counted(ms);
        assertTrue(want.size() > 1000, want.size() + " OSDs");
        assertEquals(want, stored(tx, keys));
        for (int osd : want.keySet()) {
            assertEquals(1, tx.writes.get(keys.osdStatistics(osd)), "written once");
        }
    }

    /**
     * A namespace written before the counts existed has none: deleting its objects must not fail the apply or make a
     * count negative. The counts clamp at 0 and the emptied OSD keeps no record.
     */
    @Test
    void objectsCountedBeforeTheCountsExistedClampAtZero() {
        SplittableRandom r = new SplittableRandom(3);
        Manifest old = ManifestSamples.example("old", r.nextLong());
        CountingTx tx = new CountingTx();
        NsmKeys keys = new NsmKeys(1);
        ApplyOperation op = new ApplyOperation();
        op.apply(tx, ApplyCodec.encodeArgument(1, List.of(new Put(old, Overwrite.NONE))));
        tx.data.keySet().removeIf(k -> k.startsWith(keys.osdStatistics())); // as written before this change
        Manifest fresh = ManifestSamples.example("new", r.nextLong());
        op.apply(tx, ApplyCodec.encodeArgument(1, List.of(new Put(fresh, Overwrite.NONE))));
        assertEquals(counted(List.of(fresh)), stored(tx, keys));
        op.apply(tx, ApplyCodec.encodeArgument(1, List.of(new Delete("old", Overwrite.EXISTING))));
        Map<Integer, OsdStatistics> left = stored(tx, keys);
        Map<Integer, OsdStatistics> freshOnly = counted(List.of(fresh));
        for (Map.Entry<Integer, OsdStatistics> e : left.entrySet()) {
            OsdStatistics f = freshOnly.get(e.getKey());
            assertTrue(f != null && e.getValue().fragments() <= f.fragments() && e.getValue().bytes() <= f.bytes(),
                    "a lower bound, never negative: OSD " + e.getKey());
        }
        op.apply(tx, ApplyCodec.encodeArgument(1, List.of(new Delete("new", Overwrite.EXISTING))));
        assertEquals(Map.of(), stored(tx, keys));
    }
}
