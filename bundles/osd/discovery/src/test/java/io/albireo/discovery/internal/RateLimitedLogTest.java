package io.albireo.discovery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RateLimitedLogTest {
    private static final long MINUTE = 60_000_000_000L;

    @Test
    void logsOncePerKeyAndPeriodAndCountsWhatItHeldBack() {
        AtomicLong now = new AtomicLong(5);
        RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RateLimitedLogTest.class), MINUTE, now::get);
        assertEquals("first", log.line("malformed", "first"));
        assertNull(log.line("malformed", "second"));
        assertNull(log.line("malformed", "third"));
        assertEquals("other key", log.line("oversized", "other key"), "keys are limited apart");
        now.addAndGet(MINUTE - 1);
        assertNull(log.line("malformed", "fourth"));
        now.addAndGet(1);
        assertEquals("fifth (3 more like this in the last 60 s)", log.line("malformed", "fifth"));
        now.addAndGet(MINUTE);
        assertEquals("sixth", log.line("malformed", "sixth"), "nothing held back since the fifth");
    }
}
