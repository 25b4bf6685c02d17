package io.albireo.osd.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.albireo.api.osd.OsdStatistics;

class StatsCommandTest {

    @Test
    void operationsAreListedByNameWithMegabytesAndMicroseconds() {
        OsdStatistics s = new OsdStatistics(Map.of(
                "getSlices", new OsdStatistics.Operation(1000, 4_096_000, 41.4, 900.6),
                "apply", new OsdStatistics.Operation(12, 12_582_912, 2500.2, 9000)));
        assertEquals(List.of(
                List.of("asd-1", "apply", "12", "12.6", "2500", "9000"),
                List.of("asd-1", "getSlices", "1000", "4.1", "41", "901")), StatsCommand.rows("asd-1", s));
    }

    @Test
    void anOsdThatServedNothingOrDidNotAnswerSaysSo() {
        assertEquals(List.of(List.of("asd-2", "(nothing served yet)", "", "", "", "")),
                StatsCommand.rows("asd-2", new OsdStatistics(Map.of())));
        assertEquals(List.of(List.of("asd-3", "(no answer)", "", "", "", "")), StatsCommand.rows("asd-3", null));
    }
}
