package io.albireo.codec.rs.internal;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels: GF(2^8) multiplication by a constant as two 16-entry table lookups, one per nibble (the PSHUFB
 * technique of ISA-L and of "Screaming Fast Galois Field Arithmetic", Plank et al.). {@code selectFrom} compiles to a
 * byte permute (vpermb on AVX-512 VBMI, vpshufb on AVX2), so one vector of 64 bytes costs two lookups and two XORs per
 * coefficient.
 *
 * <p>
 * Up to four output rows are computed together, their accumulators in registers, so each input vector is loaded and
 * split into nibbles once for all of them; more rows are done in groups of four. Keeping accumulators in locals rather
 * than an array is what lets C2 keep them in registers: hence one method per group size.
 */
final class VectorKernels implements Kernels {
    private static final VectorSpecies<Byte> S = ByteVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /** Bytes of tables per coefficient: the low-nibble table then the high-nibble table, each a whole vector. */
    private static final int STRIDE = 2 * V;
    private static final int GROUP = 4;

    /** @return whether the Vector API gives vectors wide enough for 16-entry lookups */
    static boolean usable() {
        return V >= 16;
    }

    @Override
    public String description() {
        return "Vector API, " + S.vectorBitSize() + "-bit";
    }

    @Override
    public LinearMap linearMap(int[][] rows) {
        int k = rows.length == 0 ? 0 : rows[0].length;
        byte[] tables = new byte[rows.length * k * STRIDE];
        for (int r = 0; r < rows.length; r++) {
            for (int j = 0; j < k; j++) {
                int at = (r * k + j) * STRIDE;
                for (int n = 0; n < V; n++) {
                    tables[at + n] = (byte) Galois.mul(rows[r][j], n & 0x0f);
                    tables[at + V + n] = (byte) Galois.mul(rows[r][j], (n & 0x0f) << 4);
                }
            }
        }
        byte[][][] products = ScalarKernels.products(rows);
        return new Map(tables, products, rows.length, k);
    }

    private record Map(byte[] tables, byte[][][] products, int rows, int k) implements LinearMap {

        @Override
        public void apply(byte[][] in, int[] inOffset, byte[][] out, int[] outOffset, int len) {
            int bound = len - len % V;
            for (int r = 0; r < rows; r += GROUP) {
                int t = r * k * STRIDE;
                int rowStride = k * STRIDE;
                switch (Math.min(GROUP, rows - r)) {
                    case 1 -> one(tables, t, k, in, inOffset, out[r], outOffset[r], bound);
                    case 2 -> two(tables, t, t + rowStride, k, in, inOffset, out[r], outOffset[r], out[r + 1],
                            outOffset[r + 1], bound);
                    case 3 -> three(tables, t, t + rowStride, t + 2 * rowStride, k, in, inOffset, out[r],
                            outOffset[r], out[r + 1], outOffset[r + 1], out[r + 2], outOffset[r + 2], bound);
                    default -> four(tables, t, rowStride, k, in, inOffset, out, outOffset, r, bound);
                }
            }
            if (bound < len) {
                ScalarKernels.apply(products, in, inOffset, out, outOffset, bound, len);
            }
        }
    }

    private static ByteVector lookup(ByteVector nibbles, byte[] tables, int at) {
        return nibbles.selectFrom(ByteVector.fromArray(S, tables, at));
    }

    private static void one(byte[] tb, int t0, int k, byte[][] in, int[] inOffset, byte[] o0, int p0, int bound) {
        ByteVector mask = ByteVector.broadcast(S, (byte) 0x0f);
        for (int i = 0; i < bound; i += V) {
            ByteVector a0 = ByteVector.zero(S);
            for (int j = 0; j < k; j++) {
                ByteVector x = ByteVector.fromArray(S, in[j], inOffset[j] + i);
                ByteVector lo = x.and(mask);
                ByteVector hi = x.lanewise(VectorOperators.LSHR, 4).and(mask);
                int c = j * STRIDE;
                a0 = a0.lanewise(VectorOperators.XOR, lookup(lo, tb, t0 + c))
                        .lanewise(VectorOperators.XOR, lookup(hi, tb, t0 + c + V));
            }
            a0.intoArray(o0, p0 + i);
        }
    }

