package io.albireo.osd.asd.internal;

import java.util.function.LongSupplier;

/**
 * When the driver may next try to connect to an ASD that failed it, so that a dead ASD is not hammered: after each
 * failure the wait doubles, from the minimum to the maximum. A successful handshake lifts the wait at once (the other
 * connections of the pool may follow), but the delay is reset to the minimum only once a connection has answered a
 * request: an ASD that accepts connections and then dies on every request still gets the growing delay.
 *
 * <p>Not thread-safe: the pool guards it with its lock. Times are in nanoseconds of the given clock.
 */
final class Backoff {
    private final long min;
    private final long max;
    private final LongSupplier clock;
    private long delay;
    private long notBefore;
    private boolean waiting;

    Backoff(long minNanos, long maxNanos, LongSupplier clock) {
        this.min = minNanos;
        this.max = maxNanos;
        this.clock = clock;
        this.delay = minNanos;
    }

    /** @return whether an attempt may start now */
    boolean mayAttempt() {
        return !waiting || clock.getAsLong() - notBefore >= 0;
    }

    /** @return nanoseconds until an attempt may start, 0 if it may now */
    long remaining() {
        return waiting ? Math.max(0, notBefore - clock.getAsLong()) : 0;
    }

    /** A connection attempt failed, or a connection that never answered anything broke. */
    void failed() {
        notBefore = clock.getAsLong() + delay;
        waiting = true;
        delay = Math.min(max, delay * 2);
    }

    /** A handshake succeeded: attempts may go on at once. */
    void connected() {
        waiting = false;
    }

    /** A connection answered a request: the ASD is healthy, the next failure starts from the minimum again. */
    void proven() {
        waiting = false;
        delay = min;
    }

    /** @return the wait the next failure will bring, in nanoseconds */
    long nextDelay() {
        return delay;
    }
}
