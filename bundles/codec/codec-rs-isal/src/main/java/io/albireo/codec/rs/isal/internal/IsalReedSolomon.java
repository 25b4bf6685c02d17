package io.albireo.codec.rs.isal.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import io.albireo.api.codec.Erasure;
import io.albireo.api.codec.ErasureCode;

/**
 * RS(k, m) computed by ISA-L, with the same generator as the Java codec: the identity over ISA-L's own Cauchy matrix
 * (gf_gen_cauchy1_matrix) for k > 1, all-ones parity rows (copies) for k = 1. Matrix inversion and products go through
 * ISA-L's GF(2^8) routines too, so this is an independent implementation that the tests compare with the Java one.
 *
 * <p>
 * Direct buffers are handed to ISA-L as they are. Heap buffers are copied through native scratch memory in strips,
 * which costs a copy of every byte: the data path should use direct buffers with this codec.
 */
final class IsalReedSolomon implements ErasureCode {
    /** The strip size for buffers that are not direct. */
    static final int STRIP = 256 * 1024;
    /** The most erasure patterns whose decoding tables are kept. */
    static final int DECODERS = 256;

    private final int k;
    private final int m;
    /** The (k + m) x k generator, row-major. */
    private final byte[] generator;
    /** The parity rows expanded by ec_init_tables; null when there is no arithmetic (m = 0 or k = 1). */
    private final Memory encodeTables;
    /**
     * Decoding tables by erasure pattern (sources and wanted fragments): a lost disk makes every read of its fragments
     * ask for the same pattern. Bounded; native memory is freed by JNA when a dropped table is collected.
     */
    private final Map<String, Memory> decoders = new ConcurrentHashMap<>();

    IsalReedSolomon(int k, int m) {
        this.k = k;
        this.m = m;
        this.generator = new byte[(k + m) * k];
        if (k == 1) {
            Arrays.fill(generator, (byte) 1);
        } else {
            Isal.gf_gen_cauchy1_matrix(generator, k + m, k);
        }
        this.encodeTables = m == 0 || k == 1 ? null : tables(Arrays.copyOfRange(generator, k * k, (k + m) * k), m);
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
        apply(encodeTables, data, parity, len);
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

    private Memory decoder(Erasure erasure) {
        Memory tables = decoders.get(erasure.pattern());
        if (tables == null) {
            if (decoders.size() >= DECODERS) {
                decoders.clear();
            }
            int[] wanted = erasure.wanted();
            tables = tables(decodingRows(erasure.sources(), wanted), wanted.length);
            decoders.put(erasure.pattern(), tables);
        }
        return tables;
    }

    /** The rows that make the wanted fragments from the sources: row(w) x inverse(rows of the sources). */
    private byte[] decodingRows(int[] sources, int[] wanted) {
        byte[] sub = new byte[k * k];
        for (int i = 0; i < k; i++) {
            System.arraycopy(generator, sources[i] * k, sub, i * k, k);
        }
        byte[] inverse = new byte[k * k];
        if (Isal.gf_invert_matrix(sub, inverse, k) != 0) {
            throw new ArithmeticException("singular matrix: the chosen fragments cannot rebuild the others");
        }
        byte[] rows = new byte[wanted.length * k];
        for (int w = 0; w < wanted.length; w++) {
            for (int j = 0; j < k; j++) {
                byte sum = 0;
                for (int i = 0; i < k; i++) {
                    sum ^= Isal.gf_mul(generator[wanted[w] * k + i], inverse[i * k + j]);
                }
                rows[w * k + j] = sum;
            }
        }
        return rows;
    }

    private Memory tables(byte[] rows, int count) {
        Memory tables = new Memory(32L * k * count);
        Isal.ec_init_tables(k, count, rows, tables);
        return tables;
    }

    /** Calls ec_encode_data on the buffers where they lie if all are direct, else strip by strip through scratch. */
    private void apply(Pointer tables, ByteBuffer[] in, ByteBuffer[] out, int len) {
        if (allDirect(in, false) && allDirect(out, true)) {
            try (Memory inPointers = pointers(in); Memory outPointers = pointers(out)) {
                Isal.ec_encode_data(len, k, out.length, tables, inPointers, outPointers);
            }
            return;
        }
        int strip = Math.min(STRIP, len);
        int regions = in.length + out.length;
        try (Memory scratch = new Memory((long) Math.max(strip, 1) * regions);
                Memory inPointers = new Memory(8L * in.length);
                Memory outPointers = new Memory(8L * out.length)) {
            for (int j = 0; j < in.length; j++) {
                inPointers.setPointer(8L * j, scratch.share((long) j * strip));
            }
            for (int r = 0; r < out.length; r++) {
                outPointers.setPointer(8L * r, scratch.share((long) (in.length + r) * strip));
            }
            for (int done = 0; done < len; done += strip) {
                int n = Math.min(strip, len - done);
                for (int j = 0; j < in.length; j++) {
                    ByteBuffer source = in[j].duplicate();
                    source.position(source.position() + done).limit(source.position() + n);
                    scratch.getByteBuffer((long) j * strip, n).put(source);
                }
                Isal.ec_encode_data(n, k, out.length, tables, inPointers, outPointers);
                for (int r = 0; r < out.length; r++) {
                    ByteBuffer target = out[r].duplicate();
                    target.position(target.position() + done);
                    target.put(scratch.getByteBuffer((long) (in.length + r) * strip, n));
                }
            }
        }
    }

    private static boolean allDirect(ByteBuffer[] buffers, boolean writable) {
        for (ByteBuffer b : buffers) {
            if (!b.isDirect() || (writable && b.isReadOnly())) {
                return false;
            }
        }
        return true;
    }

    /** @return a native array of pointers to each buffer's position */
    private static Memory pointers(ByteBuffer[] buffers) {
        Memory pointers = new Memory(8L * buffers.length);
        for (int i = 0; i < buffers.length; i++) {
            pointers.setPointer(8L * i, Native.getDirectBufferPointer(buffers[i]).share(buffers[i].position()));
        }
        return pointers;
    }

    @Override
    public String toString() {
        return "RS(" + k + "," + m + ") with ISA-L";
    }
}
