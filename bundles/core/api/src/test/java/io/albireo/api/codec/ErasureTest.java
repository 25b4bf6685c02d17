package io.albireo.api.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class ErasureTest {

    private static ByteBuffer[] stripe(int count, int length, int... missing) {
        ByteBuffer[] fragments = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            fragments[i] = ByteBuffer.allocate(length);
        }
        for (int i : missing) {
            fragments[i] = null;
        }
        return fragments;
    }

    @Test
    void readsThePresentDataFragmentsFirstThenParityLowestIndexFirst() {
        ByteBuffer[] fragments = stripe(7, 100, 1, 3);
        Erasure e = Erasure.of(4, 3, fragments, new int[] {3, 1}, new ByteBuffer[] {ByteBuffer.allocate(100),
                ByteBuffer.allocate(100)});
        assertArrayEquals(new int[] {0, 2, 4, 5}, e.sources());
        assertArrayEquals(new int[] {3, 1}, e.wanted());
        assertEquals(100, e.length());
        assertSame(fragments[4], e.sourceBuffers(fragments)[2]);
        assertEquals("[0, 2, 4, 5]->[3, 1]", e.pattern());
    }

    @Test
    void valuesCompareByContent() {
        assertEquals(new Erasure(2, 1, 8, new int[] {0, 2}, new int[] {1}),
                new Erasure(2, 1, 8, new int[] {0, 2}, new int[] {1}));
        assertNotEquals(new Erasure(2, 1, 8, new int[] {0, 2}, new int[] {1}),
                new Erasure(2, 1, 8, new int[] {1, 2}, new int[] {0}));
        int[] sources = {0, 2};
        Erasure e = new Erasure(2, 1, 8, sources, new int[] {1});
        sources[0] = 9;
        e.sources()[1] = 9;
        assertArrayEquals(new int[] {0, 2}, e.sources());
    }

    @Test
    void refusesBadCallsNamingTheProblem() {
        ByteBuffer[] out = {ByteBuffer.allocate(100)};
        assertEquals("RS(4,2) needs 4 fragments to rebuild others; only 3 are present", assertThrows(
                IllegalArgumentException.class, () -> Erasure.of(4, 2, stripe(6, 100, 0, 1, 2), new int[] {0}, out))
                .getMessage());
        ByteBuffer[] uneven = stripe(6, 100);
        uneven[3] = ByteBuffer.allocate(99);
        assertEquals("fragments differ in length: 100 and 99 bytes", assertThrows(IllegalArgumentException.class,
                () -> Erasure.of(4, 2, uneven, new int[] {5}, out)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Erasure.of(4, 2, stripe(6, 100), new int[] {6}, out));
        assertThrows(IllegalArgumentException.class,
                () -> Erasure.of(4, 2, stripe(6, 100), new int[] {1}, new ByteBuffer[] {ByteBuffer.allocate(50)}));
        assertEquals("RS(2,1) encodes 2 data fragments, got 3", assertThrows(IllegalArgumentException.class,
                () -> Erasure.checkEncode(2, 1, stripe(3, 10), stripe(1, 10))).getMessage());
        assertEquals("x supports 1 <= k <= 4 and 0 <= m <= 2; got k = 5, m = 0", assertThrows(
                IllegalArgumentException.class, () -> Erasure.checkShape("x", 5, 0, 4, 2)).getMessage());
    }
}
