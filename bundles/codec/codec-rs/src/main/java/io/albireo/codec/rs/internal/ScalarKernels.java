package io.albireo.codec.rs.internal;

/**
 * Byte-at-a-time kernels with one 256-entry product table per coefficient: the fallback when the JVM runs without the
 * Vector API module, and the reference the vector kernels are tested against.
 */
final class ScalarKernels implements Kernels {

    @Override
    public String description() {
        return "scalar (no jdk.incubator.vector)";
    }

    @Override
    public LinearMap linearMap(int[][] rows) {
        byte[][][] products = products(rows);
        return (in, inOffset, out, outOffset, len) -> apply(products, in, inOffset, out, outOffset, 0, len);
    }

    /** @return products[r][j] = the product table of coefficient rows[r][j] */
    static byte[][][] products(int[][] rows) {
        byte[][][] products = new byte[rows.length][][];
        for (int r = 0; r < rows.length; r++) {
            products[r] = new byte[rows[r].length][];
            for (int j = 0; j < rows[r].length; j++) {
                products[r][j] = Galois.products(rows[r][j]);
            }
        }
        return products;
    }

    /** Applies the map to bytes [from, to) of every region. */
    static void apply(byte[][][] products, byte[][] in, int[] inOffset, byte[][] out, int[] outOffset, int from,
            int to) {
        for (int r = 0; r < products.length; r++) {
            byte[] o = out[r];
            int p = outOffset[r];
            for (int i = from; i < to; i++) {
                o[p + i] = 0;
            }
            // One input at a time: the product table and both regions stream through the cache.
            for (int j = 0; j < in.length; j++) {
                byte[] table = products[r][j];
                byte[] x = in[j];
                int q = inOffset[j];
                for (int i = from; i < to; i++) {
                    o[p + i] ^= table[x[q + i] & 0xff];
                }
            }
        }
    }
}
