package io.albireo.maintenance.internal;

import static io.albireo.maintenance.internal.Fixtures.agent;
import static io.albireo.maintenance.internal.Fixtures.assertReadable;
import static io.albireo.maintenance.internal.Fixtures.await;
import static io.albireo.maintenance.internal.Fixtures.hooks;
import static io.albireo.maintenance.internal.Fixtures.manifests;
import static io.albireo.maintenance.internal.Fixtures.number;
import static io.albireo.maintenance.internal.Fixtures.strays;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.AlbireoName;
import io.albireo.api.Update;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.api.object.Overwrite;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.proxy.internal.Backend;
import io.albireo.proxy.internal.FlakyOsd;

/**
 * Rebalancing on the real stack: an OSD claimed into a backend that holds objects is filled from the others until
 * every OSD is within ±5 % of the mean, each move a verified copy under a fresh generation committed under the
 * manifest's version, the old copy deleted after; nothing is left unreferenced, the placement rules hold, and every
 * object reads back.
 */
class RebalanceTest {
    private static final String NS = "ns";
    private static final double BAND = 0.05;

    @TempDir
    Path dir;

    /** An agent that rebalances (checking every second), with or without scrub. */
    static MaintenanceService.Settings settings(String name, boolean rebalance, long scrubIntervalMillis) {
        return new MaintenanceService.Settings(new Agent.Settings(name, 2, 3000, 50, 200),
                TimeUnit.MINUTES.toMillis(15), 200, 0, false, MaintenanceService.DEFAULT_OBJECTS_IN_FLIGHT,
                new PeriodicWork.Settings(rebalance, BAND, 1000, scrubIntervalMillis));
    }

    @Test
    void aNewlyClaimedOsdIsFilledUntilEveryOsdIsWithinTheBand() throws Exception {
        try (Backend b = new Backend(dir, 6, 0)) {
            b.proxy.createNamespace(NS, null);
            Map<String, byte[]> objects = put(b, NS, 150, 21);
            MaintenanceService m = agent(b, settings("a", true, 0));
            try {
                // On 6 OSDs every chunk of (4,2) has a fragment on each: even already, nothing to move.
                await("a first look", () -> m.status().idle());
                FlakyOsd fresh = claim(b, dir.resolve("asd-new"), "node-1");
                m.bindOsd(fresh, Map.of(AlbireoName.PROPERTY, fresh.identity().longId()));
                int number = number(b, fresh);
                assertEquals(0, b.nsm.osdStatistics(NS, number).fragments());
                await("the rebalancing", () -> inBand(b, NS) && m.status().idle());
                assertTrue(b.nsm.osdStatistics(NS, number).fragments() > 0, "the new OSD holds fragments");
                assertPlacement(b, NS);
                for (Manifest man : manifests(b, NS).values()) {
                    assertEquals(new Policy(4, 2, 5, 6), man.policy(), man.name() + " kept its policy");
                    for (Manifest.Chunk c : man.chunks()) {
                        for (Manifest.Fragment f : c.fragments()) {
                            if (f.osd() == number) {
                                assertNotEquals(0, f.generation(), "a moved fragment has a fresh generation");
                            }
                        }
                    }
                }
                assertReadable(b, NS, objects);
                // The old copies are deleted after each commit, asynchronously: wait for the last.
                await("the old copies to go", () -> strays(b, NS, Set.of()).isEmpty());
                assertEquals(List.of(), strays(b, NS, Set.of()));
            } finally {
                m.close();
            }
        }
    }

    /**
     * Two nodes of three OSDs and a policy (2,2,3,2): every chunk has exactly two fragments on each node. One OSD
     * claimed on each node: a move that ignored x would send a fragment of the other node to the emptiest OSD; the
     * band is reached by moves within each node only.
     */
    @Test
    void movesKeepAtMostXFragmentsOfAChunkOnANode() throws Exception {
        try (Backend b = new Backend(dir, 3, 0)) {
            for (int i = 0; i < 3; i++) {
                claim(b, dir.resolve("asd-b" + i), "node-2");
            }
            b.abm.createPreset(new Preset("two-nodes", List.of(new Policy(2, 2, 3, 2)), 4 << 20, "lz4",
                    "aes-256-gcm", "crc32c", "rs", "crc32c"));
            b.proxy.createNamespace(NS, "two-nodes");
            // The proxy takes up the OSDs of node-2 on its timer: until then the policy cannot be placed.
            await("the proxy to place on both nodes", () -> {
                try {
                    b.proxy.put(NS, "first", ByteBuffer.wrap(new byte[1000]), Overwrite.UNCONDITIONAL);
                    return true;
                } catch (RuntimeException e) {
                    return false;
                }
            });
            Map<String, byte[]> objects = put(b, NS, 150, 22);
            assertPlacement(b, NS);
            MaintenanceService m = agent(b, settings("a", true, 0));
            try {
                await("a first look", () -> m.status().idle());
                List<FlakyOsd> fresh = List.of(claim(b, dir.resolve("asd-a3"), "node-1"),
                        claim(b, dir.resolve("asd-b3"), "node-2"));
                fresh.forEach(o -> m.bindOsd(o, Map.of(AlbireoName.PROPERTY, o.identity().longId())));
                await("the rebalancing", () -> inBand(b, NS) && m.status().idle());
                for (FlakyOsd o : fresh) {
                    assertTrue(b.nsm.osdStatistics(NS, number(b, o)).fragments() > 0, "a new OSD holds fragments");
                }
                assertPlacement(b, NS);
                assertReadable(b, NS, objects);
                await("the old copies to go", () -> strays(b, NS, Set.of()).isEmpty());
                assertEquals(List.of(), strays(b, NS, Set.of()));
            } finally {
                m.close();
            }
        }
    }

