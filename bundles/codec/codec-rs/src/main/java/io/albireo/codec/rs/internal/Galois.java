package io.albireo.codec.rs.internal;

/**
 * Arithmetic in GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d) and generator 2: the field ISA-L, Jerasure
 * and most Reed-Solomon codes use, so fragments agree byte for byte. Addition is XOR; multiplication goes through log
 * and antilog tables. The tables are constants computed once.
 */
final class Galois {
    static final int POLYNOMIAL = 0x11d;

    /** EXP[i] = 2^i, doubled in length so that EXP[log a + log b] needs no modulo. */
    private static final byte[] EXP = new byte[510];
    /** LOG[a] = i with 2^i = a, for a != 0. */
    private static final int[] LOG = new int[256];

    static {
        int x = 1;
        for (int i = 0; i < 255; i++) {
            EXP[i] = (byte) x;
            EXP[i + 255] = (byte) x;
            LOG[x] = i;
            x <<= 1;
            if ((x & 0x100) != 0) {
                x ^= POLYNOMIAL;
            }
        }
    }

    private Galois() {
    }

    /** @return a * b */
    static int mul(int a, int b) {
        if (a == 0 || b == 0) {
            return 0;
        }
        return EXP[LOG[a] + LOG[b]] & 0xff;
    }

    /** @return 1 / a, for a != 0 */
    static int inv(int a) {
        if (a == 0) {
            throw new ArithmeticException("0 has no inverse in GF(2^8)");
        }
        return EXP[255 - LOG[a]] & 0xff;
    }

    /** @return the 256 products c * x, indexed by x: the scalar kernels' lookup table for one coefficient */
    static byte[] products(int c) {
        byte[] row = new byte[256];
        for (int x = 1; x < 256; x++) {
            row[x] = (byte) mul(c, x);
        }
        return row;
    }
}
