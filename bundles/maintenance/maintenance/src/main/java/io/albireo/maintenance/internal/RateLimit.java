package io.albireo.maintenance.internal;

import java.util.concurrent.TimeUnit;

/**
 * A token bucket of bytes per second that every job of an agent draws from, so that maintenance leaves the disks and
 * the network to clients. Jobs draw before they read or write, and the bucket holds at most a tenth of a second's
 * worth, so that the agent's IO is spread evenly rather than in bursts that clients would wait behind. A draw larger
 * than the bucket is allowed (a fragment is not split) and paid for by waiting. The limit can change at any time; 0
 * means none.
 */
final class RateLimit {
    private long bytesPerSecond;
    private double tokens;
    private long refilled = System.nanoTime();

    RateLimit(long bytesPerSecond) {
        set(bytesPerSecond);
    }

    synchronized void set(long newBytesPerSecond) {
        if (newBytesPerSecond < 0) {
            throw new IllegalArgumentException("a rate limit is 0 (none) or more bytes per second, not "
                    + newBytesPerSecond);
        }
        bytesPerSecond = newBytesPerSecond;
        tokens = Math.min(tokens, burst());
        notifyAll();
    }

    synchronized long get() {
        return bytesPerSecond;
    }

    /** Waits until {@code bytes} may be spent, then spends them. */
    void acquire(long bytes) throws InterruptedException {
        long wait;
        synchronized (this) {
            if (bytesPerSecond == 0) {
                return;
            }
            refill();
            tokens -= bytes; // may go negative: the debt is the wait
            wait = tokens >= 0 ? 0 : (long) (-tokens * 1e9 / bytesPerSecond);
        }
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private double burst() {
        return bytesPerSecond / 10.0;
    }

    private void refill() {
        long now = System.nanoTime();
        tokens = Math.min(burst(), tokens + (now - refilled) * 1e-9 * bytesPerSecond);
        refilled = now;
    }
}
