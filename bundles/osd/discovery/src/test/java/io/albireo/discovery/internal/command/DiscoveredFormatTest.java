package io.albireo.discovery.internal.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.karaf.shell.support.CommandException;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.albireo.api.osd.OsdAnnouncement;
import io.albireo.api.osd.OsdDiscovery.Discovered;
import io.albireo.discovery.internal.MulticastDiscovery.Status;

class DiscoveredFormatTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final OsdAnnouncement ASD = new OsdAnnouncement(1, "asd", "8d2c3a6e", "node-1",
            List.of("10.0.0.5", "fd00::5"), 8600, 1L << 30, 4000787030016L, "albireo-asd 0.1.0");
    private static final Discovered HEARD = new Discovered(ASD, "10.0.0.5", NOW.minusSeconds(3725),
            NOW.minusSeconds(4));

    private static Status status(boolean listening, Map<String, Long> dropped) {
        return new Status(true, "239.1.2.3", 8123, "lo (127.0.0.1)", 1, Duration.ofSeconds(10),
                Duration.ofSeconds(30), listening, true, 2, 57, dropped, null);
    }

    @Test
    void sizesInBinaryUnits() {
        assertEquals("0 B", DiscoveredFormat.bytes(0));
        assertEquals("1023 B", DiscoveredFormat.bytes(1023));
        assertEquals("1.0 KiB", DiscoveredFormat.bytes(1024));
        assertEquals("1.5 GiB", DiscoveredFormat.bytes(3L << 29));
        assertEquals("3.6 TiB", DiscoveredFormat.bytes(4000787030016L));
        assertEquals("8.0 EiB", DiscoveredFormat.bytes(Long.MAX_VALUE));
    }

    @Test
    void agesInSecondsThenLargerUnits() {
        assertEquals("0 s ago", DiscoveredFormat.age(NOW.plusSeconds(2), NOW), "a clock ahead is not negative");
        assertEquals("119 s ago", DiscoveredFormat.age(NOW.minusSeconds(119), NOW));
        assertEquals("2 min ago", DiscoveredFormat.age(NOW.minusSeconds(120), NOW));
        assertEquals("1 h 2 min ago", DiscoveredFormat.age(NOW.minusSeconds(3725), NOW));
        assertEquals("2 d 3 h ago", DiscoveredFormat.age(NOW.minusSeconds(2 * 86400 + 3 * 3600 + 59), NOW));
    }

    @Test
    void endpointsBracketIpv6() {
        assertEquals("10.0.0.5:8600, [fd00::5]:8600", DiscoveredFormat.endpoints(ASD));
    }

    @Test
    void theTableHasARowPerOsdAndASummary() {
        Map<String, Long> dropped = new LinkedHashMap<>();
        dropped.put("malformed", 2L);
        dropped.put("oversized", 0L);
        dropped.put("unknown_version", 1L);
        String out = print(List.of(HEARD), status(true, dropped));
        for (String expected : List.of("Long id", "Source", "8d2c3a6e", "asd", "node-1",
                "10.0.0.5:8600, [fd00::5]:8600", "1.0 GiB / 3.6 TiB", "albireo-asd 0.1.0", "1 h 2 min ago",
                "4 s ago", "239.1.2.3:8123 on lo (127.0.0.1), ttl 1: 2 OSDs of this node announced;"
                        + " 57 announcements heard, 3 dropped (2 malformed, 1 unknown version)")) {
            assertTrue(out.contains(expected), expected + " in\n" + out);
        }
    }

    @Test
    void anEmptyTableSaysWhereItListened() {
        assertTrue(print(List.of(), status(true, Map.of())).contains(
                "no OSDs heard on 239.1.2.3:8123 via lo (127.0.0.1) in the last 30 s"));
        assertTrue(print(List.of(), status(false, Map.of())).contains("not listening (listen = false"));
    }

    @Test
    void aConfigurationNotAppliedIsSaid() {
        Status previous = new Status(true, "239.1.2.3", 8123, "lo (127.0.0.1)", 1, Duration.ofSeconds(10),
                Duration.ofSeconds(30), true, true, 0, 0, Map.of(), "interface eth7 does not exist");
        assertTrue(print(List.of(), previous).contains("warning: the configuration in etc/io.albireo.discovery.cfg is"
                + " not applied, the previous one runs: interface eth7 does not exist"));
        Status unbound = new Status(false, "239.1.2.3", 8123, "none", 1, Duration.ofSeconds(10),
                Duration.ofSeconds(30), false, false, 0, 0, Map.of(), "interface eth7 does not exist");
        String out = print(List.of(), unbound);
        assertTrue(out.contains("not running: no OSDs heard"), out);
        assertTrue(!out.contains("announcements heard"), "no summary of a network it does not have:\n" + out);
    }

    private static String print(List<Discovered> discovered, Status status) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DiscoveredFormat.table(discovered, status, NOW, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonHasTheAnnouncementAndWhenAndWhereItWasHeard() {
        JsonArray all = JsonParser.parseString(DiscoveredFormat.json(List.of(HEARD), NOW)).getAsJsonArray();
        JsonObject one = all.get(0).getAsJsonObject();
        assertEquals("8d2c3a6e", one.getAsJsonObject("announcement").get("longId").getAsString());
        assertEquals(4000787030016L, one.getAsJsonObject("announcement").get("total").getAsLong());
        assertEquals("10.0.0.5", one.get("source").getAsString());
        assertEquals("2026-11-22T08:57:55Z", one.get("firstSeen").getAsString());
        assertEquals(4, one.get("lastSeenSecondsAgo").getAsLong());
        assertEquals("[]", DiscoveredFormat.json(List.of(), NOW));
    }

    @Test
    void withoutDiscoveryTheCommandFails() {
        CommandException e = assertThrows(CommandException.class, () -> new DiscoveredCommand().execute());
        assertTrue(e.getMessage().contains("not running"), e.getMessage());
    }
}
