package io.albireo.api.codec;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One reconstruction in an RS(k, m) stripe: the k fragments to read (the sources: the present ones, data fragments
 * first, then parity, lowest index first) and the fragments wanted. Every {@link ErasureCode} implementation chooses its
 * sources this way, and a reader that fetches fragments can ask it which k to fetch. The factory methods check every
 * argument, so an implementation that uses them refuses bad calls the same way, before it touches any buffer.
 *
 * @param k the number of data fragments
 * @param m the number of parity fragments
 * @param length the length of every fragment
 */
public record Erasure(int k, int m, int length, int[] sources, int[] wanted) {

    /** Copies the arrays. */
    public Erasure {
        sources = sources.clone();
        wanted = wanted.clone();
    }

    /**
     * Checks a reconstruction call and chooses its sources.
     *
     * @param k data fragments
     * @param m parity fragments
     * @param fragments k + m entries, {@code null} where a fragment is missing
     * @param wanted the distinct indices of the fragments to rebuild
     * @param out one buffer per wanted fragment, with room for a fragment
     * @return the reconstruction
     * @throws IllegalArgumentException naming what is wrong: too few fragments, unequal lengths, a bad index
     */
    public static Erasure of(int k, int m, ByteBuffer[] fragments, int[] wanted, ByteBuffer[] out) {
        check(fragments.length == k + m, "RS(%d,%d) has %d fragments, got %d entries", k, m, k + m, fragments.length);
        check(out.length == wanted.length, "%d fragments wanted but %d output buffers", wanted.length, out.length);
        boolean[] seen = new boolean[k + m];
        for (int w : wanted) {
            check(w >= 0 && w < k + m, "fragment %d does not exist in RS(%d,%d)", w, k, m);
            check(!seen[w], "fragment %d is wanted twice", w);
            seen[w] = true;
        }
        int[] sources = new int[k];
        int found = 0;
        int present = 0;
        for (int i = 0; i < k + m; i++) {
            if (fragments[i] != null) {
                present++;
                if (found < k) {
                    sources[found++] = i;
                }
            }
        }
        check(found == k, "RS(%d,%d) needs %d fragments to rebuild others; only %d are present", k, m, k, present);
        int length = fragments[sources[0]].remaining();
        for (int source : sources) {
            check(fragments[source].remaining() == length, "fragments differ in length: %d and %d bytes", length,
                    fragments[source].remaining());
        }
        for (int w = 0; w < out.length; w++) {
            check(out[w].remaining() >= length, "output buffer for fragment %d has room for %d bytes, fragments are %d",
                    wanted[w], out[w].remaining(), length);
        }
        return new Erasure(k, m, length, sources, wanted);
    }

    /**
     * Checks an encoding call.
     *
     * @return the length of every fragment
     * @throws IllegalArgumentException naming what is wrong
     */
    public static int checkEncode(int k, int m, ByteBuffer[] data, ByteBuffer[] parity) {
        check(data.length == k, "RS(%d,%d) encodes %d data fragments, got %d", k, m, k, data.length);
        check(parity.length == m, "RS(%d,%d) makes %d parity fragments, got %d buffers", k, m, m, parity.length);
        int length = data[0].remaining();
        for (ByteBuffer d : data) {
            check(d.remaining() == length, "data fragments differ in length: %d and %d bytes", length, d.remaining());
        }
        for (int r = 0; r < m; r++) {
            check(parity[r].remaining() >= length, "parity buffer %d has room for %d bytes, fragments are %d", r,
                    parity[r].remaining(), length);
        }
        return length;
    }

    /**
     * Checks a codec's shape against its limits.
     *
     * @throws IllegalArgumentException naming the limits
     */
    public static void checkShape(String codec, int k, int m, int maxK, int maxM) {
        check(k >= 1 && k <= maxK && m >= 0 && m <= maxM, "%s supports 1 <= k <= %d and 0 <= m <= %d; got k = %d,"
                + " m = %d", codec, maxK, maxM, k, m);
    }

    /** @return the indices of the k fragments to read, ascending */
    @Override
    public int[] sources() {
        return sources.clone();
    }

    /** @return the indices of the fragments to rebuild, in the order of the output buffers */
    @Override
    public int[] wanted() {
        return wanted.clone();
    }

    /** @return the source buffers, picked from {@code fragments} */
    public ByteBuffer[] sourceBuffers(ByteBuffer[] fragments) {
        ByteBuffer[] in = new ByteBuffer[k];
        for (int j = 0; j < k; j++) {
            in[j] = fragments[sources[j]];
        }
        return in;
    }

    /** @return a key naming the sources and the wanted fragments: equal keys need the same decoder */
    public String pattern() {
        return Arrays.toString(sources) + "->" + Arrays.toString(wanted);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Erasure e && k == e.k && m == e.m && length == e.length
                && Arrays.equals(sources, e.sources) && Arrays.equals(wanted, e.wanted);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(sources) + Arrays.hashCode(wanted)) + length;
    }

    @Override
    public String toString() {
        return "Erasure[RS(" + k + "," + m + "), " + length + " bytes, " + pattern() + "]";
    }

    private static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalArgumentException(String.format(format, args));
        }
    }
}
