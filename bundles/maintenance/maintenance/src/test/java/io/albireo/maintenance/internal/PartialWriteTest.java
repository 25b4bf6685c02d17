package io.albireo.maintenance.internal;

import static io.albireo.maintenance.internal.Fixtures.agent;
import static io.albireo.maintenance.internal.Fixtures.assertReadable;
import static io.albireo.maintenance.internal.Fixtures.await;
import static io.albireo.maintenance.internal.Fixtures.awaitIdle;
import static io.albireo.maintenance.internal.Fixtures.manifests;
import static io.albireo.maintenance.internal.Fixtures.number;
import static io.albireo.maintenance.internal.Fixtures.put;
import static io.albireo.maintenance.internal.Fixtures.settings;
import static io.albireo.maintenance.internal.Fixtures.strays;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Policy;
import io.albireo.maintenance.internal.Fixtures.TestClock;
import io.albireo.proxy.internal.Backend;
import io.albireo.proxy.internal.FlakyOsd;

/**
 * A put acknowledged with fewer than k + m fragments (c = 5 of 6) is completed by the agent to full width: the missing
 * fragment rebuilt when it was never written, adopted as it is when it landed late.
 */
class PartialWriteTest {
    private static final String NS = "ns";

    @TempDir
    Path dir;

    /** @return per object, per chunk, the fragments its manifest says were not written */
    private static Map<String, Map<Integer, Integer>> unwritten(Backend b) {
        Map<String, Map<Integer, Integer>> out = new HashMap<>();
        manifests(b, NS).forEach((name, m) -> {
            for (int c = 0; c < m.chunks().size(); c++) {
                List<Manifest.Fragment> fs = m.chunks().get(c).fragments();
                for (int f = 0; f < fs.size(); f++) {
                    if (!fs.get(f).written()) {
                        out.computeIfAbsent(name, n -> new HashMap<>()).put(c, f);
                    }
                }
            }
        });
        return out;
    }

    private static long rewrites(Backend b) {
        return b.abm.work(1000).stream().filter(i -> i.kind().equals(FragmentJobs.REWRITE)).count();
    }

    @Test
    void aPutMadeWhileAnOsdWasDownIsCompletedToFullWidthOnceItIsBack() throws Exception {
        try (Backend b = new Backend(dir, 6, 0)) { // six OSDs: every put places a fragment on each
            b.proxy.createNamespace(NS, null);
            FlakyOsd down = b.osds.get(1);
            int n = number(b, down);
            down.down(true); // down, not dead: the puts go on with five of six
            Map<String, byte[]> objects = put(b, NS, 8, 71);
            down.down(false);
            Map<String, Map<Integer, Integer>> missing = unwritten(b);
            assertEquals(objects.keySet(), missing.keySet(), "every put left a fragment unwritten");
            int chunks = missing.values().stream().mapToInt(Map::size).sum();
            assertEquals(chunks, rewrites(b), "one rewrite-fragment item per chunk");
            TestClock clock = new TestClock();
            MaintenanceService m = agent(b, settings("a", 120_000, 0, false), clock, b.abm, Map.of());
            try {
                awaitIdle(m, clock);
                manifests(b, NS).forEach((name, man) -> {
                    assertEquals(new Policy(4, 2, 5, 6), man.policy(), name + " kept its policy");
                    missing.get(name).forEach((c, f) -> {
                        Manifest.Fragment now = man.chunks().get(c).fragments().get(f);
                        assertTrue(now.written(), name + " " + c + "/" + f + " was completed");
                        assertNotEquals(0, now.generation(), "rebuilt under a fresh generation");
                        assertEquals(n, now.osd(), "onto the one OSD of the six that had none of the chunk");
                    });
                    man.chunks().forEach(c -> c.fragments().forEach(f -> assertTrue(f.written(), name)));
                });
                assertEquals(List.of(), strays(b, NS, Set.of()), "exactly the fragments of the manifests are there");
                assertReadable(b, NS, objects);
            } finally {
                m.close();
            }
        }
    }

    @Test
    void aFragmentThatLandedAfterThePutIsAdoptedNotRebuilt() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            FlakyOsd slow = b.osds.get(3);
            int n = number(b, slow);
            CompletableFuture<Void> gate = new CompletableFuture<>();
            HookOsd held = new HookOsd(slow);
            held.onApply = (asserts, updates, real) -> gate.thenCompose(v -> real.apply(asserts, updates));
            FlakyOsd gated = new FlakyOsd(held);
            b.unbind(slow);
            b.bind(gated);
            Map<String, byte[]> objects = put(b, NS, 10, 72);
            Map<String, Map<Integer, Integer>> missing = unwritten(b);
            assertTrue(!missing.isEmpty(), "puts placed fragments on the slow OSD");
            int chunks = missing.values().stream().mapToInt(Map::size).sum();
            assertEquals(0, rewrites(b), "nothing is queued until the slow writes end");
            b.unbind(gated);
            b.bind(slow);
            gate.complete(null); // they land now
            await("the rewrites of the late fragments queued", () -> rewrites(b) == chunks);
            TestClock clock = new TestClock();
            MaintenanceService m = agent(b, settings("a", 120_000, 0, false), clock, b.abm, Map.of());
            try {
                awaitIdle(m, clock);
                manifests(b, NS).forEach((name, man) -> missing.getOrDefault(name, Map.of()).forEach((c, f) -> {
                    Manifest.Fragment now = man.chunks().get(c).fragments().get(f);
                    assertEquals(n, now.osd(), name + " " + c + "/" + f + " is where it landed");
                    assertEquals(0, now.generation(), "adopted under the put's own key, not rebuilt");
                }));
                manifests(b, NS).forEach((name, man) -> man.chunks().forEach(c -> c.fragments().forEach(f ->
                        assertTrue(f.written(), name))));
                assertEquals(List.of(), strays(b, NS, Set.of()), "one copy of each fragment, none missing");
                assertReadable(b, NS, objects);
            } finally {
                m.close();
            }
        }
    }
}
