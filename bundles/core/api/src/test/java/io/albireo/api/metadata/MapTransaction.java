package io.albireo.api.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;

/**
 * A transaction over a sorted map: what an operation sees in the real store, minus atomicity. For tests that run a
 * {@link MetadataOperation} on its own and look at exactly what it wrote (in the test-jar).
 */
public final class MapTransaction implements MetadataTransaction {
    /** What the operations wrote: key to value. */
    public final TreeMap<Bytes, Bytes> map = new TreeMap<>();

    @Override
    public Optional<Bytes> get(Bytes key) {
        return Optional.ofNullable(map.get(key));
    }

    @Override
    public List<Entry> range(KeyRange range, int limit, boolean reverse) {
        List<Entry> out = new ArrayList<>();
        var view = range.end() == null ? map.tailMap(range.first(), true)
                : map.subMap(range.first(), true, range.end(), false);
        for (var e : reverse ? view.descendingMap().entrySet() : view.entrySet()) {
            if (out.size() == limit) {
                break;
            }
            out.add(new Entry(e.getKey(), e.getValue()));
        }
        return out;
    }

    @Override
    public void put(Bytes key, Bytes value) {
        map.put(key, value);
    }

    @Override
    public void delete(Bytes key) {
        map.remove(key);
    }
}
