package io.albireo.maintenance.internal;

import static io.albireo.maintenance.internal.Fixtures.agent;
import static io.albireo.maintenance.internal.Fixtures.assertReadable;
import static io.albireo.maintenance.internal.Fixtures.await;
import static io.albireo.maintenance.internal.Fixtures.awaitIdle;
import static io.albireo.maintenance.internal.Fixtures.byNumber;
import static io.albireo.maintenance.internal.Fixtures.keys;
import static io.albireo.maintenance.internal.Fixtures.lose;
import static io.albireo.maintenance.internal.Fixtures.nsId;
import static io.albireo.maintenance.internal.Fixtures.number;
import static io.albireo.maintenance.internal.Fixtures.put;
import static io.albireo.maintenance.internal.Fixtures.random;
import static io.albireo.maintenance.internal.Fixtures.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.api.maintenance.MaintenanceStatus;
import io.albireo.api.maintenance.OsdHealth;
import io.albireo.api.maintenance.VerifyReport;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.WorkItem;
import io.albireo.api.object.Overwrite;
import io.albireo.maintenance.internal.Fixtures.Recorder;
import io.albireo.maintenance.internal.Fixtures.TestClock;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.proxy.internal.Backend;
import io.albireo.proxy.internal.FlakyOsd;

/**
 * An object that has fewer than k fragments of a chunk is reported lost, by name, and kept: its manifest and what is
 * left of its fragments are never deleted. An OSD that merely does not answer is no loss: nothing is deleted or
 * reported for it.
 */
class LostObjectTest {
    private static final String NS = "ns";

    @TempDir
    Path dir;

    private static void deleteFragment(Backend b, Manifest m, int chunk, int fragment) {
        byNumber(b).get(m.chunks().get(chunk).fragments().get(fragment).osd()).apply(List.of(), List.of(
                Update.delete(FragmentKeys.key(nsId(b, NS), m, chunk, fragment)))).join();
    }

    private static boolean present(Backend b, Manifest m, int chunk, int fragment) {
        Manifest.Fragment f = m.chunks().get(chunk).fragments().get(fragment);
        return present(b, f.osd(), FragmentKeys.key(nsId(b, NS), m, chunk, fragment));
    }

    private static boolean present(Backend b, int osd, Bytes key) {
        return keys(byNumber(b).get(osd), key).contains(key);
    }

    private static int indexOf(Backend b, int osd) {
        for (int i = 0; i < b.osds.size(); i++) {
            if (number(b, b.osds.get(i)) == osd) {
                return i;
            }
        }
        throw new AssertionError("no OSD " + osd);
    }

    /** @return every key of the namespace on every OSD, as "OSD:key" */
    private static Set<String> allKeys(Backend b) {
        Set<String> all = new TreeSet<>();
        byNumber(b).forEach((n, o) -> keys(o, FragmentKeys.namespacePrefix(nsId(b, NS))).forEach(k -> all.add(n + ":"
                + k)));
        return all;
    }

