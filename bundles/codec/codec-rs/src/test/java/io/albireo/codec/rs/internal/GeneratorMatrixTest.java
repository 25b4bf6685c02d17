package io.albireo.codec.rs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

class GeneratorMatrixTest {

    @Test
    void parityRowsAreTheDocumentedCauchyMatrix() {
        GeneratorMatrix g = new GeneratorMatrix(4, 2);
        // Parity row r, column j: 1 / ((k + r) XOR j). docs/ERASURE-CODING.md lists RS(4,2) as these numbers.
        assertArrayEquals(new int[] {Galois.inv(4), Galois.inv(5), Galois.inv(6), Galois.inv(7)}, g.row(4));
        assertArrayEquals(new int[] {Galois.inv(5), Galois.inv(4), Galois.inv(7), Galois.inv(6)}, g.row(5));
        assertArrayEquals(new int[] {0x47, 0xa7, 0x7a, 0xba}, g.row(4));
        assertArrayEquals(new int[] {0, 0, 1, 0}, g.row(2));
    }

    @Test
    void replicationRowsAreAllOnes() {
        GeneratorMatrix g = new GeneratorMatrix(1, 3);
        for (int r = 1; r <= 3; r++) {
            assertArrayEquals(new int[] {1}, g.row(r));
        }
    }

    @Test
    void anyKRowsInvertForEveryShapeUpTo32By16() {
        Random random = new Random(7);
        for (int k = 1; k <= 32; k++) {
            for (int m = 0; m <= 16; m++) {
                GeneratorMatrix g = new GeneratorMatrix(k, m);
                for (int trial = 0; trial < 4; trial++) {
                    int[] rows = random.ints(0, k + m).distinct().limit(k).sorted().toArray();
                    int[][] sub = new int[k][];
                    for (int i = 0; i < k; i++) {
                        sub[i] = g.row(rows[i]);
                    }
                    int[][] inverse = GeneratorMatrix.invert(sub);
                    assertIdentity(multiply(sub, inverse), k, m);
                }
            }
        }
    }

    private static int[][] multiply(int[][] a, int[][] b) {
        int n = a.length;
        int[][] c = new int[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int sum = 0;
                for (int x = 0; x < n; x++) {
                    sum ^= Galois.mul(a[i][x], b[x][j]);
                }
                c[i][j] = sum;
            }
        }
        return c;
    }

    private static void assertIdentity(int[][] c, int k, int m) {
        for (int i = 0; i < c.length; i++) {
            for (int j = 0; j < c.length; j++) {
                assertEquals(i == j ? 1 : 0, c[i][j], "RS(" + k + "," + m + ") product at " + i + "," + j);
            }
        }
    }
}
