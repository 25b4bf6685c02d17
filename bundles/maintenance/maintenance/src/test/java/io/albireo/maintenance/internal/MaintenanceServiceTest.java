package io.albireo.maintenance.internal;

import static io.albireo.maintenance.internal.Fixtures.agent;
import static io.albireo.maintenance.internal.Fixtures.assertReadable;
import static io.albireo.maintenance.internal.Fixtures.await;
import static io.albireo.maintenance.internal.Fixtures.fast;
import static io.albireo.maintenance.internal.Fixtures.lose;
import static io.albireo.maintenance.internal.Fixtures.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.AlbireoName;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.maintenance.MaintenanceStatus;
import io.albireo.api.maintenance.OsdHealth;
import io.albireo.api.maintenance.VerifyReport;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.WorkItem;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.proxy.internal.Backend;
import io.albireo.proxy.internal.FlakyOsd;

/**
 * Maintenance on the real stack in one process (the proxy's Backend: embedded store, ABM, NSM, ASD stores on one
 * node, real codecs, the proxy): lost OSDs repaired at the policy or a fallback, corrupt fragments found and rebuilt,
 * deleted namespaces swept, work shared by two agents.
 */
class MaintenanceServiceTest {
    private static final String NS = "ns";

    @TempDir
    Path dir;

