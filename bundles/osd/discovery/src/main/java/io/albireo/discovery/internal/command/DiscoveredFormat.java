package io.albireo.discovery.internal.command;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.apache.karaf.shell.support.table.ShellTable;

import com.google.gson.GsonBuilder;

import io.albireo.api.osd.OsdAnnouncement;
import io.albireo.api.osd.OsdDiscovery.Discovered;
import io.albireo.discovery.internal.MulticastDiscovery.Status;

/** How {@code osd:discovered} shows the OSDs: a table for people, JSON for scripts. */
final class DiscoveredFormat {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private DiscoveredFormat() {
    }

    /** One OSD in the JSON output: the API's record with its instants as ISO-8601 text and as ages. */
    record JsonDiscovered(OsdAnnouncement announcement, String source, String firstSeen, String lastSeen,
            long firstSeenSecondsAgo, long lastSeenSecondsAgo) {
    }

    static String json(List<Discovered> discovered, Instant now) {
        List<JsonDiscovered> rows = discovered.stream().map(d -> new JsonDiscovered(d.announcement(), d.source(),
                d.firstSeen().toString(), d.lastSeen().toString(), secondsAgo(d.firstSeen(), now),
                secondsAgo(d.lastSeen(), now))).toList();
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(rows);
    }

    static void table(List<Discovered> discovered, Status status, Instant now, PrintStream out) {
        ShellTable table = new ShellTable().emptyTableText(empty(status));
        for (String column : new String[] {"Long id", "Kind", "Node", "Addresses", "Used / total", "Software",
                "First seen", "Last seen", "Source"}) {
            table.column(column);
        }
        for (Discovered d : discovered) {
            OsdAnnouncement a = d.announcement();
            table.addRow().addContent(a.longId(), a.kind(), a.nodeId(), endpoints(a), usage(a.used(), a.total()),
                    a.software(), age(d.firstSeen(), now), age(d.lastSeen(), now), d.source());
        }
        table.print(out);
        if (status != null && status.bound()) {
            out.println(summary(status));
            if (status.problem() != null) {
                out.println("warning: the configuration in etc/io.albireo.discovery.cfg is not applied, the previous"
                        + " one runs: " + status.problem());
            }
        }
    }

    private static String empty(Status status) {
        if (status == null) {
            return "no OSDs heard";
        }
        if (!status.bound()) {
            return "not running: no OSDs heard";
        }
        if (!status.listening()) {
            return "not listening (listen = false in etc/io.albireo.discovery.cfg): no OSDs heard";
        }
        return "no OSDs heard on " + status.group() + ":" + status.port() + " via " + status.nic() + " in the last "
                + status.expiry().toSeconds() + " s";
    }

    /**
     * @return e.g. "239.1.2.3:8123 on lo (127.0.0.1), ttl 1: 1 OSD of this node announced; 12 announcements heard,
     *         2 dropped (2 malformed)"
     */
    static String summary(Status status) {
        long dropped = status.dropped().values().stream().mapToLong(Long::longValue).sum();
        String reasons = status.dropped().entrySet().stream().filter(e -> e.getValue() > 0)
                .map(e -> e.getValue() + " " + e.getKey().replace('_', ' ')).collect(Collectors.joining(", "));
        return status.group() + ":" + status.port() + " on " + status.nic() + ", ttl " + status.ttl() + ": "
                + (status.sending() ? status.registered() + (status.registered() == 1 ? " OSD" : " OSDs")
                        + " of this node announced" : "not sending")
                + "; " + (status.listening() ? status.accepted() + " announcements heard, " + dropped + " dropped"
                        + (dropped > 0 ? " (" + reasons + ")" : "") : "not listening");
    }

    /** @return every address with the port, IPv6 in brackets: "10.0.0.5:8000, [fd00::5]:8000" */
    static String endpoints(OsdAnnouncement a) {
        return a.addresses().stream().map(h -> (h.contains(":") ? "[" + h + "]" : h) + ":" + a.port())
                .collect(Collectors.joining(", "));
    }

    /** @return e.g. "1.5 GiB / 4.0 TiB" */
    static String usage(long used, long total) {
        return bytes(used) + " / " + bytes(total);
    }

    /** @return the size in binary units with one decimal, e.g. "512 B", "1.5 GiB" */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        int unit = (63 - Long.numberOfLeadingZeros(n)) / 10; // 1024^unit <= n
        return String.format(Locale.ROOT, "%.1f %s", n / Math.pow(1024, unit), UNITS[unit]);
    }

    /** @return how long ago: seconds under two minutes, else minutes, hours, days: "7 s ago", "3 h 12 min ago" */
    static String age(Instant then, Instant now) {
        long s = secondsAgo(then, now);
        if (s < 120) {
            return s + " s ago";
        }
        Duration d = Duration.ofSeconds(s);
        if (d.toHours() < 1) {
            return d.toMinutes() + " min ago";
        }
        if (d.toDays() < 1) {
            return d.toHours() + " h " + d.toMinutesPart() + " min ago";
        }
        return d.toDays() + " d " + d.toHoursPart() + " h ago";
    }

    private static long secondsAgo(Instant then, Instant now) {
        return Math.max(0, Duration.between(then, now).toSeconds());
    }
}
