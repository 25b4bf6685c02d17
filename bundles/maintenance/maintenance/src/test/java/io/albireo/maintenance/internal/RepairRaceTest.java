package io.albireo.maintenance.internal;

import static io.albireo.maintenance.internal.Fixtures.agent;
import static io.albireo.maintenance.internal.Fixtures.await;
import static io.albireo.maintenance.internal.Fixtures.awaitIdle;
import static io.albireo.maintenance.internal.Fixtures.bytes;
import static io.albireo.maintenance.internal.Fixtures.hooks;
import static io.albireo.maintenance.internal.Fixtures.keysOf;
import static io.albireo.maintenance.internal.Fixtures.lose;
import static io.albireo.maintenance.internal.Fixtures.number;
import static io.albireo.maintenance.internal.Fixtures.put;
import static io.albireo.maintenance.internal.Fixtures.random;
import static io.albireo.maintenance.internal.Fixtures.settings;
import static io.albireo.maintenance.internal.Fixtures.strays;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.object.Overwrite;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.maintenance.internal.Fixtures.PutCounter;
import io.albireo.maintenance.internal.Fixtures.Recorder;
import io.albireo.maintenance.internal.Fixtures.TestClock;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.proxy.internal.Backend;

/**
 * Clients' puts and deletes racing repairs of the same names: the client always wins (a repair never undoes a put),
 * nothing reads wrong, no object is called lost because it changed, and what the losers wrote is collected. One run
 * with writers hammering the names while a lost OSD is repaired; then the three exact interleavings, each made to
 * happen by a hook on the agent's OSDs.
 */
class RepairRaceTest {
    private static final String NS = "ns";

    @TempDir
    Path dir;

