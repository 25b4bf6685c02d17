package io.albireo.codec.rs.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.albireo.api.codec.ErasureCode;

/**
 * Systematic RS(k, m) over GF(2^8) with the fixed {@link GeneratorMatrix}. Encoding applies the m parity rows to the k
 * data fragments; reconstruction picks k present fragments (data first), inverts their rows and applies only the rows
 * of the fragments asked for, so repairing one lost fragment costs one row, not m. With k = 1 everything is a copy.
 */
final class ReedSolomon implements ErasureCode {
    /** Buffers without an accessible array are processed through scratch arrays this large. */
    static final int STRIP = 64 * 1024;
    /** The most erasure patterns whose decoders are kept. */
    static final int DECODERS = 256;

    private final int k;
    private final int m;
    private final GeneratorMatrix matrix;
    private final Kernels kernels;
    /** The parity rows, prepared once; null when there is no arithmetic to do (m = 0 or k = 1). */
    private final LinearMap encoder;
    /**
     * Decoders by erasure pattern (sources and wanted fragments). A lost disk makes every read of its fragments ask for
     * the same pattern, so the inversion and table building are done once; the bound keeps the cache small.
     */
    private final Map<String, LinearMap> decoders = new ConcurrentHashMap<>();

    ReedSolomon(int k, int m, Kernels kernels) {
        this.k = k;
        this.m = m;
        this.matrix = new GeneratorMatrix(k, m);
        this.kernels = kernels;
        this.encoder = m == 0 || k == 1 ? null : kernels.linearMap(matrix.parityRows());
    }

    @Override
    public int k() {
        return k;
    }

    @Override
    public int m() {
        return m;
    }

    @Override
    public void encode(ByteBuffer[] data, ByteBuffer[] parity) {
        check(data.length == k, "RS(%d,%d) encodes %d data fragments, got %d", k, m, k, data.length);
        check(parity.length == m, "RS(%d,%d) makes %d parity fragments, got %d buffers", k, m, m, parity.length);
        int len = commonLength(data, "data fragment");
        for (int r = 0; r < m; r++) {
            check(parity[r].remaining() >= len, "parity buffer %d has room for %d bytes, fragments are %d", r,
                    parity[r].remaining(), len);
        }
        if (m == 0) {
            return;
        }
        if (k == 1) {
            for (ByteBuffer copy : parity) {
                copy.duplicate().put(data[0].duplicate());
            }
            return;
        }
        apply(encoder, data, parity, len);
    }

    @Override
    public void reconstruct(ByteBuffer[] fragments, int[] wanted, ByteBuffer[] out) {
        check(fragments.length == k + m, "RS(%d,%d) has %d fragments, got %d entries", k, m, k + m,
                fragments.length);
        check(out.length == wanted.length, "%d fragments wanted but %d output buffers", wanted.length, out.length);
        boolean[] seen = new boolean[k + m];
        for (int w : wanted) {
            check(w >= 0 && w < k + m, "fragment %d does not exist in RS(%d,%d)", w, k, m);
            check(!seen[w], "fragment %d is wanted twice", w);
            seen[w] = true;
        }
        int[] sources = new int[k];
        int found = 0;
        for (int i = 0; i < k + m && found < k; i++) {
            if (fragments[i] != null) {
                sources[found++] = i;
            }
        }
        check(found == k, "RS(%d,%d) needs %d fragments to rebuild others; only %d are present", k, m, k,
                presentCount(fragments));
        ByteBuffer[] in = new ByteBuffer[k];
        for (int j = 0; j < k; j++) {
            in[j] = fragments[sources[j]];
        }
        int len = commonLength(in, "fragment");
        for (int w = 0; w < out.length; w++) {
            check(out[w].remaining() >= len, "output buffer for fragment %d has room for %d bytes, fragments are %d",
                    wanted[w], out[w].remaining(), len);
        }
        if (wanted.length == 0) {
            return;
        }
        if (k == 1) {
            for (ByteBuffer copy : out) {
                copy.duplicate().put(in[0].duplicate());
            }
            return;
        }
        apply(decoder(sources, wanted), in, out, len);
    }

    private LinearMap decoder(int[] sources, int[] wanted) {
        String pattern = Arrays.toString(sources) + Arrays.toString(wanted);
        LinearMap decoder = decoders.get(pattern);
        if (decoder == null) {
            if (decoders.size() >= DECODERS) {
                decoders.clear();
            }
            decoder = kernels.linearMap(matrix.decodingRows(sources, wanted));
            decoders.put(pattern, decoder);
        }
        return decoder;
    }

    /** Runs the map on the buffers' arrays when they have them, else strip by strip through scratch arrays. */
    private static void apply(LinearMap map, ByteBuffer[] in, ByteBuffer[] out, int len) {
        if (allArrays(in, false) && allArrays(out, true)) {
            byte[][] inArrays = new byte[in.length][];
            int[] inOffsets = new int[in.length];
            for (int j = 0; j < in.length; j++) {
                inArrays[j] = in[j].array();
                inOffsets[j] = in[j].arrayOffset() + in[j].position();
            }
            byte[][] outArrays = new byte[out.length][];
            int[] outOffsets = new int[out.length];
            for (int r = 0; r < out.length; r++) {
                outArrays[r] = out[r].array();
                outOffsets[r] = out[r].arrayOffset() + out[r].position();
            }
            map.apply(inArrays, inOffsets, outArrays, outOffsets, len);
            return;
        }
        int strip = Math.min(STRIP, len);
        byte[][] inScratch = new byte[in.length][strip];
        byte[][] outScratch = new byte[out.length][strip];
        int[] zeros = new int[Math.max(in.length, out.length)];
        for (int done = 0; done < len; done += strip) {
            int n = Math.min(strip, len - done);
            for (int j = 0; j < in.length; j++) {
                in[j].get(in[j].position() + done, inScratch[j], 0, n);
            }
            map.apply(inScratch, zeros, outScratch, zeros, n);
            for (int r = 0; r < out.length; r++) {
                out[r].put(out[r].position() + done, outScratch[r], 0, n);
            }
        }
    }

    private static boolean allArrays(ByteBuffer[] buffers, boolean writable) {
        for (ByteBuffer b : buffers) {
            if (!b.hasArray() || (writable && b.isReadOnly())) {
                return false;
            }
        }
        return true;
    }

    private int commonLength(ByteBuffer[] buffers, String what) {
        int len = buffers.length == 0 ? 0 : buffers[0].remaining();
        for (int i = 1; i < buffers.length; i++) {
            check(buffers[i].remaining() == len, "%ss differ in length: %d and %d bytes", what, len,
                    buffers[i].remaining());
        }
        return len;
    }

    private static long presentCount(ByteBuffer[] fragments) {
        return Arrays.stream(fragments).filter(f -> f != null).count();
    }

    private static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalArgumentException(String.format(format, args));
        }
    }

    @Override
    public String toString() {
        return "RS(" + k + "," + m + ") with " + kernels.description() + " kernels";
    }
}
