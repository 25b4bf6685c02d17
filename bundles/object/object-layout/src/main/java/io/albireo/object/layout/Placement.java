package io.albireo.object.layout;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

import io.albireo.api.metadata.Policy;

/**
 * Which policy of a preset the live OSDs can satisfy, and on which OSDs a chunk's fragments go: all of them at a put,
 * some more at a repair. Shared by the proxy and maintenance, so that a repaired chunk is spread as a written one.
 */
public final class Placement {

    /**
     * A live claimed OSD.
     *
     * @param number its number in the backend
     * @param nodeId its node
     * @param fill how full it is (0 to 1), as last measured
     */
    public record Candidate(int number, String nodeId, double fill) {
    }

    private Placement() {
    }

    /** @return the first policy that {@code live} can satisfy: k + m distinct OSDs, at most x on a node */
    public static Optional<Policy> choose(List<Policy> policies, List<Candidate> live) {
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
     * Picks k + m distinct OSDs, at most x per node, as {@link #placeMore} does for a chunk that has none yet.
     *
     * @throws IllegalStateException if the policy cannot be satisfied
     */
    public static List<Candidate> place(Policy policy, List<Candidate> live, RandomGenerator random) {
        return placeMore(policy, live, Map.of(), Set.of(), policy.width(), random);
    }

    /**
     * Picks {@code count} more distinct OSDs of {@code live} for a chunk, at most x per node counting the chunk's
     * fragments already there: each pick takes the node with the fewest fragments so far (so fragments spread over
     * nodes before they stack), then the emptiest OSD; ties are broken at random so that equal OSDs share the load.
     *
     * @param usedPerNode per node id, how many of the chunk's fragments it holds already
     * @param exclude the numbers of the OSDs not to pick: those that hold the chunk's other fragments (never two of a
     *        chunk on one OSD), and those that lost theirs
     * @return {@code count} OSDs, in the order picked
     * @throws IllegalStateException if fewer than {@code count} OSDs can be picked; the message says how many
     */
    public static List<Candidate> placeMore(Policy policy, List<Candidate> live, Map<String, Integer> usedPerNode,
            Set<Integer> exclude, int count, RandomGenerator random) {
        List<Candidate> pool = new ArrayList<>(live.size());
        for (Candidate c : live) {
            if (!exclude.contains(c.number())) {
                pool.add(c);
            }
        }
        int excluded = live.size() - pool.size();
        for (int i = pool.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Candidate t = pool.get(i);
            pool.set(i, pool.get(j));
            pool.set(j, t);
        }
        Map<String, Integer> used = new HashMap<>(usedPerNode);
        List<Candidate> picked = new ArrayList<>(count);
        Comparator<Candidate> order = Comparator.<Candidate>comparingInt(c -> used.getOrDefault(c.nodeId(), 0))
                .thenComparingDouble(Candidate::fill);
        while (picked.size() < count) {
            Candidate best = null;
            for (Candidate c : pool) {
                if (used.getOrDefault(c.nodeId(), 0) < policy.x() && (best == null || order.compare(c, best) < 0)) {
                    best = c;
                }
            }
            if (best == null) {
                throw new IllegalStateException("policy " + policy + ": " + count + " fragments to place, "
                        + (count - picked.size()) + " short (" + live.size() + " live OSDs, " + excluded
                        + " excluded, at most x = " + policy.x() + " per node)");
            }
            pool.remove(best);
            used.merge(best.nodeId(), 1, Integer::sum);
            picked.add(best);
        }
        return picked;
    }
}
