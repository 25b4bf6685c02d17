package io.albireo.maintenance.internal;

import static io.albireo.maintenance.internal.Fixtures.agent;
import static io.albireo.maintenance.internal.Fixtures.assertReadable;
import static io.albireo.maintenance.internal.Fixtures.await;
import static io.albireo.maintenance.internal.Fixtures.awaitIdle;
import static io.albireo.maintenance.internal.Fixtures.byNumber;
import static io.albireo.maintenance.internal.Fixtures.bytes;
import static io.albireo.maintenance.internal.Fixtures.fast;
import static io.albireo.maintenance.internal.Fixtures.keys;
import static io.albireo.maintenance.internal.Fixtures.keysOf;
import static io.albireo.maintenance.internal.Fixtures.nsId;
import static io.albireo.maintenance.internal.Fixtures.put;
import static io.albireo.maintenance.internal.Fixtures.strays;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.WorkItem;
import io.albireo.api.object.Overwrite;
import io.albireo.maintenance.internal.Fixtures.TestClock;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.proxy.internal.Backend;
import io.albireo.proxy.internal.FlakyOsd;

/**
 * The sweep for leftovers of puts whose proxy died before registering them (and of repairs that died before
 * committing), on the real stack: candidates wait the grace, are checked again, and only then go.
 */
class LeftoverSweepTest {
    private static final String NS = "ns";
    private static final long GRACE = TimeUnit.HOURS.toMillis(1);

    @TempDir
    Path dir;

    private static long count(Backend b, String kind) {
        return b.abm.work(10_000).stream().map(WorkItem::kind).filter(kind::equals).count();
    }

    /** Writes a fragment key straight to the OSD: what a put or a repair leaves when its process dies. */
    private static void write(FlakyOsd osd, Bytes key) {
        osd.real().apply(List.of(), List.of(Update.set(key, Bytes.utf8("leftover")))).join();
    }

    private static boolean present(FlakyOsd osd, Bytes key, long nsId) {
        return keys(osd, FragmentKeys.namespacePrefix(nsId)).contains(key);
    }

    /** A put whose fragments landed and whose manifest the NSM never got: its manifest, as it would have been. */
    private static Manifest crashedPut(Backend b, String name, byte[] data) throws InterruptedException {
        b.proxy.put(NS, name, ByteBuffer.wrap(data), Overwrite.NONE);
        Manifest m = b.nsm.get(NS, name).orElseThrow();
        b.nsm.delete(NS, name, Overwrite.UNCONDITIONAL); // the NSM forgets it; its fragments stay on the OSDs
        // Every fragment landed (those beyond c land after the put returns): a fragment that lands after a scan is
        // the next pass's.
        int all = m.chunks().stream().mapToInt(c -> c.fragments().size()).sum();
        await("every fragment of " + name, () -> keysOf(b, NS, m.objectId(), Set.of()) == all);
        return m;
    }

