package io.albireo.discovery.internal;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** How many datagrams were taken as announcements, and how many dropped for each reason. Thread-safe. */
final class Counters {
    private final LongAdder accepted = new LongAdder();
    private final Map<Drop, LongAdder> dropped = new EnumMap<>(Drop.class);

    Counters() {
        for (Drop d : Drop.values()) {
            dropped.put(d, new LongAdder()); // filled once, only read afterwards
        }
    }

    void accepted() {
        accepted.increment();
    }

    void dropped(Drop reason) {
        dropped.get(reason).increment();
    }

    /** @return datagrams taken as announcements */
    long acceptedCount() {
        return accepted.sum();
    }

    /** @return datagrams dropped for this reason */
    long droppedCount(Drop reason) {
        return dropped.get(reason).sum();
    }
}