    private static void two(byte[] tb, int t0, int t1, int k, byte[][] in, int[] inOffset, byte[] o0, int p0,
            byte[] o1, int p1, int bound) {
        ByteVector mask = ByteVector.broadcast(S, (byte) 0x0f);
        for (int i = 0; i < bound; i += V) {
            ByteVector a0 = ByteVector.zero(S);
            ByteVector a1 = ByteVector.zero(S);
            for (int j = 0; j < k; j++) {
                ByteVector x = ByteVector.fromArray(S, in[j], inOffset[j] + i);
                ByteVector lo = x.and(mask);
                ByteVector hi = x.lanewise(VectorOperators.LSHR, 4).and(mask);
                int c = j * STRIDE;
                a0 = a0.lanewise(VectorOperators.XOR, lookup(lo, tb, t0 + c))
                        .lanewise(VectorOperators.XOR, lookup(hi, tb, t0 + c + V));
                a1 = a1.lanewise(VectorOperators.XOR, lookup(lo, tb, t1 + c))
                        .lanewise(VectorOperators.XOR, lookup(hi, tb, t1 + c + V));
            }
            a0.intoArray(o0, p0 + i);
            a1.intoArray(o1, p1 + i);
        }
    }

    private static void three(byte[] tb, int t0, int t1, int t2, int k, byte[][] in, int[] inOffset, byte[] o0,
            int p0, byte[] o1, int p1, byte[] o2, int p2, int bound) {
        ByteVector mask = ByteVector.broadcast(S, (byte) 0x0f);
        for (int i = 0; i < bound; i += V) {
            ByteVector a0 = ByteVector.zero(S);
            ByteVector a1 = ByteVector.zero(S);
            ByteVector a2 = ByteVector.zero(S);
            for (int j = 0; j < k; j++) {
                ByteVector x = ByteVector.fromArray(S, in[j], inOffset[j] + i);
                ByteVector lo = x.and(mask);
                ByteVector hi = x.lanewise(VectorOperators.LSHR, 4).and(mask);
                int c = j * STRIDE;
                a0 = a0.lanewise(VectorOperators.XOR, lookup(lo, tb, t0 + c))
                        .lanewise(VectorOperators.XOR, lookup(hi, tb, t0 + c + V));
                a1 = a1.lanewise(VectorOperators.XOR, lookup(lo, tb, t1 + c))
                        .lanewise(VectorOperators.XOR, lookup(hi, tb, t1 + c + V));
                a2 = a2.lanewise(VectorOperators.XOR, lookup(lo, tb, t2 + c))
                        .lanewise(VectorOperators.XOR, lookup(hi, tb, t2 + c + V));
            }
            a0.intoArray(o0, p0 + i);
            a1.intoArray(o1, p1 + i);
            a2.intoArray(o2, p2 + i);
        }
    }

    private static void four(byte[] tb, int t0, int rowStride, int k, byte[][] in, int[] inOffset, byte[][] out,
            int[] outOffset, int r, int bound) {
        ByteVector mask = ByteVector.broadcast(S, (byte) 0x0f);
        int t1 = t0 + rowStride;
        int t2 = t1 + rowStride;
        int t3 = t2 + rowStride;
        byte[] o0 = out[r];
        byte[] o1 = out[r + 1];
        byte[] o2 = out[r + 2];
        byte[] o3 = out[r + 3];
        int p0 = outOffset[r];
        int p1 = outOffset[r + 1];
        int p2 = outOffset[r + 2];
        int p3 = outOffset[r + 3];
        for (int i = 0; i < bound; i += V) {
            ByteVector a0 = ByteVector.zero(S);
            ByteVector a1 = ByteVector.zero(S);
            ByteVector a2 = ByteVector.zero(S);
            ByteVector a3 = ByteVector.zero(S);
            for (int j = 0; j < k; j++) {
                ByteVector x = ByteVector.fromArray(S, in[j], inOffset[j] + i);
                ByteVector lo = x.and(mask);
                ByteVector hi = x.lanewise(VectorOperators.LSHR, 4).and(mask);
                int c = j * STRIDE;
                a0 = a0.lanewise(VectorOperators.XOR, lookup(lo, tb, t0 + c))
                        .lanewise(VectorOperators.XOR, lookup(hi, tb, t0 + c + V));
                a1 = a1.lanewise(VectorOperators.XOR, lookup(lo, tb, t1 + c))
                        .lanewise(VectorOperators.XOR, lookup(hi, tb, t1 + c + V));
                a2 = a2.lanewise(VectorOperators.XOR, lookup(lo, tb, t2 + c))
                        .lanewise(VectorOperators.XOR, lookup(hi, tb, t2 + c + V));
                a3 = a3.lanewise(VectorOperators.XOR, lookup(lo, tb, t3 + c))
                        .lanewise(VectorOperators.XOR, lookup(hi, tb, t3 + c + V));
            }
            a0.intoArray(o0, p0 + i);
            a1.intoArray(o1, p1 + i);
            a2.intoArray(o2, p2 + i);
            a3.intoArray(o3, p3 + i);
        }
    }
}
