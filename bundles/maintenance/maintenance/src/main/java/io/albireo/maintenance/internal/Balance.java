package io.albireo.maintenance.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntPredicate;

import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.NamespaceManager.OsdStatistics;
import io.albireo.object.layout.LiveOsds;
import io.albireo.object.layout.Placement;

/**
 * How one namespace's fragments sit on the OSDs that take new ones (claimed, bound, not suspect), by the NSM's per-OSD
 * statistics: exact (kept in the transaction that changes the manifests), one range read, and blind to whatever else
 * shares the disks (other backends, garbage not yet deleted), which a rebalance cannot move anyway. Balancing every
 * namespace balances their sum.
 *
 * <p>An OSD is within the band when its bytes are within {@code band} (a fraction) of the mean, or within one average
 * fragment of it: a namespace of a few objects cannot be split finer than its fragments. The figures are estimates
 * that a job updates as it moves fragments ({@link #moved}), and reads again a page at a time.
 */
final class Balance {
    private final Map<Integer, Long> bytes;
    private final double mean;
    private final double tolerance;

    private Balance(Map<Integer, Long> bytes, double mean, double tolerance) {
        this.bytes = bytes;
        this.mean = mean;
        this.tolerance = tolerance;
    }

    /**
     * @param band the band, a fraction of the mean (0.05: within 5 %)
     */
    static Balance of(NamespaceManager nsm, LiveOsds osds, IntPredicate suspect, String namespace, double band) {
        Map<Integer, OsdStatistics> stats = nsm.osdStatistics(namespace);
        Map<Integer, OsdStatistics> counted = new HashMap<>();
        for (Placement.Candidate c : osds.candidates()) {
            if (!suspect.test(c.number())) {
                counted.put(c.number(), stats.getOrDefault(c.number(), OsdStatistics.NONE));
            }
        }
        return of(counted, band);
    }

    /** @param stats what each OSD counted holds */
    static Balance of(Map<Integer, OsdStatistics> stats, double band) {
        Map<Integer, Long> bytes = new HashMap<>();
        long total = 0;
        long fragments = 0;
        for (Map.Entry<Integer, OsdStatistics> e : stats.entrySet()) {
            bytes.put(e.getKey(), e.getValue().bytes());
            total += e.getValue().bytes();
            fragments += e.getValue().fragments();
        }
        double mean = bytes.isEmpty() ? 0 : (double) total / bytes.size();
        double fragment = fragments == 0 ? 0 : (double) total / fragments;
        return new Balance(bytes, mean, Math.max(band * mean, fragment));
    }

    /** @return the OSDs counted: those that take new fragments */
    Set<Integer> osds() {
        return new TreeSet<>(bytes.keySet());
    }

    double mean() {
        return mean;
    }

    double tolerance() {
        return tolerance;
    }

    long bytes(int osd) {
        return bytes.getOrDefault(osd, 0L);
    }

    /** @return whether every OSD is within the band (so with fewer than two OSDs, or nothing stored) */
    boolean inBand() {
        if (bytes.size() < 2) {
            return true;
        }
        for (long b : bytes.values()) {
            if (Math.abs(b - mean) > tolerance) {
                return false;
            }
        }
        return true;
    }

    /** @return the fullest OSD not in {@code skip} that holds more than the mean, if any */
    OptionalInt fullest(Set<Integer> skip) {
        int best = -1;
        for (Map.Entry<Integer, Long> e : bytes.entrySet()) {
            if (!skip.contains(e.getKey()) && e.getValue() > mean && (best < 0 || e.getValue() > bytes.get(best))) {
                best = e.getKey();
            }
        }
        return best < 0 ? OptionalInt.empty() : OptionalInt.of(best);
    }

    /**
     * @return whether moving fragments off {@code source} still helps: it holds more than the mean, and it or some OSD
     *         is out of the band
     */
    boolean worthMovingFrom(int source) {
        return bytes.size() >= 2 && bytes(source) > mean && !inBand();
    }

    /**
     * Picks where a fragment of {@code source} goes: the OSD of {@code allowed} that holds least, if it holds less
     * than the mean and the move narrows the gap (it ends with less than {@code source} had), so that every move
     * makes the spread smaller and moves end; and if neither OSD ends out of the band on the other side of the mean
     * (a large fragment is left where it is, and smaller ones move instead).
     */
    OptionalInt target(int source, List<Placement.Candidate> allowed, long fragmentLength) {
        int best = -1;
        for (Placement.Candidate c : allowed) {
            Long b = bytes.get(c.number());
            if (b != null && c.number() != source && (best < 0 || b < bytes.get(best))) {
                best = c.number();
            }
        }
        if (best < 0 || bytes.get(best) >= mean || bytes.get(best) + fragmentLength >= bytes(source)
                || bytes(source) - fragmentLength < mean - tolerance
                || bytes.get(best) + fragmentLength > mean + tolerance) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(best);
    }

    /** Records a move of {@code length} bytes. */
    void moved(int from, int to, long length) {
        bytes.computeIfPresent(from, (k, v) -> Math.max(0, v - length));
        bytes.computeIfPresent(to, (k, v) -> v + length);
    }

    /** @return roughly what is left to move: the bytes above the mean */
    long excess() {
        double sum = 0;
        for (long b : bytes.values()) {
            sum += Math.max(0, b - mean);
        }
        return Math.round(sum);
    }

    @Override
    public String toString() {
        return "mean " + Math.round(mean) + " bytes, band ±" + Math.round(tolerance) + ", per OSD " + new java.util
                .TreeMap<>(bytes);
    }
}
