package io.albireo.codec.rs.internal;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.albireo.api.codec.Erasure;
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
        int len = Erasure.checkEncode(k, m, data, parity);
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
        Erasure erasure = Erasure.of(k, m, fragments, wanted, out);
        ByteBuffer[] in = erasure.sourceBuffers(fragments);
        if (wanted.length == 0) {
            return;
        }
        if (k == 1) {
            for (ByteBuffer copy : out) {
                copy.duplicate().put(in[0].duplicate());
            }
            return;
        }
        apply(decoder(erasure), in, out, erasure.length());
    }

    private LinearMap decoder(Erasure erasure) {
        LinearMap decoder = decoders.get(erasure.pattern());
        if (decoder == null) {
            if (decoders.size() >= DECODERS) {
                decoders.clear();
            }
            decoder = kernels.linearMap(matrix.decodingRows(erasure.sources(), erasure.wanted()));
            decoders.put(erasure.pattern(), decoder);
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

    @Override
    public String toString() {
        return "RS(" + k + "," + m + ") with " + kernels.description() + " kernels";
    }
}
