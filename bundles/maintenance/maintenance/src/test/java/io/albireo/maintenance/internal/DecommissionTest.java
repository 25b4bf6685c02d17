package io.albireo.maintenance.internal;

import static io.albireo.maintenance.internal.Fixtures.agent;
import static io.albireo.maintenance.internal.Fixtures.assertReadable;
import static io.albireo.maintenance.internal.Fixtures.awaitIdle;
import static io.albireo.maintenance.internal.Fixtures.hooks;
import static io.albireo.maintenance.internal.Fixtures.keys;
import static io.albireo.maintenance.internal.Fixtures.manifests;
import static io.albireo.maintenance.internal.Fixtures.nsId;
import static io.albireo.maintenance.internal.Fixtures.number;
import static io.albireo.maintenance.internal.Fixtures.put;
import static io.albireo.maintenance.internal.Fixtures.settings;
import static io.albireo.maintenance.internal.Fixtures.strays;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.maintenance.OsdHealth;
import io.albireo.api.maintenance.VerifyReport;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Policy;
import io.albireo.maintenance.internal.Fixtures.TestClock;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.proxy.internal.Backend;
import io.albireo.proxy.internal.FlakyOsd;

/** Decommissioning an OSD drains it: its fragments are copied to the others, then deleted from it. */
class DecommissionTest {
    private static final String NS = "ns";

    @TempDir
    Path dir;

    private static void assertDrained(Backend b, Map<String, byte[]> objects, FlakyOsd leaving, int n,
            MaintenanceService m) {
        assertEquals(0, b.nsm.osdStatistics(NS, n).fragments(), "the NSM counts nothing on the drained OSD");
        assertEquals(List.of(), keys(leaving, FragmentKeys.namespacePrefix(nsId(b, NS))),
                "no fragment key is left on it");
        manifests(b, NS).forEach((name, man) -> {
            assertEquals(new Policy(4, 2, 5, 6), man.policy(), name + " kept its policy: six OSDs are left");
            for (Manifest.Chunk c : man.chunks()) {
                for (Manifest.Fragment f : c.fragments()) {
                    assertTrue(f.written(), name + " has every fragment");
                    assertNotEquals(n, f.osd(), name + " has nothing on the drained OSD");
                }
            }
        });
        assertEquals(OsdHealth.State.EMPTY, m.health(n).orElseThrow().state());
        assertEquals(List.of(), strays(b, NS, Set.of()), "every key is a current fragment, none is missing");
        assertReadable(b, NS, objects);
    }

    @Test
    void aDecommissionedOsdIsDrainedByCopyingItsFragmentsElsewhere() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            Map<String, byte[]> objects = put(b, NS, 30, 31);
            FlakyOsd leaving = b.osds.get(2);
            int n = number(b, leaving);
            long held = b.nsm.osdStatistics(NS, n).fragments();
            assertTrue(held > 0, "the OSD held fragments");
            b.abm.decommissionOsd(leaving.identity().longId());
            Map<String, HookOsd> hooks = hooks(b);
            TestClock clock = new TestClock();
            MaintenanceService m = agent(b, settings("a", 120_000, 0, false), clock, b.abm, hooks);
            try {
                awaitIdle(m, clock);
                // Copied, not rebuilt: each fragment was read from the leaving OSD, and none of the others was read
                // (a rebuild reads k of them per fragment).
                assertTrue(hooks.get(leaving.identity().longId()).keysRead.get() >= held,
                        "every fragment was read from the leaving OSD");
                hooks.forEach((id, h) -> {
                    if (h.real != leaving) {
                        assertEquals(0, h.keysRead.get(), "OSD " + id + " was not read: nothing was rebuilt");
                    }
                });
                assertDrained(b, objects, leaving, n, m);
                VerifyReport r = m.verify(NS, (done, total) -> { });
                assertEquals(0, r.missing() + r.corrupt(), "every fragment copied matches its checksum");
            } finally {
                m.close();
            }
        }
    }

    @Test
    void aDecommissionedOsdThatDoesNotAnswerIsRebuiltElsewhereAndFreedWhenItAnswers() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            Map<String, byte[]> objects = put(b, NS, 20, 32);
            FlakyOsd leaving = b.osds.get(4);
            int n = number(b, leaving);
            assertTrue(b.nsm.osdStatistics(NS, n).fragments() > 0, "the OSD held fragments");
            b.abm.decommissionOsd(leaving.identity().longId());
            leaving.down(true);
            TestClock clock = new TestClock();
            MaintenanceService m = agent(b, settings("a", 120_000, 0, false), clock, b.abm, Map.of());
            try {
                Fixtures.await("the fragments rebuilt elsewhere", () -> b.nsm.osdStatistics(NS, n).fragments() == 0,
                        m, clock);
                assertReadable(b, NS, objects);
                // Its old copies could not be deleted: they wait, as garbage, for it to answer.
                assertTrue(!keys(leaving, FragmentKeys.namespacePrefix(nsId(b, NS))).isEmpty());
                leaving.down(false);
                awaitIdle(m, clock);
                assertDrained(b, objects, leaving, n, m);
            } finally {
                m.close();
            }
        }
    }
}
