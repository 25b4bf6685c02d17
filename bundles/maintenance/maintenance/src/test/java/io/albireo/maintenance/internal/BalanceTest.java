package io.albireo.maintenance.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

import io.albireo.api.metadata.NamespaceManager.OsdStatistics;
import io.albireo.object.layout.Placement.Candidate;

class BalanceTest {
    private static final long MIB = 1 << 20;
    private static final List<Candidate> ALL = List.of(new Candidate(0, "n", 0), new Candidate(1, "n", 0),
            new Candidate(2, "n", 0));

    /** Two full OSDs and a new, empty one: 40 fragments of 1 MiB and one of 16 MiB each. */
    private static Balance newOsd() {
        OsdStatistics full = new OsdStatistics(41, 56 * MIB);
        return Balance.of(Map.of(0, full, 1, full, 2, OsdStatistics.NONE), 0.05);
    }

    @Test
    void aSmallFragmentMovesToTheEmptiestOsd() {
        Balance b = newOsd();
        assertFalse(b.inBand());
        assertEquals(OptionalInt.of(2), b.target(0, ALL, MIB));
    }

    @Test
    void aFragmentThatWouldLeaveItsSourceBelowTheBandStays() {
        Balance b = newOsd(); // mean 37.3 MiB, band ±1.9 MiB: 56 - 20 would leave 36 MiB, but 56 - 24 only 32
        assertTrue(b.target(0, ALL, 20 * MIB).isPresent());
        assertEquals(OptionalInt.empty(), b.target(0, ALL, 24 * MIB));
    }

    @Test
    void aFragmentThatWouldPushItsTargetAboveTheBandStays() {
        Balance b = Balance.of(Map.of(0, new OsdStatistics(100, 130 * MIB), 1, new OsdStatistics(100, 85 * MIB),
                2, new OsdStatistics(100, 70 * MIB)), 0.05); // mean 95, band ±4.75
        assertFalse(b.inBand());
        assertEquals(OptionalInt.of(2), b.target(0, ALL, 20 * MIB));
        assertEquals(OptionalInt.empty(), b.target(0, ALL, 32 * MIB), "70 + 32 would be above 95 + 4.75");
    }

    @Test
    void movesEndWithEveryOsdInTheBand() {
        Balance b = newOsd();
        int moves = 0;
        while (!b.inBand() && moves < 1000) {
            int source = b.fullest(java.util.Set.of()).getAsInt();
            OptionalInt t = b.target(source, ALL, MIB);
            if (t.isEmpty()) {
                break;
            }
            b.moved(source, t.getAsInt(), MIB);
            moves++;
        }
        assertTrue(b.inBand(), b.toString());
    }
}
