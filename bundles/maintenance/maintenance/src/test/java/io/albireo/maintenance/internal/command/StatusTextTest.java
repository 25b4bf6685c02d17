package io.albireo.maintenance.internal.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.albireo.api.maintenance.MaintenanceStatus;

/** What maintenance:status and maintenance:watch print, from the figures alone. */
class StatusTextTest {

    @Test
    void figuresReadAsAnOperatorExpects() {
        assertEquals("512 B", StatusText.bytes(512));
        assertEquals("1.5 MiB", StatusText.bytes(1.5 * (1 << 20)));
        assertEquals("?", StatusText.bytes(-1));
        assertEquals("42s", StatusText.duration(42));
        assertEquals("2m05s", StatusText.duration(125));
        assertEquals("1h01m01s", StatusText.duration(3661));
        assertEquals("?", StatusText.duration(-1));
        assertEquals("[#####-----]", StatusText.bar(0.5, 10));
        assertEquals("[??????????]", StatusText.bar(-1, 10));
        assertEquals("3 of 10", StatusText.count(3, 7));
        assertEquals("3 done", StatusText.count(3, -1));
    }

    @Test
    void aRepairShowsWhatIsDoneAndLeftItsRateAndEta() {
        MaintenanceStatus.Job j = new MaintenanceStatus.Job(7, "repair-osd", "OSD 3 in namespace ns", "agent-a",
                "fragments", 250, 750, 256L << 20, 768L << 20, 16 << 20, 48);
        String line = StatusText.job(j);
        assertTrue(line.startsWith("[########----------------------] 25.0%  repair-osd OSD 3 in namespace ns:"), line);
        assertTrue(line.contains("250 of 1000 fragments, 256.0 MiB of 1.0 GiB, 16.0 MiB/s, ETA 48s (agent-a)"),
                line);
    }

    @Test
    void idleSaysSoAndLostObjectsAreNamed() {
        MaintenanceStatus idle = new MaintenanceStatus(false, 64L << 20, List.of("a"), List.of(), Map.of(),
                List.of());
        assertEquals("agents a, rate limit 64.0 MiB/s\nidle: nothing to repair, rewrite, collect or verify\n",
                StatusText.summary(idle));
        MaintenanceStatus lost = new MaintenanceStatus(true, 0, List.of("a"), List.of(),
                Map.of("delete-fragments", 2L),
                List.of(new MaintenanceStatus.LostObject("ns", "o1", "ab", "chunk 0 has 3 good fragments, k = 4")));
        String text = StatusText.summary(lost);
        assertTrue(text.contains("agents a (paused), rate limit none"), text);
        assertTrue(text.contains("2 queued delete-fragments"), text);
        assertTrue(text.contains("LOST ns/o1 (ab): chunk 0 has 3 good fragments, k = 4"), text);
    }
}