    @Test
    void leftoversGoAfterTheGraceWhileEveryObjectAndAPutInFlightStay() throws Exception {
        try (Backend b = new Backend(dir, 6, 0)) {
            b.proxy.createNamespace(NS, null);
            long nsId = nsId(b, NS);
            Map<String, byte[]> objects = put(b, NS, 12, 7);
            Random r = new Random(3);
            Manifest crashed = crashedPut(b, "crashed", Fixtures.random(r, 200_000));
            byte[] inFlightData = Fixtures.random(r, 200_000);
            Manifest inFlight = crashedPut(b, "in-flight", inFlightData);
            // A key of an id no object ever had, and a repair's key of a live object at a generation it never
            // committed.
            Map<Integer, FlakyOsd> osds = byNumber(b);
            int osd = osds.keySet().iterator().next();
            String freshId = HexFormat.of().formatHex(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                    16});
            Bytes fresh = FragmentKeys.key(nsId, freshId, 0, 0, 0);
            Manifest live = b.nsm.get(NS, "o3").orElseThrow();
            Bytes lostRace = FragmentKeys.key(nsId, live.objectId(), 0, 1, 0x5eed5eed5eedL);
            write(osds.get(osd), fresh);
            write(osds.get(osd), lostRace);
            assertTrue(keysOf(b, NS, crashed.objectId(), Set.of()) > 0);

            TestClock clock = new TestClock();
            MaintenanceService m = agent(b, fast("a"), clock, b.abm, Map.of());
            try {
                m.sweep().configure(new LeftoverSweepJob.Settings(0, GRACE));
                assertEquals(1, m.sweep().queueSweeps());
                assertEquals(0, m.sweep().queueSweeps(), "one sweep per namespace");
                await("the scan", () -> count(b, LeftoverSweepJob.KIND) == 0
                        && count(b, LeftoverSweepJob.DELETE_KIND) > 0);
                // Found, not deleted: the grace runs.
                assertTrue(keysOf(b, NS, crashed.objectId(), Set.of()) > 0);
                assertTrue(present(osds.get(osd), fresh, nsId));
                // The put in flight registers its manifest after the scan, within the grace.
                b.nsm.put(NS, inFlight, Overwrite.NONE);
                clock.advance(GRACE + TimeUnit.MINUTES.toMillis(1));
                awaitIdle(m, clock);
            } finally {
                m.close();
            }
            assertEquals(0, keysOf(b, NS, crashed.objectId(), Set.of()), "the crashed put's fragments are gone: "
                    + strays(b, NS, Set.of()) + " " + crashed);
            assertFalse(present(osds.get(osd), fresh, nsId));
            assertFalse(present(osds.get(osd), lostRace, nsId));
            assertEquals(List.of(), strays(b, NS, Set.of()), "the OSDs hold exactly what the manifests reference");
            assertReadable(b, NS, objects);
            assertArrayEquals(inFlightData, bytes(b.proxy.get(NS, "in-flight").orElseThrow()), "the put in flight");
            // The swept id can never be registered: a put that outlived the grace fails rather than lose its data.
            assertThrows(AssertFailedException.class, () -> b.nsm.put(NS, crashed, Overwrite.NONE));
        }
    }

    /** A namespace whose object index is not complete (written before it; here, an NSM that says so). */
    private static NamespaceManager incomplete(NamespaceManager real) {
        return (NamespaceManager) java.lang.reflect.Proxy.newProxyInstance(NamespaceManager.class.getClassLoader(),
                new Class<?>[] {NamespaceManager.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "objectIndexComplete":
                            return false;
                        case "backfillObjectIndex":
                            return null; // "done", yet the index is not complete: the sweep must not trust it
                        case "sweepObjectIds":
                            throw new IllegalStateException("not complete");
                        default:
                            try {
                                return method.invoke(real, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                    }
                });
    }

    @Test
    void aNamespaceWithoutACompleteIndexDeletesNothing() throws Exception {
        try (Backend b = new Backend(dir, 6, 0)) {
            b.proxy.createNamespace(NS, null);
            long nsId = nsId(b, NS);
            Map<String, byte[]> objects = put(b, NS, 5, 8);
            Manifest crashed = crashedPut(b, "crashed", Fixtures.random(new Random(4), 100_000));
            int before = keysOf(b, NS, crashed.objectId(), Set.of());
            TestClock clock = new TestClock();
            MaintenanceService m = agent(b, fast("a"), clock, b.abm, incomplete(b.nsm), Map.of());
            try {
                m.sweep().configure(new LeftoverSweepJob.Settings(0, 0));
                m.sweep().queueSweeps();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (System.nanoTime() < deadline) {
                    clock.advance(TimeUnit.HOURS.toMillis(1));
                    Thread.sleep(100);
                }
                assertEquals(0, count(b, LeftoverSweepJob.DELETE_KIND), "no candidate on an uncertain scan");
                assertEquals(1, count(b, LeftoverSweepJob.KIND), "the sweep waits for the index");
            } finally {
                m.close();
            }
            assertEquals(before, keysOf(b, NS, crashed.objectId(), Set.of()));
            assertTrue(before > 0);
            assertReadable(b, NS, objects);
            assertTrue(nsId >= 0);
        }
    }

    @Test
    void thePeriodicCheckQueuesOneSweepPerNamespaceEveryInterval() throws Exception {
        try (Backend b = new Backend(dir, 6, 0)) {
            b.proxy.createNamespace(NS, null);
            b.proxy.createNamespace("other", null);
            TestClock clock = new TestClock();
            MaintenanceService m = agent(b, Fixtures.settings("a", 3000, 0, true), clock, b.abm, Map.of());
            try {
                m.sweep().configure(new LeftoverSweepJob.Settings(TimeUnit.HOURS.toMillis(24), GRACE));
                assertEquals(2, m.sweep().tick());
                assertEquals(0, m.sweep().tick(), "not due yet");
                clock.advance(TimeUnit.HOURS.toMillis(25));
                assertEquals(0, m.sweep().tick(), "due, but both are queued still (the agent is paused)");
                m.sweep().configure(new LeftoverSweepJob.Settings(0, GRACE));
                clock.advance(TimeUnit.HOURS.toMillis(25));
                assertEquals(0, m.sweep().tick(), "off");
            } finally {
                m.close();
            }
        }
    }
}
