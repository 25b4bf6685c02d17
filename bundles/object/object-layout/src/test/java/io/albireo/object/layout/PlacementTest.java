package io.albireo.object.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.albireo.api.metadata.Policy;

class PlacementTest {

    /** {@code nodes} nodes of {@code perNode} OSDs each, numbered node by node, fill rising with the number. */
    private static List<Placement.Candidate> cluster(int nodes, int perNode) {
        List<Placement.Candidate> live = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            for (int o = 0; o < perNode; o++) {
                int number = n * perNode + o;
                live.add(new Placement.Candidate(number, "node-" + n, number / 100.0));
            }
        }
        return live;
    }

    private static Map<String, Integer> perNode(List<Placement.Candidate> picked) {
        Map<String, Integer> count = new HashMap<>();
        picked.forEach(c -> count.merge(c.nodeId(), 1, Integer::sum));
        return count;
    }

    @Test
    void theFirstPolicyTheLiveOsdsCanHoldIsChosen() {
        Policy wide = new Policy(8, 2, 9, 1);
        Policy narrow = new Policy(4, 2, 5, 2);
        assertEquals(Optional.of(narrow), Placement.choose(List.of(wide, narrow), cluster(3, 2)));
        assertEquals(Optional.of(wide), Placement.choose(List.of(wide, narrow), cluster(10, 1)));
        assertEquals(Optional.empty(), Placement.choose(List.of(wide, narrow), cluster(2, 2)));
    }

    @Test
    void aPutSpreadsOverNodesBeforeItStacks() {
        SplittableRandom r = new SplittableRandom(1);
        Policy policy = new Policy(4, 2, 5, 2);
        for (int i = 0; i < 200; i++) {
            List<Placement.Candidate> picked = Placement.place(policy, cluster(4, 3), r);
            assertEquals(6, picked.size());
            assertEquals(6, new HashSet<>(picked).size(), "distinct OSDs");
            // 6 fragments on 4 nodes: every node gets one before any gets a second.
            assertEquals(4, perNode(picked).size());
            assertTrue(perNode(picked).values().stream().allMatch(n -> n <= 2));
        }
        // On one node, the emptiest OSDs first.
        assertEquals(List.of(0, 1), Placement.place(new Policy(1, 1, 1, 2), cluster(1, 4), r).stream()
                .map(Placement.Candidate::number).toList());
    }

    @Test
    void placeIsPlaceMoreForAChunkWithNothingYet() {
        Policy policy = new Policy(4, 2, 5, 2);
        List<Placement.Candidate> live = cluster(5, 3);
        for (long seed = 0; seed < 50; seed++) {
            assertEquals(Placement.placeMore(policy, live, Map.of(), Set.of(), 6, new SplittableRandom(seed)),
                    Placement.place(policy, live, new SplittableRandom(seed)));
        }
    }

    @Test
    void aRepairPlacesMoreRespectingXExcludeAndCount() {
        SplittableRandom r = new SplittableRandom(2);
        Policy policy = new Policy(4, 2, 5, 2);
        List<Placement.Candidate> live = cluster(4, 3);
        // The chunk keeps 4 fragments: two on node-0 (OSDs 0 and 1), one each on node-1 and node-2; OSD 9 (node-3)
        // held one and is lost.
        Set<Integer> exclude = Set.of(0, 1, 3, 6, 9);
        Map<String, Integer> used = Map.of("node-0", 2, "node-1", 1, "node-2", 1);
        for (int i = 0; i < 200; i++) {
            List<Placement.Candidate> more = Placement.placeMore(policy, live, used, exclude, 2, r);
            assertEquals(2, more.size());
            assertEquals(2, new HashSet<>(more).size());
            for (Placement.Candidate c : more) {
                assertTrue(!exclude.contains(c.number()), c + " is excluded");
                assertTrue(!c.nodeId().equals("node-0"), c + ": node-0 holds x = 2 already");
            }
            // node-3 holds none, so the first pick is there; the second goes to node-1, node-2 or node-3.
            assertEquals("node-3", more.get(0).nodeId());
            Map<String, Integer> after = new HashMap<>(used);
            more.forEach(c -> after.merge(c.nodeId(), 1, Integer::sum));
            assertTrue(after.values().stream().allMatch(n -> n <= policy.x()), after.toString());
        }
        assertEquals(List.of(), Placement.placeMore(policy, live, used, exclude, 0, r));
    }

    @Test
    void aRepairThatCannotBePlacedSaysWhy() {
        Policy policy = new Policy(2, 1, 2, 1);
        List<Placement.Candidate> live = cluster(3, 2);
        // Node-0 and node-1 hold a fragment each (x = 1): only node-2 is left, and OSD 4 of it is excluded.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Placement.placeMore(policy, live,
                Map.of("node-0", 1, "node-1", 1), Set.of(0, 2, 4), 2, new SplittableRandom(3)));
        assertEquals("policy " + policy + ": 2 fragments to place, 1 short (6 live OSDs, 3 excluded, at most x = 1"
                + " per node)", e.getMessage());
        assertEquals(List.of(5), Placement.placeMore(policy, live, Map.of("node-0", 1, "node-1", 1), Set.of(0, 2, 4),
                1, new SplittableRandom(3)).stream().map(Placement.Candidate::number).toList());
        assertThrows(IllegalStateException.class, () -> Placement.place(new Policy(4, 2, 5, 1), cluster(5, 3),
                new SplittableRandom(4)));
    }
}
