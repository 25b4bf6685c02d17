package io.albireo.osd.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

class LatenciesTest {

    @Test
    void smallValuesAreExact() {
        Latencies l = new Latencies();
        for (int v = 0; v < 256; v++) {
            l.record(v);
        }
        assertEquals(127, l.percentile(0.5));
        assertEquals(253, l.percentile(0.99));
        assertEquals(255, l.percentile(1.0));
        assertEquals(255, l.max());
        assertEquals(127.5, l.mean());
    }

    @Test
    void percentilesOfLargeValuesAreWithinOnePercent() {
        Latencies l = new Latencies();
        for (long us = 1; us <= 100_000; us++) {
            l.record(us * 1000);
        }
        assertWithin(50_000_000, l.percentile(0.5));
        assertWithin(99_000_000, l.percentile(0.99));
        assertEquals(100_000_000, l.max());
        assertEquals(100_000_000, l.percentile(1.0), "never above the maximum");
        assertEquals(50_000_500.0, l.mean());
    }

    @Test
    void mergingIsTheSameAsRecordingTogether() {
        Latencies all = new Latencies();
        Latencies a = new Latencies();
        Latencies b = new Latencies();
        Random random = new Random(5);
        for (int i = 0; i < 10_000; i++) {
            long v = (long) Math.exp(random.nextDouble() * 25);
            all.record(v);
            (i % 3 == 0 ? a : b).record(v);
        }
        a.add(b);
        assertEquals(all.count(), a.count());
        assertEquals(all.mean(), a.mean());
        assertEquals(all.max(), a.max());
        for (double p : new double[] {0.01, 0.5, 0.9, 0.99, 0.999}) {
            assertEquals(all.percentile(p), a.percentile(p));
        }
    }

    @Test
    void everyValueFallsInABucketThatHoldsItWithinOnePercent() {
        Random random = new Random(9);
        for (int i = 0; i < 100_000; i++) {
            long v = (long) Math.exp(random.nextDouble() * 27);
            long upper = Latencies.upper(Latencies.index(v));
            assertTrue(upper >= v && upper - v <= v / 128, v + " -> " + upper);
        }
        assertEquals(Latencies.index(1L << 41), Latencies.index(Long.MAX_VALUE), "past 2^40 ns all in one bucket");
    }

    @Test
    void anEmptyHistogramSaysZero() {
        Latencies l = new Latencies();
        assertEquals(0, l.percentile(0.5));
        assertEquals(0, l.mean());
        assertEquals(0, l.max());
    }

    private static void assertWithin(long expected, long actual) {
        assertTrue(Math.abs(actual - expected) <= expected / 100, "expected " + expected + " within 1%, got " + actual);
    }
}