    @Test
    void aDeadOsdIsRebuiltOntoTheOthersAtTheFullPolicy() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            Map<String, byte[]> objects = put(b, NS, 30, 1);
            int lost = lose(b, 3);
            assertTrue(b.nsm.osdStatistics(NS, lost).fragments() > 0, "the lost OSD held fragments");
            assertReadable(b, NS, objects); // at once, from the survivors
            MaintenanceService m = agent(b, fast("a"));
            try {
                await("the repair", () -> m.status().idle());
                for (String name : objects.keySet()) {
                    Manifest man = b.nsm.get(NS, name).orElseThrow();
                    assertEquals(new Policy(4, 2, 5, 6), man.policy(), name);
                    for (Manifest.Chunk c : man.chunks()) {
                        for (Manifest.Fragment f : c.fragments()) {
                            assertTrue(f.written(), name + " has every fragment");
                            assertNotEquals(lost, f.osd(), name + " has nothing on the lost OSD");
                        }
                    }
                }
                assertEquals(0, b.nsm.osdStatistics(NS, lost).fragments());
                assertEquals(OsdHealth.State.EMPTY, m.health(lost).orElseThrow().state());
                b.osds.get(3).down(false); // it would not matter: nothing reads it any more
                assertReadable(b, NS, objects);
            } finally {
                m.close();
            }
        }
    }

    @Test
    void onSixOsdsALostOneRewritesObjectsToTheBestFallback() throws Exception {
        try (Backend b = new Backend(dir, 6, 0)) {
            b.proxy.createNamespace(NS, null);
            Map<String, byte[]> objects = put(b, NS, 20, 2);
            int lost = lose(b, 0);
            MaintenanceService m = agent(b, fast("a"));
            try {
                await("the rewrite", () -> m.status().idle());
                for (String name : objects.keySet()) {
                    Manifest man = b.nsm.get(NS, name).orElseThrow();
                    assertEquals(new Policy(3, 2, 4, 5), man.policy(), name + " is at the best fallback");
                    man.chunks().forEach(c -> c.fragments().forEach(f -> assertNotEquals(lost, f.osd())));
                }
                assertReadable(b, NS, objects);

                // A new OSD makes six again: verification (and so the background scrub) raises every object back to
                // the preset's first policy.
                FlakyOsd fresh = RebalanceTest.claim(b, dir.resolve("asd-new"), "node-1");
                m.bindOsd(fresh, Map.of(AlbireoName.PROPERTY, fresh.identity().longId()));
                m.probeNow(); // the agent sees the claim at its next probe
                VerifyReport r = m.verify(NS, (done, total) -> { });
                assertEquals(objects.size(), r.repaired(), "every object was raised: " + r);
                for (String name : objects.keySet()) {
                    Manifest man = b.nsm.get(NS, name).orElseThrow();
                    assertEquals(new Policy(4, 2, 5, 6), man.policy(), name + " is back at the first policy");
                    man.chunks().forEach(c -> c.fragments().forEach(f -> assertTrue(f.written())));
                }
                assertReadable(b, NS, objects);
                assertEquals(0, m.verify(NS, (done, total) -> { }).repaired(), "nothing more to raise");
            } finally {
                m.close();
            }
        }
    }

    @Test
    void verifyFindsCorruptAndMissingFragmentsAndRebuildsThem() throws Exception {
        try (Backend b = new Backend(dir, 6, 0)) {
            b.proxy.createNamespace(NS, null);
            Map<String, byte[]> objects = put(b, NS, 10, 3);
            long nsId = b.abm.namespace(NS).orElseThrow().id();
            Map<Integer, FlakyOsd> byNumber = new HashMap<>();
            for (FlakyOsd o : b.osds) {
                byNumber.put(b.abm.osd(o.identity().longId()).orElseThrow().number(), o);
            }
            int damaged = 0;
            for (String name : List.of("o1", "o4", "o7")) {
                Manifest man = b.nsm.get(NS, name).orElseThrow();
                Manifest.Fragment f0 = man.chunks().get(0).fragments().get(0);
                Manifest.Fragment f5 = man.chunks().get(0).fragments().get(5);
                byte[] garbage = new byte[man.chunks().get(0).fragmentLength()];
                byNumber.get(f0.osd()).apply(List.of(), List.of(Update.set(FragmentKeys.key(nsId, man, 0, 0),
                        ByteBuffer.wrap(garbage)))).get();
                byNumber.get(f5.osd()).apply(List.of(), List.of(Update.delete(FragmentKeys.key(nsId, man, 0, 5))))
                        .get();
                damaged += 2;
            }
            MaintenanceService m = agent(b, fast("a"));
            try {
                m.pause(); // the verification alone, in this thread
                VerifyReport r = m.verify(NS, (done, total) -> { });
                assertEquals(10, r.objects());
                assertEquals(3, r.corrupt());
                assertEquals(3, r.missing());
                assertEquals(3, r.repaired());
                VerifyReport again = m.verify(NS, (done, total) -> { });
                assertEquals(0, again.corrupt() + again.missing(), "every bad fragment was rebuilt: " + damaged);
                assertReadable(b, NS, objects);
            } finally {
                m.close();
            }
        }
    }

    @Test
    void aDeletedNamespaceIsSweptOffEveryOsd() throws Exception {
        try (Backend b = new Backend(dir, 6, 0)) {
            b.proxy.createNamespace(NS, null);
            put(b, NS, 10, 4);
            b.proxy.createNamespace("kept", null);
            Map<String, byte[]> kept = put(b, "kept", 5, 5);
            long nsId = b.abm.namespace(NS).orElseThrow().id();
            b.proxy.deleteNamespace(NS);
            MaintenanceService m = agent(b, fast("a"));
            try {
                await("the sweep", () -> m.status().idle());
                for (FlakyOsd o : b.osds) {
                    assertTrue(o.range(KeyRange.prefix(FragmentKeys.namespacePrefix(nsId)), 10, false).get()
                            .entries().isEmpty(), "no fragment of the deleted namespace is left");
                }
                assertReadable(b, "kept", kept);
            } finally {
                m.close();
            }
        }
    }

    @Test
    void twoAgentsShareTheRepairAndOneFinishesWhatTheOtherLeft() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            Map<String, Map<String, byte[]>> all = new HashMap<>();
            for (int n = 0; n < 4; n++) {
                b.proxy.createNamespace("ns" + n, null);
                all.put("ns" + n, put(b, "ns" + n, 15, 10 + n));
            }
            int lost = lose(b, 5);
            MaintenanceService.Settings slow = new MaintenanceService.Settings(
                    new Agent.Settings("a", 2, 3000, 50, 200), TimeUnit.MINUTES.toMillis(15), 200, 256 << 10, false);
            MaintenanceService a = agent(b, slow);
            MaintenanceService other = agent(b, new MaintenanceService.Settings(
                    new Agent.Settings("b", 2, 3000, 50, 200), TimeUnit.MINUTES.toMillis(15), 200, 0, true));
            try {
                await("agent a to start", () -> m(a).jobs().stream().anyMatch(j -> j.done() > 0));
                a.close(); // mid-repair: its items go to b once their leases run out
                other.resume();
                await("agent b to finish", () -> other.status().idle());
                for (String ns : all.keySet()) {
                    assertEquals(0, b.nsm.osdStatistics(ns, lost).fragments(), ns);
                    assertReadable(b, ns, all.get(ns));
                }
            } finally {
                other.close();
            }
        }
    }

    @Test
    void aRepairCutOffByARestartResumesFromItsCheckpointAfterIt() throws Exception {
        Map<String, byte[]> objects;
        int lost;
        WorkItem queued;
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            objects = put(b, NS, 30, 7);
            lost = lose(b, 4);
            queued = repairItem(b).orElseThrow(() -> new AssertionError("no repair-osd item queued"));
            // 256 KiB/s, so that the appliance stops in the middle of the repair.
            MaintenanceService m = agent(b, new MaintenanceService.Settings(new Agent.Settings("a", 2, 3000, 50, 200),
                    TimeUnit.MINUTES.toMillis(15), 200, 256 << 10, false));
            try {
                await("the repair to store a checkpoint", () -> m.status().jobs().stream().anyMatch(j -> j.done() > 0)
                        && !repairItem(b).orElseThrow().payload().equals(queued.payload()));
            } finally {
                m.close();
            }
            assertTrue(b.nsm.osdStatistics(NS, lost).fragments() > 0, "the restart came before the repair ended");
        } // the appliance stops: agent, proxy, metadata and ASD stores closed
        try (Backend b = new Backend(dir, 7, 0)) {
            b.osds.get(4).down(true); // its disk is still dead
            WorkItem after = repairItem(b).orElseThrow(() -> new AssertionError("the repair item survives"));
            assertEquals(queued.id(), after.id());
            assertNotEquals(queued.payload(), after.payload(), "it carries the checkpoint");
            MaintenanceService m = agent(b, fast("a"));
            try {
                await("the repair", () -> m.status().idle());
                assertEquals(0, b.nsm.osdStatistics(NS, lost).fragments());
                for (String name : objects.keySet()) {
                    assertEquals(new Policy(4, 2, 5, 6), b.nsm.get(NS, name).orElseThrow().policy(), name);
                }
                assertReadable(b, NS, objects);
            } finally {
                m.close();
            }
        }
    }

    private static Optional<WorkItem> repairItem(Backend b) {
        return b.abm.work(100).stream().filter(w -> w.kind().equals("repair-osd")).findFirst();
    }

    private static MaintenanceStatus m(MaintenanceService s) {
        return s.status();
    }
}
