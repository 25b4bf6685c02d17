package io.albireo.osd.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class BackoffTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final Backoff backoff = new Backoff(100, 1_000, now::get);

    @Test
    void waitsDoubleFromTheMinimumToTheMaximum() {
        assertTrue(backoff.mayAttempt(), "the first attempt never waits");
        long[] expected = {100, 200, 400, 800, 1_000, 1_000};
        for (long wait : expected) {
            backoff.failed();
            assertFalse(backoff.mayAttempt());
            assertEquals(wait, backoff.remaining());
            now.addAndGet(wait - 1);
            assertFalse(backoff.mayAttempt());
            now.incrementAndGet();
            assertTrue(backoff.mayAttempt());
            assertEquals(0, backoff.remaining());
        }
    }

    @Test
    void aHandshakeLiftsTheWaitButOnlyAnAnswerResetsTheDelay() {
        backoff.failed();
        backoff.failed();
        backoff.failed();
        backoff.connected();
        assertTrue(backoff.mayAttempt());
        assertEquals(800, backoff.nextDelay(), "an ASD that accepts and then dies keeps its growing delay");
        backoff.proven();
        assertEquals(100, backoff.nextDelay());
        backoff.failed();
        assertEquals(100, backoff.remaining());
    }

    @Test
    void aClockThatWrapsAroundStillCounts() {
        AtomicLong wrapping = new AtomicLong(Long.MAX_VALUE - 50);
        Backoff b = new Backoff(100, 100, wrapping::get);
        b.failed();
        wrapping.addAndGet(99);
        assertFalse(b.mayAttempt());
        wrapping.incrementAndGet();
        assertTrue(b.mayAttempt());
    }
}
