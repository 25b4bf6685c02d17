package io.albireo.discovery.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;

import io.albireo.api.osd.OsdAnnouncement;
import io.albireo.api.osd.OsdDiscovery.Discovered;

/**
 * The latest announcement per long id, with when it was first and last heard and where from. Bounded: anyone on the
 * network can announce, so at most {@link #MAX_OSDS} long ids are kept; past that, new ones are refused until old ones
 * expire, while known ones still update. Thread-safe.
 */
final class DiscoveredTable {
    /** Far more OSDs than one group should see; with the codec's field bounds, a full table takes 16 MB at worst. */
    static final int MAX_OSDS = 4096;

    /** What {@link #record} did with an announcement. */
    enum Outcome {
        NEW, UPDATED, MOVED, REFUSED
    }

    // Expiry runs on the monotonic clock (nanoTime), so a wall clock step neither forgets nor keeps OSDs wrongly;
    // the Instants are for people.
    private record Entry(Discovered discovered, long lastSeenNanos) {
    }

    private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final int capacity;
    private final Clock clock;
    private final LongSupplier nanoTime;

    DiscoveredTable() {
        this(MAX_OSDS, Clock.systemUTC(), System::nanoTime);
    }

    DiscoveredTable(int capacity, Clock clock, LongSupplier nanoTime) {
        this.capacity = capacity;
        this.clock = clock;
        this.nanoTime = nanoTime;
    }

    /**
     * Keeps an announcement as the latest of its long id.
     *
     * @param announcement what was heard
     * @param source the address it came from
     * @param expiry how long an OSD is kept without news
     * @return NEW for a long id not known, UPDATED for one known from the same source, MOVED for one known from another
     *         source (a moved OSD, or two OSDs claiming one long id), REFUSED for a new one while the table is full
     */
    Outcome record(OsdAnnouncement announcement, String source, Duration expiry) {
        long now = nanoTime.getAsLong();
        String id = announcement.longId();
        if (!entries.containsKey(id) && entries.size() >= capacity) {
            expire(now, expiry);
            if (entries.size() >= capacity) {
                return Outcome.REFUSED;
            }
        }
        Outcome[] outcome = new Outcome[1];
        entries.compute(id, (key, old) -> {
            var seen = clock.instant();
            if (old == null || expired(old, now, expiry)) {
                outcome[0] = Outcome.NEW;
                return new Entry(new Discovered(announcement, source, seen, seen), now);
            }
            outcome[0] = old.discovered().source().equals(source) ? Outcome.UPDATED : Outcome.MOVED;
            return new Entry(new Discovered(announcement, source, old.discovered().firstSeen(), seen), now);
        });
        return outcome[0];
    }

    /**
     * @param expiry how long an OSD is kept without news
     * @return the OSDs heard within it, by long id
     */
    List<Discovered> current(Duration expiry) {
        expire(nanoTime.getAsLong(), expiry);
        return entries.values().stream().map(Entry::discovered)
                .sorted(Comparator.comparing(d -> d.announcement().longId())).toList();
    }

    private void expire(long now, Duration expiry) {
        entries.values().removeIf(e -> expired(e, now, expiry));
    }

    private static boolean expired(Entry entry, long now, Duration expiry) {
        return now - entry.lastSeenNanos() > expiry.toNanos();
    }
}
