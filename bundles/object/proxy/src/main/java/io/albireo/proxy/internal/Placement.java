package io.albireo.proxy.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

import io.albireo.api.metadata.Policy;

/** Which policy of a preset the live OSDs can satisfy, and on which OSDs a chunk's fragments go. */
final class Placement {

    /**
     * A live claimed OSD.
     *
     * @param number its number in the backend
     * @param nodeId its node
     * @param fill how full it is (0 to 1), as last measured
     */
    record Candidate(int number, String nodeId, double fill) {
    }

    private Placement() {
    }

    /** @return the first policy that {@code live} can satisfy: k + m distinct OSDs, at most x on a node */
    static Optional<Policy> choose(List<Policy> policies, List<Candidate> live) {
        Map<String, Integer> perNode = new HashMap<>();
        live.forEach(c -> perNode.merge(c.nodeId(), 1, Integer::sum));
        for (Policy p : policies) {
            int room = 0;
            for (int n : perNode.values()) {
                room += Math.min(n, p.x());
            }
            if (room >= p.width()) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Picks k + m distinct OSDs, at most x per node: each pick takes the node with the fewest fragments so far (so
     * fragments spread over nodes before they stack), then the emptiest OSD; ties are broken at random so that equal
     * OSDs share the load.
     *
     * @throws IllegalStateException if the policy cannot be satisfied
     */
    static List<Candidate> place(Policy policy, List<Candidate> live, RandomGenerator random) {
        List<Candidate> pool = new ArrayList<>(live);
        for (int i = pool.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Candidate t = pool.get(i);
            pool.set(i, pool.get(j));
            pool.set(j, t);
        }
        Map<String, Integer> used = new HashMap<>();
        List<Candidate> picked = new ArrayList<>(policy.width());
        Comparator<Candidate> order = Comparator.<Candidate>comparingInt(c -> used.getOrDefault(c.nodeId(), 0))
                .thenComparingDouble(Candidate::fill);
        while (picked.size() < policy.width()) {
            Candidate best = null;
            for (Candidate c : pool) {
                if (used.getOrDefault(c.nodeId(), 0) < policy.x() && (best == null || order.compare(c, best) < 0)) {
                    best = c;
                }
            }
            if (best == null) {
                throw new IllegalStateException("policy " + policy + " cannot be placed on " + live.size()
                        + " live OSDs");
            }
            pool.remove(best);
            used.merge(best.nodeId(), 1, Integer::sum);
            picked.add(best);
        }
        return picked;
    }
}
