package io.albireo.discovery.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.slf4j.Logger;

/**
 * Logs at most one line per key and period, and says how many were held back. What a network peer sends must not be
 * able to flood the log; the first line of a burst still shows at once. Keys are a fixed set chosen by the code, never
 * taken from the network, so the map stays small.
 */
final class RateLimitedLog {
    private final Logger log;
    private final long periodNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        boolean started;
        long startNanos;
        long suppressed;
    }

    RateLimitedLog(Logger log, long periodNanos, LongSupplier nanoTime) {
        this.log = log;
        this.periodNanos = periodNanos;
        this.nanoTime = nanoTime;
    }

    /**
     * Logs a warning unless one with this key was logged within the period.
     *
     * @param key what kind of event this is
     * @param message the line, without placeholders
     */
    void warn(String key, String message) {
        String line = line(key, message);
        if (line != null) {
            log.warn(line);
        }
    }

    /**
     * @param key what kind of event this is
     * @param message the line
     * @return the line to log now, saying how many were held back since the last; null to hold this one back
     */
    String line(String key, String message) {
        long held = admit(key);
        if (held < 0) {
            return null;
        }
        return held == 0 ? message
                : message + " (" + held + " more like this in the last " + periodNanos / 1_000_000_000L + " s)";
    }

    /** @return -1 to hold this one back, else how many were held back since the last line */
    private long admit(String key) {
        Window w = windows.computeIfAbsent(key, k -> new Window());
        long now = nanoTime.getAsLong();
        synchronized (w) {
            if (w.started && now - w.startNanos < periodNanos) {
                w.suppressed++;
                return -1;
            }
            long held = w.suppressed;
            w.started = true;
            w.startNanos = now;
            w.suppressed = 0;
            return held;
        }
    }
}
