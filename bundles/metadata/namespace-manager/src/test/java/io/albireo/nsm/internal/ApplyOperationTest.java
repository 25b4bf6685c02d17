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
import io.albireo.api.metadata.NamespaceManager.Put;
import io.albireo.api.object.Overwrite;

/** What {@code nsm.apply} writes, counted on an in-memory transaction. */
class ApplyOperationTest {
    /** A map with every put and delete counted per key. */
    private static final class CountingTx implements MetadataTransaction {
        final TreeMap<Bytes, Bytes> data = new TreeMap<>();
        final Map<Bytes, Integer> writes = new HashMap<>();

        @Override
        public Optional<Bytes> get(Bytes key) {
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
        assertEquals(50 + osds(ms).size() + 2, tx.writes.size(), "manifests, segments, counter, statistics");
        assertTrue(tx.writes.containsKey(keys.statistics()));
        assertTrue(tx.writes.containsKey(keys.segmentCounter()));

        // Deleting them all in one apply: each segment read once and deleted once; no new segment is taken.
        tx.writes.clear();
        List<Change> deletes = ms.stream().map(m -> (Change) new Delete(m.name(), Overwrite.EXISTING)).toList();
        op.apply(tx, ApplyCodec.encodeArgument(1, deletes));
        assertTrue(tx.writes.values().stream().allMatch(n -> n == 1), "every key written once: " + tx.writes);
        assertEquals(50 + osds(ms).size() + 1, tx.writes.size(), "manifests, segments, statistics");
        assertEquals(Set.of(keys.statistics(), keys.segmentCounter()), tx.data.keySet());
    }
}