    @Test
    void putsAndDeletesRacingARepairWinAndNoGarbageIsLeft() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            int count = 24;
            Map<String, byte[]> initial = put(b, NS, count, 21);
            int dead = lose(b, 3);
            // What each name holds: the data of the last put, or empty after a delete. A name's lock is held across
            // its put or delete and the update here, and across a read and its check: so the read must equal it.
            Map<String, Optional<byte[]>> last = new ConcurrentHashMap<>();
            initial.forEach((name, data) -> last.put(name, Optional.of(data)));
            Map<String, Object> locks = new ConcurrentHashMap<>();
            initial.keySet().forEach(name -> locks.put(name, new Object()));
            List<String> names = List.copyOf(initial.keySet());
            Queue<String> wrong = new ConcurrentLinkedQueue<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong ops = new AtomicLong();
            TestClock clock = new TestClock();
            Recorder rec = new Recorder(b.abm);
            // Slowed (512 KiB/s) so that the repair runs while the names change under it.
            PutCounter repairs = new PutCounter(b.nsm);
            MaintenanceService m = agent(b, settings("a", 120_000, 512 << 10, false), clock, rec.abm, repairs.nsm,
                    Map.of());
            ExecutorService clients = Executors.newFixedThreadPool(4);
            try {
                for (int t = 0; t < 3; t++) {
                    long seed = 100 + t;
                    clients.execute(() -> {
                        Random r = new Random(seed);
                        while (!stop.get()) {
                            String name = names.get(r.nextInt(names.size()));
                            synchronized (locks.get(name)) {
                                try {
                                    if (r.nextInt(5) == 0) {
                                        b.proxy.delete(NS, name);
                                        last.put(name, Optional.empty());
                                    } else {
                                        byte[] data = random(r, r.nextInt(8) == 0 ? 200_000 : 30_000);
                                        b.proxy.put(NS, name, ByteBuffer.wrap(data), Overwrite.UNCONDITIONAL);
                                        last.put(name, Optional.of(data));
                                    }
                                } catch (RuntimeException e) {
                                    wrong.add("a client's put or delete of " + name + " failed: " + e);
                                }
                            }
                            ops.incrementAndGet();
                        }
                    });
                }
                clients.execute(() -> {
                    while (!stop.get()) {
                        String name = names.get(ThreadLocalRandom.current().nextInt(names.size()));
                        synchronized (locks.get(name)) {
                            check(b, name, last.get(name), wrong);
                        }
                    }
                });
                await("the lost OSD's repair, the names changing under it",
                        () -> ops.get() >= 150 && b.abm.work(1000).stream().noneMatch(i -> i.kind().equals(
                                OsdRepairJob.KIND)), m, clock);
            } finally {
                stop.set(true);
                clients.shutdown();
                assertTrue(clients.awaitTermination(Fixtures.WAIT_SECONDS, TimeUnit.SECONDS));
            }
            try {
                awaitIdle(m, clock);
                assertEquals(List.of(), List.copyOf(wrong));
                for (String name : names) {
                    check(b, name, last.get(name), wrong);
                    b.nsm.get(NS, name).ifPresent(man -> man.chunks().forEach(c -> c.fragments().forEach(f -> {
                        assertTrue(f.written(), name + " is whole");
                        assertNotEquals(dead, f.osd(), name + " has nothing on the dead OSD");
                    })));
                }
                assertEquals(List.of(), List.copyOf(wrong), "every name holds the last data put, or nothing");
                assertEquals(List.of(), rec.of(LostObjects.KIND), "no object was called lost because it changed");
                assertEquals(List.of(), strays(b, NS, Set.of(dead)),
                        "every key on the live OSDs is a fragment of a current manifest, and none is missing");
                // For the record (how hard it raced depends on the machine): repairs committed and refused.
                System.out.println(ops.get() + " client puts and deletes raced the repair; " + repairs.puts
                        + " repaired manifests committed, " + repairs.refused + " refused (a put came first); the"
                        + " agent queued " + rec.queued.size() + " items");
            } finally {
                m.close();
            }
        }
    }

    private static void check(Backend b, String name, Optional<byte[]> expected, Queue<String> wrong) {
        try {
            Optional<ByteBuffer> got = b.proxy.get(NS, name);
            if (expected.isEmpty() != got.isEmpty()
                    || expected.isPresent() && !java.util.Arrays.equals(expected.get(), bytes(got.get()))) {
                wrong.add(name + " read " + got.map(x -> x.remaining() + " bytes").orElse("nothing") + ", expected "
                        + expected.map(x -> x.length + " bytes").orElse("nothing"));
            }
        } catch (RuntimeException e) {
            wrong.add("reading " + name + " failed: " + e);
        }
    }

    /** One object, and the OSD it has fragment 0 of chunk 0 on lost: its repair is the only work. */
    private record Lone(String objectId, int dead, byte[] first) {
    }

    private static Lone lone(Backend b) {
        byte[] first = random(new Random(7), 50_000);
        b.proxy.put(NS, "n", ByteBuffer.wrap(first), Overwrite.UNCONDITIONAL);
        Manifest m1 = b.nsm.get(NS, "n").orElseThrow();
        int on = m1.chunks().get(0).fragments().get(0).osd();
        for (int i = 0; i < b.osds.size(); i++) {
            if (number(b, b.osds.get(i)) == on) {
                return new Lone(m1.objectId(), lose(b, i), first);
            }
        }
        throw new AssertionError("no OSD " + on);
    }

    /** @return whether the update writes a fragment of that object under a fresh generation: a repair's write */
    private static boolean repairWrite(Update u, String objectId) {
        return !u.isDelete() && FragmentKeys.parse(u.key()).map(p -> p.objectId().equals(objectId)
                && p.generation() != 0).orElse(false);
    }

    @Test
    void aPutBetweenARepairsReadAndItsCommitWinsAndTheRepairDeletesWhatItWrote() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            Lone lone = lone(b);
            byte[] second = random(new Random(8), 50_000);
            Map<String, HookOsd> hooks = hooks(b);
            AtomicBoolean raced = new AtomicBoolean();
            // The repair has read the manifest and k fragments, rebuilt the lost one and is writing it: a client
            // replaces the object now, before the repair puts its manifest.
            hooks.values().forEach(h -> h.onApply = (asserts, updates, real) -> {
                if (updates.stream().anyMatch(u -> repairWrite(u, lone.objectId())) && raced.compareAndSet(false,
                        true)) {
                    b.proxy.put(NS, "n", ByteBuffer.wrap(second), Overwrite.UNCONDITIONAL);
                }
                return null;
            });
            TestClock clock = new TestClock();
            Recorder rec = new Recorder(b.abm);
            MaintenanceService m = agent(b, settings("a", 120_000, 0, false), clock, rec.abm, hooks);
            try {
                awaitIdle(m, clock);
                assertTrue(raced.get(), "the put came between the repair's read and its commit");
                assertArrayEquals(second, bytes(b.proxy.get(NS, "n").orElseThrow()), "the put won");
                assertNotEquals(lone.objectId(), b.nsm.get(NS, "n").orElseThrow().objectId(), "the put won");
                assertEquals(0, keysOf(b, NS, lone.objectId(), Set.of(lone.dead())),
                        "nothing of the replaced object is left: the repair deleted what it wrote");
                assertEquals(List.of(), strays(b, NS, Set.of(lone.dead())));
                assertEquals(List.of(), rec.of(LostObjects.KIND));
            } finally {
                m.close();
            }
        }
    }

    @Test
    void aPutWhileARepairReadsItsFragmentsIsNotALoss() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            Lone lone = lone(b);
            byte[] second = random(new Random(9), 50_000);
            Map<String, HookOsd> hooks = hooks(b);
            AtomicBoolean raced = new AtomicBoolean();
            // The repair has read the manifest and asks for the fragments: a client replaces the object now, and its
            // put deletes them, so the repair finds fewer than k. The object changed; it is not lost.
            hooks.values().forEach(h -> h.onGet = keys -> {
                boolean ours = keys.stream().anyMatch(k -> FragmentKeys.parse(k).map(p -> p.objectId().equals(
                        lone.objectId())).orElse(false));
                if (ours && raced.compareAndSet(false, true)) {
                    b.proxy.put(NS, "n", ByteBuffer.wrap(second), Overwrite.UNCONDITIONAL);
                }
            });
            TestClock clock = new TestClock();
            Recorder rec = new Recorder(b.abm);
            MaintenanceService m = agent(b, settings("a", 120_000, 0, false), clock, rec.abm, hooks);
            try {
                awaitIdle(m, clock);
                assertTrue(raced.get(), "the put came while the repair read the fragments");
                assertEquals(List.of(), rec.of(LostObjects.KIND), "no object was called lost because it changed");
                assertEquals(List.of(), m.status().lost());
                assertArrayEquals(second, bytes(b.proxy.get(NS, "n").orElseThrow()));
                assertEquals(List.of(), strays(b, NS, Set.of(lone.dead())));
            } finally {
                m.close();
            }
        }
    }

    @Test
    void aRepairThatLostTheRaceAndCouldNotDeleteWhatItWroteLeavesItToGarbageCollection() throws Exception {
        try (Backend b = new Backend(dir, 7, 0)) {
            b.proxy.createNamespace(NS, null);
            Lone lone = lone(b);
            byte[] second = random(new Random(10), 50_000);
            Map<String, HookOsd> hooks = hooks(b);
            AtomicReference<Bytes> written = new AtomicReference<>();
            AtomicBoolean failedOnce = new AtomicBoolean();
            // The repair writes its fragment, a client replaces the object, and the repair's clean-up of what it
            // wrote fails once (its OSD did not answer just then): the fragment must not stay behind for good.
            hooks.values().forEach(h -> h.onApply = (asserts, updates, real) -> {
                for (Update u : updates) {
                    if (repairWrite(u, lone.objectId()) && written.compareAndSet(null, u.key())) {
                        b.proxy.put(NS, "n", ByteBuffer.wrap(second), Overwrite.UNCONDITIONAL);
                    } else if (u.isDelete() && u.key().equals(written.get()) && failedOnce.compareAndSet(false, true)) {
                        return CompletableFuture.failedFuture(new OsdUnavailableException("not now"));
                    }
                }
                return null;
            });
            TestClock clock = new TestClock();
            Recorder rec = new Recorder(b.abm);
            MaintenanceService m = agent(b, settings("a", 120_000, 0, false), clock, rec.abm, hooks);
            try {
                awaitIdle(m, clock);
                assertTrue(failedOnce.get(), "the repair lost the race and its clean-up failed");
                String hex = HexFormat.of().formatHex(written.get().toByteArray());
                assertTrue(rec.of(GarbageJob.KIND).stream().anyMatch(q -> q.payload().contains(hex)),
                        "the fragment it could not delete was queued as garbage: " + rec.queued);
                assertEquals(0, keysOf(b, NS, lone.objectId(), Set.of(lone.dead())),
                        "and collected: nothing of the replaced object is left");
                assertEquals(List.of(), strays(b, NS, Set.of(lone.dead())));
                assertArrayEquals(second, bytes(b.proxy.get(NS, "n").orElseThrow()));
            } finally {
                m.close();
            }
        }
    }
}
