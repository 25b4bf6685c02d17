package io.albireo.discovery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.albireo.api.osd.OsdDiscovery.Discovered;
import io.albireo.discovery.internal.DiscoveredTable.Outcome;

class DiscoveredTableTest {
    private static final Duration EXPIRY = Duration.ofSeconds(30);
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    /** Wall and monotonic clocks that the test moves, together. */
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final DiscoveredTable table = new DiscoveredTable(3,
            new Clock() {
                @Override
                public Instant instant() {
                    return T0.plusNanos(nanos.get());
                }

                @Override
                public java.time.ZoneId getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(java.time.ZoneId zone) {
                    return this;
                }
            }, nanos::get);

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void keepsTheLatestAnnouncementAndTheFirstSighting() {
        assertEquals(Outcome.NEW, table.record(TestNet.announcement("a", 1), "10.0.0.1", EXPIRY));
        Instant first = table.current(EXPIRY).get(0).firstSeen();
        advance(Duration.ofSeconds(10));
        assertEquals(Outcome.UPDATED, table.record(TestNet.announcement("a", 2), "10.0.0.1", EXPIRY));
        List<Discovered> now = table.current(EXPIRY);
        assertEquals(1, now.size());
        assertEquals(2, now.get(0).announcement().used());
        assertEquals(first, now.get(0).firstSeen());
        assertEquals(first.plusSeconds(10), now.get(0).lastSeen());
    }

    @Test
    void saysWhenALongIdComesFromAnotherSource() {
        table.record(TestNet.announcement("a", 1), "10.0.0.1", EXPIRY);
        assertEquals(Outcome.MOVED, table.record(TestNet.announcement("a", 1), "10.0.0.2", EXPIRY));
        assertEquals("10.0.0.2", table.current(EXPIRY).get(0).source());
    }

    @Test
    void forgetsAnOsdNotHeardForTheExpiry() {
        table.record(TestNet.announcement("a", 1), "10.0.0.1", EXPIRY);
        advance(EXPIRY);
        assertEquals(1, table.current(EXPIRY).size(), "kept up to the expiry itself");
        advance(Duration.ofNanos(1));
        assertEquals(List.of(), table.current(EXPIRY));
        // Heard again, it is new again: first seen starts over.
        assertEquals(Outcome.NEW, table.record(TestNet.announcement("a", 1), "10.0.0.1", EXPIRY));
        assertEquals(table.current(EXPIRY).get(0).lastSeen(), table.current(EXPIRY).get(0).firstSeen());
    }

    @Test
    void refusesNewLongIdsWhenFullButUpdatesKnownOnes() {
        for (String id : List.of("c", "a", "b")) {
            assertEquals(Outcome.NEW, table.record(TestNet.announcement(id, 1), "10.0.0.1", EXPIRY));
        }
        assertEquals(Outcome.REFUSED, table.record(TestNet.announcement("d", 1), "10.0.0.1", EXPIRY));
        assertEquals(Outcome.UPDATED, table.record(TestNet.announcement("a", 5), "10.0.0.1", EXPIRY));
        assertEquals(List.of("a", "b", "c"),
                table.current(EXPIRY).stream().map(d -> d.announcement().longId()).toList(), "by long id");
        // Once some have expired there is room again.
        advance(EXPIRY.plusSeconds(1));
        assertEquals(Outcome.NEW, table.record(TestNet.announcement("d", 1), "10.0.0.1", EXPIRY));
        assertTrue(table.current(EXPIRY).stream().allMatch(d -> d.announcement().longId().equals("d")));
    }
}
