package io.albireo.maintenance.internal;

import static io.albireo.maintenance.internal.Fixtures.agent;
import static io.albireo.maintenance.internal.Fixtures.awaitIdle;
import static io.albireo.maintenance.internal.Fixtures.byNumber;
import static io.albireo.maintenance.internal.Fixtures.bytes;
import static io.albireo.maintenance.internal.Fixtures.hooks;
import static io.albireo.maintenance.internal.Fixtures.keys;
import static io.albireo.maintenance.internal.Fixtures.nsId;
import static io.albireo.maintenance.internal.Fixtures.random;
import static io.albireo.maintenance.internal.Fixtures.settings;
import static io.albireo.maintenance.internal.Fixtures.strays;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
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
import io.albireo.proxy.internal.FlakyOsd;

/** {@code delete-fragments} racing puts that reuse the name: GC never deletes a fragment a current manifest has. */
class GarbageRaceTest {
    private static final String NS = "ns";

    @TempDir
    Path dir;

    private static Manifest put(Backend b, String name, byte[] data) {
        b.proxy.put(NS, name, ByteBuffer.wrap(data), Overwrite.UNCONDITIONAL);
        return b.nsm.get(NS, name).orElseThrow();
    }

    private static boolean on(Manifest m, int osd) {
        return m.chunks().stream().anyMatch(c -> c.fragments().stream().anyMatch(f -> f.osd() == osd));
    }

    @Test
    void garbageOfAReplacedObjectIsCollectedWhilePutsReuseTheName() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            Random r = new Random(61);
            Manifest first = put(b, "n", random(r, 40_000));
            int g = first.chunks().get(0).fragments().get(0).osd();
            FlakyOsd flaky = byNumber(b).get(g);
            Bytes firstKey = FragmentKeys.key(nsId(b, NS), first, 0, 0);
            // Replaced while OSD g does not answer: the proxy cannot delete the old fragment there, and queues it.
            flaky.down(true);
            put(b, "n", random(r, 40_000));
            flaky.down(false);
            List<WorkItem> garbage = b.abm.work(100).stream().filter(i -> i.kind().equals(GarbageJob.KIND)).toList();
            assertEquals(1, garbage.size(), "the old fragment on g is queued as garbage: " + b.abm.work(100));
            assertTrue(garbage.get(0).payload().utf8().contains("\"name\":\"n\""), "with its object's name");
            // The name is put again, onto g too, before the item runs...
            Manifest third;
            do {
                third = put(b, "n", random(r, 40_000));
            } while (!on(third, g));
            // ...and again while the agent deletes the garbage on g.
            byte[] lastData = random(r, 40_000);
            AtomicBoolean raced = new AtomicBoolean();
            AtomicReference<Manifest> fourth = new AtomicReference<>();
            Map<String, HookOsd> hooks = hooks(b);
            hooks.get(flaky.identity().longId()).onApply = (asserts, updates, real) -> {
                if (updates.stream().anyMatch(u -> u.isDelete() && u.key().equals(firstKey))
                        && raced.compareAndSet(false, true)) {
                    fourth.set(put(b, "n", lastData));
                }
                return null;
            };
            TestClock clock = new TestClock();
            MaintenanceService m = agent(b, settings("a", 120_000, 0, false), clock, b.abm, hooks);
            try {
                awaitIdle(m, clock);
                assertTrue(raced.get(), "a put reused the name while the garbage was deleted");
                assertFalse(keys(flaky, firstKey).contains(firstKey), "the garbage is gone");
                assertEquals(fourth.get(), b.nsm.get(NS, "n").orElseThrow());
                assertArrayEquals(lastData, bytes(b.proxy.get(NS, "n").orElseThrow()));
                assertEquals(List.of(), strays(b, NS, Set.of()), "every current fragment is there, nothing else");
            } finally {
                m.close();
            }
        }
    }

    @Test
    void aDeleteFragmentsItemNeverDeletesAFragmentOfTheCurrentManifest() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            Random r = new Random(62);
            put(b, "n", random(r, 40_000));
            byte[] data = random(r, 40_000);
            Manifest current = put(b, "n", data); // the name reused
            // An item that lists the current object's fragments among real leftovers: what a proxy that misjudged
            // its put's registration as failed would queue. The leftovers go; the current fragments stay.
            long ns = nsId(b, NS);
            Map<Integer, FlakyOsd> osds = byNumber(b);
            for (int f = 0; f < current.policy().width(); f++) {
                int osd = current.chunks().get(0).fragments().get(f).osd();
                Bytes leftover = FragmentKeys.key(ns, "0123456789abcdef0123456789abcdef", 0, f, 0);
                osds.get(osd).apply(List.of(), List.of(Update.set(leftover, Bytes.utf8("old")))).join();
                b.abm.queueWork(GarbageJob.KIND, GarbageJob.payload(osd, "n", List.of(FragmentKeys.key(ns, current,
                        0, f), leftover)));
            }
            TestClock clock = new TestClock();
            MaintenanceService m = agent(b, settings("a", 120_000, 0, false), clock, b.abm, Map.of());
            try {
                awaitIdle(m, clock);
                assertEquals(List.of(), strays(b, NS, Set.of()),
                        "the leftovers are deleted and every fragment of the current manifest is kept");
                assertArrayEquals(data, bytes(b.proxy.get(NS, "n").orElseThrow()));
            } finally {
                m.close();
            }
        }
    }
}
