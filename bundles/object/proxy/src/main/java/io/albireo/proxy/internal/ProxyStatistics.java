package io.albireo.proxy.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** The proxy's counters since it started, for proxy:stats. */
final class ProxyStatistics {
    final LongAdder puts = new LongAdder();
    final LongAdder putFailures = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder gets = new LongAdder();
    final LongAdder partialReads = new LongAdder();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder deletes = new LongAdder();
    final LongAdder manifestHits = new LongAdder();
    final LongAdder manifestMisses = new LongAdder();
    final LongAdder fragmentHits = new LongAdder();
    final LongAdder fragmentMisses = new LongAdder();
    final LongAdder staleManifests = new LongAdder();
    final LongAdder repairsQueued = new LongAdder();
    final LongAdder rewritesQueued = new LongAdder();
    final LongAdder garbageQueued = new LongAdder();

    /** @return every counter by name, in a fixed order */
    Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("puts", puts.sum());
        m.put("putFailures", putFailures.sum());
        m.put("bytesWritten", bytesWritten.sum());
        m.put("gets", gets.sum());
        m.put("partialReads", partialReads.sum());
        m.put("bytesRead", bytesRead.sum());
        m.put("deletes", deletes.sum());
        m.put("manifestCacheHits", manifestHits.sum());
        m.put("manifestCacheMisses", manifestMisses.sum());
        m.put("fragmentCacheHits", fragmentHits.sum());
        m.put("fragmentCacheMisses", fragmentMisses.sum());
        m.put("staleManifests", staleManifests.sum());
        m.put("repairsQueued", repairsQueued.sum());
        m.put("rewritesQueued", rewritesQueued.sum());
        m.put("garbageQueued", garbageQueued.sum());
        return m;
    }
}