    @Test
    void anObjectWithFewerThanKFragmentsIsReportedByNameAndKeptWhileTheOthersAreRepaired() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            Map<String, byte[]> objects = put(b, NS, 12, 41);
            Manifest victim = b.nsm.get(NS, "o3").orElseThrow();
            // Chunk 0 loses three of its six fragments (m = 2): two deleted on live OSDs, one on an OSD that dies.
            deleteFragment(b, victim, 0, 1);
            deleteFragment(b, victim, 0, 2);
            int dead = lose(b, indexOf(b, victim.chunks().get(0).fragments().get(0).osd()));
            objects.remove("o3");
            TestClock clock = new TestClock();
            Recorder rec = new Recorder(b.abm);
            MaintenanceService m = agent(b, settings("a", 120_000, 0, false), clock, rec.abm, Map.of());
            try {
                awaitIdle(m, clock);
                await("the lost object reported", () -> !m.status().lost().isEmpty());
                MaintenanceStatus.LostObject lost = m.status().lost().get(0);
                assertEquals(1, m.status().lost().size(), "one object is lost: " + m.status().lost());
                assertEquals(NS, lost.namespace());
                assertEquals("o3", lost.name());
                assertEquals(victim.objectId(), lost.objectId());
                assertTrue(lost.why().contains("k = 4"), lost.why());
                assertEquals(1, rec.of(LostObjects.KIND).size(), "reported once: " + rec.of(LostObjects.KIND));
                assertEquals(victim, b.nsm.get(NS, "o3").orElseThrow(), "its manifest is kept as it was");
                for (int f = 3; f < 6; f++) {
                    assertTrue(present(b, victim, 0, f), "its fragment 0/" + f + " is kept");
                }
                assertTrue(present(b, victim, 0, 0), "and the dead OSD's copy was not touched");
                // The others were repaired.
                for (String name : objects.keySet()) {
                    Manifest man = b.nsm.get(NS, name).orElseThrow();
                    man.chunks().forEach(c -> c.fragments().forEach(f -> {
                        assertTrue(f.written(), name);
                        assertNotEquals(dead, f.osd(), name);
                    }));
                }
                assertReadable(b, NS, objects);
            } finally {
                m.close();
            }
        }
    }

    @Test
    void anOsdThatIsMerelyDownMakesNothingDeletedOrLost() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            Map<String, byte[]> objects = put(b, NS, 12, 42);
            Manifest victim = b.nsm.get(NS, "o3").orElseThrow();
            // Chunk 0 has three good fragments it can read, two absent, and one on an OSD that does not answer (but
            // is not dead): fewer than k now, but not lost.
            deleteFragment(b, victim, 0, 1);
            deleteFragment(b, victim, 0, 2);
            FlakyOsd silent = byNumber(b).get(victim.chunks().get(0).fragments().get(0).osd());
            int silentNumber = number(b, silent);
            silent.down(true);
            Set<String> before = allKeys(b);
            TestClock clock = new TestClock();
            Recorder rec = new Recorder(b.abm);
            MaintenanceService m = agent(b, settings("a", 120_000, 0, false), clock, rec.abm, Map.of());
            try {
                assertThrows(RuntimeException.class, () -> b.proxy.get(NS, "o3"), "o3 cannot be read for now");
                VerifyReport r = m.verify(NS, (done, total) -> { });
                assertEquals(2, r.missing(), "the two deleted fragments; the silent OSD's is not missing");
                assertEquals(0, r.corrupt());
                assertEquals(0, r.repaired());
                assertEquals(List.of(), r.lost());
                // The read queued repairs of the absent fragments: the agent tries them and puts them off.
                await("the repairs tried and put off", () -> {
                    List<WorkItem> items = b.abm.work(100).stream().filter(i -> i.kind().equals(FragmentJobs.REPAIR))
                            .toList();
                    return !items.isEmpty() && items.stream().allMatch(i -> i.leaseHolder().equals("a")
                            && i.leaseExpiresMillis() > clock.getAsLong() + 30_000);
                });
                await("the silent OSD suspect", () -> m.health(silentNumber).orElseThrow().state()
                        == OsdHealth.State.SUSPECT);
                assertEquals(before, allKeys(b), "nothing was deleted (or written)");
                assertEquals(victim, b.nsm.get(NS, "o3").orElseThrow());
                assertEquals(List.of(), m.status().lost());
                assertEquals(List.of(), rec.of(LostObjects.KIND), "nothing was reported lost");
                // It answers again: the object is whole again, as it was.
                silent.down(false);
                awaitIdle(m, clock);
                objects.forEach((name, data) -> assertEquals(ByteBuffer.wrap(data), b.proxy.get(NS, name)
                        .orElseThrow(), name));
                assertTrue(present(b, b.nsm.get(NS, "o3").orElseThrow(), 0, 1), "rebuilt");
                assertEquals(List.of(), rec.of(LostObjects.KIND));
            } finally {
                m.close();
            }
        }
    }

    @Test
    void aFragmentThatLandedLateIsKeptWhenItsObjectIsLost() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            Map<String, byte[]> objects = put(b, NS, 8, 43);
            // Writes to one OSD are held back: a put registers its manifest without that fragment.
            int slowIndex = 5;
            FlakyOsd slow = b.osds.get(slowIndex);
            int slowNumber = number(b, slow);
            CompletableFuture<Void> gate = new CompletableFuture<>();
            HookOsd held = new HookOsd(slow);
            held.onApply = (asserts, updates, real) -> gate.thenCompose(v -> real.apply(asserts, updates));
            FlakyOsd gated = new FlakyOsd(held);
            b.unbind(slow);
            b.bind(gated);
            Random r = new Random(44);
            Manifest x = null;
            int slot = -1;
            for (int i = 0; slot < 0; i++) {
                b.proxy.put(NS, "x" + i, ByteBuffer.wrap(random(r, 20_000)), Overwrite.UNCONDITIONAL);
                x = b.nsm.get(NS, "x" + i).orElseThrow();
                List<Manifest.Fragment> fs = x.chunks().get(0).fragments();
                for (int f = 0; f < fs.size(); f++) {
                    if (!fs.get(f).written()) {
                        slot = f;
                    }
                }
                assertTrue(i < 50, "a put placed a fragment on the slow OSD");
            }
            Manifest victim = x;
            int late = slot;
            // Of its other five: one on an OSD that dies, two deleted, two left. With the late one, three: lost.
            List<Integer> others = new java.util.ArrayList<>();
            for (int f = 0; f < 6; f++) {
                if (f != late) {
                    others.add(f);
                }
            }
            deleteFragment(b, victim, 0, others.get(1));
            deleteFragment(b, victim, 0, others.get(2));
            lose(b, indexOf(b, victim.chunks().get(0).fragments().get(others.get(0)).osd()));
            b.unbind(gated);
            b.bind(slow);
            gate.complete(null); // the late fragment lands; the proxy queues its rewrite
            Bytes lateKey = FragmentKeys.key(nsId(b, NS), victim.objectId(), 0, late, 0);
            await("the late fragment's rewrite queued", () -> b.abm.work(100).stream().anyMatch(i -> i.kind()
                    .equals(FragmentJobs.REWRITE) && i.payload().utf8().contains(victim.objectId())
                    && i.payload().utf8().contains("\"osd\":" + slowNumber)));
            assertTrue(present(b, slowNumber, lateKey), "the late fragment landed");
            TestClock clock = new TestClock();
            MaintenanceService m = agent(b, settings("a", 120_000, 0, false), clock, b.abm, Map.of());
            try {
                awaitIdle(m, clock);
                await("the lost object reported", () -> m.status().lost().stream().anyMatch(l -> l.name().equals(
                        victim.name())));
                assertTrue(present(b, slowNumber, lateKey), "the late fragment, good and the object's, is kept");
                assertTrue(present(b, victim, 0, others.get(3)) && present(b, victim, 0, others.get(4)),
                        "what is left of the object is kept");
                assertEquals(victim.objectId(), b.nsm.get(NS, victim.name()).orElseThrow().objectId());
                assertFalse(m.status().lost().stream().anyMatch(l -> !l.name().equals(victim.name())),
                        "only it is lost");
                assertReadable(b, NS, objects); // the others were repaired off the dead OSD
            } finally {
                m.close();
            }
        }
    }
}
