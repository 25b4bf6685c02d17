package io.albireo.maintenance.internal;

import static io.albireo.maintenance.internal.Fixtures.agent;
import static io.albireo.maintenance.internal.Fixtures.await;
import static io.albireo.maintenance.internal.Fixtures.bytes;
import static io.albireo.maintenance.internal.Fixtures.hooks;
import static io.albireo.maintenance.internal.Fixtures.keysOf;
import static io.albireo.maintenance.internal.Fixtures.lose;
import static io.albireo.maintenance.internal.Fixtures.number;
import static io.albireo.maintenance.internal.Fixtures.random;
import static io.albireo.maintenance.internal.Fixtures.settings;
import static io.albireo.maintenance.internal.Fixtures.strays;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.WorkItem;
import io.albireo.api.object.Overwrite;
import io.albireo.maintenance.internal.Fixtures.TestClock;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.proxy.internal.Backend;

/**
 * An item two agents run (the first was too slow, its lease ran out, the second took it) takes effect once: one
 * repair commits, the other's leftovers are deleted, no fragment is left twice.
 */
class TakenTwiceTest {
    private static final String NS = "ns";

    @TempDir
    Path dir;

    @Test
    void aRepairItemTakenOverFromASlowAgentTakesEffectOnce() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            byte[] data = random(new Random(51), 60_000);
            b.proxy.put(NS, "n", ByteBuffer.wrap(data), Overwrite.UNCONDITIONAL);
            Manifest before = b.nsm.get(NS, "n").orElseThrow();
            int lostOsd = before.chunks().get(0).fragments().get(0).osd();
            int dead = -1;
            for (int i = 0; i < b.osds.size() && dead < 0; i++) {
                if (number(b, b.osds.get(i)) == lostOsd) {
                    dead = lose(b, i);
                }
            }
            Set<Integer> skip = Set.of(dead);
            // Agent a stalls in the middle of the repair: it has read the manifest and k fragments and rebuilt the
            // lost one, and its write of it does not come back.
            CountDownLatch stalled = new CountDownLatch(1);
            CountDownLatch goOn = new CountDownLatch(1);
            AtomicReference<Bytes> slowKey = new AtomicReference<>();
            Map<String, HookOsd> hooks = hooks(b);
            hooks.values().forEach(h -> h.onApply = (asserts, updates, real) -> {
                for (Update u : updates) {
                    if (!u.isDelete() && FragmentKeys.parse(u.key()).map(p -> p.objectId().equals(before.objectId())
                            && p.generation() != 0).orElse(false) && slowKey.compareAndSet(null, u.key())) {
                        stalled.countDown();
                        try {
                            goOn.await(Fixtures.WAIT_SECONDS, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
                return null;
            });
            MaintenanceService a = agent(b, settings("a", 3000, 0, false), System::currentTimeMillis, b.abm, hooks);
            // Agent b's clock runs 10 s ahead: to it, a's 3 s lease has run out although a renews it.
            TestClock ahead = new TestClock();
            ahead.advance(10_000);
            MaintenanceService other = agent(b, settings("b", 3000, 0, true), ahead, b.abm, Map.of());
            try {
                assertTrue(stalled.await(Fixtures.WAIT_SECONDS, TimeUnit.SECONDS), "agent a started the repair");
                List<WorkItem> held = b.abm.work(100).stream().filter(i -> i.kind().equals(OsdRepairJob.KIND)
                        && i.leaseHolder().equals("a")).toList();
                assertEquals(1, held.size(), "a holds the repair: " + b.abm.work(100));
                long id = held.get(0).id();
                other.resume();
                await("agent b to take the item over and finish it", () -> b.abm.workItem(id).isEmpty());
                Manifest repaired = b.nsm.get(NS, "n").orElseThrow();
                assertEquals(before.version() + 1, repaired.version(), "b's repair committed");
                goOn.countDown(); // a's write comes back now: its repair lost the race
                await("agent a to give up the item", () -> a.agent().running().isEmpty());
                Manifest after = b.nsm.get(NS, "n").orElseThrow();
                assertEquals(repaired, after, "a's repair did not commit over b's: the item took effect once");
                after.chunks().forEach(c -> c.fragments().forEach(f -> {
                    assertTrue(f.written());
                    assertNotEquals(lostOsd, f.osd());
                }));
                int width = after.policy().width() * after.chunks().size();
                assertEquals(width, keysOf(b, NS, before.objectId(), skip),
                        "no fragment is left twice: a deleted what it wrote");
                assertEquals(List.of(), strays(b, NS, skip));
                assertArrayEquals(data, bytes(b.proxy.get(NS, "n").orElseThrow()));
                assertEquals(List.of(), b.abm.work(100), "nothing is left to do");
            } finally {
                goOn.countDown();
                a.close();
                other.close();
            }
        }
    }
}
