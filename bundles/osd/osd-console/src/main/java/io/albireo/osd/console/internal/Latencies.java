package io.albireo.osd.console.internal;

/**
 * A latency histogram in nanoseconds: fixed memory whatever the number of operations, percentiles within 1% (each
 * power of two is split into 128 buckets), mean and maximum exact. One per client thread, merged at the end of a phase;
 * not thread-safe.
 */
final class Latencies {
    private static final int SUB_BITS = 7;
    private static final int SUB = 1 << SUB_BITS;
    /** Values from 2^40 ns (18 minutes) up share the last bucket: no operation waits that long. */
    private static final int MAX_EXPONENT = 40;
    private static final int BUCKETS = 2 * SUB + (MAX_EXPONENT - SUB_BITS - 1) * SUB;

    private final long[] counts = new long[BUCKETS];
    private long count;
    private long sum;
    private long max;

    void record(long nanos) {
        long v = Math.max(0, nanos);
        counts[index(v)]++;
        count++;
        sum += v;
        max = Math.max(max, v);
    }

    void add(Latencies other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        count += other.count;
        sum += other.sum;
        max = Math.max(max, other.max);
    }

    long count() {
        return count;
    }

    /** @return the mean in nanoseconds, 0 when empty */
    double mean() {
        return count == 0 ? 0 : (double) sum / count;
    }

    long max() {
        return max;
    }

    /**
     * @param fraction from 0 to 1: 0.5 for the median, 0.99 for p99
     * @return the smallest latency that {@code fraction} of the operations did not exceed, within 1%; 0 when empty
     */
    long percentile(double fraction) {
        if (count == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(fraction * count));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(max, upper(i));
            }
        }
        return max;
    }

    static int index(long v) {
        if (v < 2 * SUB) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v);
        if (exponent >= MAX_EXPONENT) {
            return BUCKETS - 1;
        }
        int shift = exponent - SUB_BITS;
        int mantissa = (int) (v >>> shift) - SUB;
        return 2 * SUB + (exponent - SUB_BITS - 1) * SUB + mantissa;
    }

    /** @return the largest value that falls in bucket {@code i} */
    static long upper(int i) {
        if (i < 2 * SUB) {
            return i;
        }
        int exponent = (i - 2 * SUB) / SUB + SUB_BITS + 1;
        int mantissa = (i - 2 * SUB) % SUB + SUB;
        int shift = exponent - SUB_BITS;
        return ((long) (mantissa + 1) << shift) - 1;
    }
}
