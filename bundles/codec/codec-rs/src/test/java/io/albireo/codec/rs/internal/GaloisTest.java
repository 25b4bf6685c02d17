package io.albireo.codec.rs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class GaloisTest {

    @Test
    void multiplicationReducesByTheFieldPolynomial() {
        assertEquals(0x1d, Galois.mul(0x80, 2), "x^8 = x^4 + x^3 + x^2 + 1 in GF(2^8)/0x11d");
        assertEquals(0x3a, Galois.mul(0x80, 4));
        assertEquals(0, Galois.mul(0, 0xff));
        assertEquals(0xe2, Galois.mul(0xff, 0xff), "computed by carry-less multiplication mod 0x11d");
    }

    @Test
    void everyNonZeroElementHasAnInverse() {
        for (int a = 1; a < 256; a++) {
            assertEquals(1, Galois.mul(a, Galois.inv(a)), "a * 1/a for a = " + a);
        }
        assertThrows(ArithmeticException.class, () -> Galois.inv(0));
    }

    @Test
    void multiplicationAgreesWithCarrylessMultiplication() {
        for (int a = 0; a < 256; a++) {
            for (int b = 0; b < 256; b += 7) {
                assertEquals(slowMul(a, b), Galois.mul(a, b), a + " * " + b);
            }
        }
    }

    /** Shift-and-add multiplication, reduced bit by bit: an independent check of the tables. */
    private static int slowMul(int a, int b) {
        int product = 0;
        for (int bit = 0; bit < 8; bit++) {
            if ((b & (1 << bit)) != 0) {
                product ^= a << bit;
            }
        }
        for (int bit = 15; bit >= 8; bit--) {
            if ((product & (1 << bit)) != 0) {
                product ^= Galois.POLYNOMIAL << (bit - 8);
            }
        }
        return product;
    }
}