    /**
     * A client replaces an object between a move's write of its fragment on the new OSD and the move's commit: the
     * put wins, the move deletes the fragment it wrote (and nothing else), and rebalancing goes on with the rest.
     */
    @Test
    void aPutBetweenAMovesWriteAndItsCommitWinsAndTheMoveDeletesWhatItWrote() throws Exception {
        try (Backend b = new Backend(dir, 6, 0)) {
            b.proxy.createNamespace(NS, null);
            Map<String, byte[]> objects = put(b, NS, 60, 23);
            claim(b, dir.resolve("asd-new"), "node-1");
            Map<String, HookOsd> hooks = hooks(b);
            AtomicReference<String> raced = new AtomicReference<>();
            byte[] second = new byte[5000];
            new Random(24).nextBytes(second);
            hooks.values().forEach(h -> h.onApply = (asserts, updates, real) -> {
                for (Update u : updates) {
                    Optional<FragmentKeys.Parsed> k = u.isDelete() ? Optional.empty() : FragmentKeys.parse(u.key());
                    if (k.isPresent() && k.get().generation() != 0 && raced.get() == null) {
                        String name = manifests(b, NS).values().stream().filter(m -> m.objectId().equals(
                                k.get().objectId())).findFirst().orElseThrow().name();
                        raced.set(name);
                        b.proxy.put(NS, name, ByteBuffer.wrap(second), Overwrite.UNCONDITIONAL);
                    }
                }
                return null;
            });
            MaintenanceService m = agent(b, settings("a", true, 0), System::currentTimeMillis, b.abm, hooks);
            try {
                await("the rebalancing", () -> inBand(b, NS) && m.status().idle());
                assertTrue(raced.get() != null, "a put came between a move's write and its commit");
                objects.put(raced.get(), second);
                assertReadable(b, NS, objects);
                assertPlacement(b, NS);
                await("the old copies to go", () -> strays(b, NS, Set.of()).isEmpty());
                assertEquals(List.of(), strays(b, NS, Set.of()));
            } finally {
                m.close();
            }
        }
    }

    /** Objects of 2 to 16 KiB: fragments small beside the band, so that it can be reached exactly. */
    static Map<String, byte[]> put(Backend b, String ns, int count, long seed) {
        Random r = new Random(seed);
        Map<String, byte[]> objects = new HashMap<>();
        for (int i = 0; i < count; i++) {
            byte[] data = new byte[2048 + r.nextInt(14 * 1024)];
            r.nextBytes(data);
            b.proxy.put(ns, "o" + i, ByteBuffer.wrap(data), Overwrite.UNCONDITIONAL);
            objects.put("o" + i, data);
        }
        return objects;
    }

    /** A new ASD on {@code node}, claimed by the backend as {@code osd:claim} does and bound to the proxy. */
    static FlakyOsd claim(Backend b, Path where, String node) {
        FlakyOsd osd = b.addOsd(where, node);
        ClaimedOsd claimed = b.abm.claimOsd(osd.identity().longId());
        assertEquals(node, claimed.nodeId());
        b.bind(osd);
        return osd;
    }

    /** @return the bytes of the namespace on each OSD in service, by number */
    static Map<Integer, Long> bytes(Backend b, String ns) {
        Map<Integer, Long> out = new TreeMap<>();
        for (ClaimedOsd o : b.abm.osds()) {
            if (o.state() == ClaimedOsd.State.CLAIMED) {
                out.put(o.number(), b.nsm.osdStatistics(ns, o.number()).bytes());
            }
        }
        return out;
    }

    /** @return whether every OSD in service holds within ±5 % of the mean of the namespace's bytes */
    static boolean inBand(Backend b, String ns) {
        Map<Integer, Long> bytes = bytes(b, ns);
        double mean = bytes.values().stream().mapToLong(Long::longValue).average().orElse(0);
        return bytes.values().stream().allMatch(v -> Math.abs(v - mean) <= BAND * mean);
    }

    /** Every fragment written, never two of a chunk on one OSD, at most x of a chunk on one node. */
    static void assertPlacement(Backend b, String ns) {
        Map<Integer, String> nodes = new HashMap<>();
        b.abm.osds().forEach(o -> nodes.put(o.number(), o.nodeId()));
        for (Manifest m : manifests(b, ns).values()) {
            for (int c = 0; c < m.chunks().size(); c++) {
                Set<Integer> osds = new HashSet<>();
                Map<String, Integer> perNode = new HashMap<>();
                for (Manifest.Fragment f : m.chunks().get(c).fragments()) {
                    assertTrue(f.written(), m.name() + " chunk " + c + " has every fragment");
                    if (!osds.add(f.osd())) {
                        fail(m.name() + " chunk " + c + " has two fragments on OSD " + f.osd());
                    }
                    perNode.merge(nodes.get(f.osd()), 1, Integer::sum);
                }
                for (Map.Entry<String, Integer> e : perNode.entrySet()) {
                    assertTrue(e.getValue() <= m.policy().x(), m.name() + " chunk " + c + " has " + e.getValue()
                            + " fragments on " + e.getKey() + ", more than x = " + m.policy().x());
                }
            }
        }
    }
}
