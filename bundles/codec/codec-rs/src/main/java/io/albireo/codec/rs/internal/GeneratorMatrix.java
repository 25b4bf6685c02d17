package io.albireo.codec.rs.internal;

/**
 * The generator matrix of systematic RS(k, m): k + m rows of k coefficients. Row i < k is the identity row (fragment i
 * is data chunk i); parity row k + r is
 *
 * <pre>
 *   k = 1:  1                               (replication: every parity fragment is a copy)
 *   k > 1:  1 / ((k + r) XOR j), j = 0..k-1  (a Cauchy matrix: ISA-L's gf_gen_cauchy1_matrix)
 * </pre>
 *
 * Every k x k submatrix of a Cauchy-extended identity is invertible, so any k fragments rebuild the others. The matrix
 * is fixed (docs/ERASURE-CODING.md): fragments written by one implementation are read by any other.
 */
final class GeneratorMatrix {
    private final int k;
    private final int m;
    private final int[][] parity;

    GeneratorMatrix(int k, int m) {
        this.k = k;
        this.m = m;
        this.parity = new int[m][k];
        for (int r = 0; r < m; r++) {
            for (int j = 0; j < k; j++) {
                parity[r][j] = k == 1 ? 1 : Galois.inv((k + r) ^ j);
            }
        }
    }

    /** @return row {@code index} of the generator: the coefficients that make fragment {@code index} from the data */
    int[] row(int index) {
        if (index < k) {
            int[] unit = new int[k];
            unit[index] = 1;
            return unit;
        }
        return parity[index - k].clone();
    }

    /** @return the m parity rows */
    int[][] parityRows() {
        int[][] rows = new int[m][];
        for (int r = 0; r < m; r++) {
            rows[r] = parity[r].clone();
        }
        return rows;
    }

    /**
     * The coefficients that rebuild fragments from k others.
     *
     * @param sources the indices of k present fragments
     * @param wanted the indices of the fragments to rebuild
     * @return for each wanted fragment, the k coefficients to apply to the sources
     */
    int[][] decodingRows(int[] sources, int[] wanted) {
        int[][] fromData = new int[k][];
        for (int i = 0; i < k; i++) {
            fromData[i] = row(sources[i]);
        }
        // sources = fromData x data, so data = inverse(fromData) x sources, and fragment w = row(w) x inverse x sources.
        int[][] inverse = invert(fromData);
        int[][] rows = new int[wanted.length][k];
        for (int w = 0; w < wanted.length; w++) {
            int[] generator = row(wanted[w]);
            for (int j = 0; j < k; j++) {
                int sum = 0;
                for (int i = 0; i < k; i++) {
                    sum ^= Galois.mul(generator[i], inverse[i][j]);
                }
                rows[w][j] = sum;
            }
        }
        return rows;
    }

    /** Gauss-Jordan elimination over GF(2^8). */
    static int[][] invert(int[][] matrix) {
        int n = matrix.length;
        int[][] a = new int[n][];
        int[][] inverse = new int[n][n];
        for (int i = 0; i < n; i++) {
            a[i] = matrix[i].clone();
            inverse[i][i] = 1;
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            while (pivot < n && a[pivot][col] == 0) {
                pivot++;
            }
            if (pivot == n) {
                throw new ArithmeticException("singular matrix: the chosen fragments cannot rebuild the others");
            }
            int[] swap = a[col];
            a[col] = a[pivot];
            a[pivot] = swap;
            swap = inverse[col];
            inverse[col] = inverse[pivot];
            inverse[pivot] = swap;
            int scale = Galois.inv(a[col][col]);
            for (int j = 0; j < n; j++) {
                a[col][j] = Galois.mul(a[col][j], scale);
                inverse[col][j] = Galois.mul(inverse[col][j], scale);
            }
            for (int row = 0; row < n; row++) {
                int factor = a[row][col];
                if (row != col && factor != 0) {
                    for (int j = 0; j < n; j++) {
                        a[row][j] ^= Galois.mul(factor, a[col][j]);
                        inverse[row][j] ^= Galois.mul(factor, inverse[col][j]);
                    }
                }
            }
        }
        return inverse;
    }
}
