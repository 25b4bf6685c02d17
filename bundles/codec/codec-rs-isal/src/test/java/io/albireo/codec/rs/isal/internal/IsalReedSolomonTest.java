package io.albireo.codec.rs.isal.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.albireo.api.codec.ErasureCode;
import io.albireo.api.codec.ErasureCodec;
import io.albireo.codec.rs.internal.ReedSolomonCodec;

/**
 * ISA-L against the pure-Java codec: the same parity byte for byte, and each rebuilds what the other wrote. Where
 * libisal is absent these tests are skipped, unless {@code -Dalbireo.require.isal=true} (CI) makes its absence a
 * failure.
 */
class IsalReedSolomonTest {
    private static final ErasureCodec JAVA = new ReedSolomonCodec();
    private static final IsalReedSolomonCodec ISAL = new IsalReedSolomonCodec();

    @BeforeAll
    static void bindIsal() {
        try {
            Isal.load();
        } catch (UnsatisfiedLinkError e) {
            if (Boolean.getBoolean("albireo.require.isal")) {
                fail("albireo.require.isal is set but libisal does not load: " + e.getMessage());
            }
            assumeTrue(false, "libisal is not installed: " + e.getMessage());
        }
    }

    @Test
    void parityIsByteIdenticalWithTheJavaCodecForRandomShapesSizesAndBuffers() {
        Random seeds = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            long seed = seeds.nextLong();
            Random random = new Random(seed);
            int k = 1 + random.nextInt(32);
            int m = random.nextInt(17);
            int size = random.nextBoolean() ? random.nextInt(300) : random.nextInt(300_000);
            boolean direct = random.nextBoolean();
            String what = "seed " + seed + ": RS(" + k + "," + m + "), " + size + " bytes, "
                    + (direct ? "direct" : "heap");
            ByteBuffer[] data = fragments(k, size, direct, random);
            ByteBuffer[] javaParity = empty(m, size, false);
            ByteBuffer[] isalParity = empty(m, size, direct);
            JAVA.code(k, m).encode(data, javaParity);
            ISAL.code(k, m).encode(data, isalParity);
            for (int r = 0; r < m; r++) {
                assertEquals(javaParity[r], isalParity[r], what + ", parity " + r);
            }
        }
    }

    @Test
    void eachRebuildsWhatTheOtherWrote() {
        Random random = new Random(7);
        for (int[] shape : new int[][] {{4, 2}, {8, 2}, {8, 3}, {16, 4}, {1, 2}, {32, 16}, {5, 0}}) {
            int k = shape[0];
            int m = shape[1];
            int size = 65_536 + random.nextInt(1000);
            ByteBuffer[] data = fragments(k, size, true, random);
            for (ErasureCodec writer : List.of(JAVA, ISAL)) {
                ErasureCodec reader = writer == JAVA ? ISAL : JAVA;
                ByteBuffer[] parity = empty(m, size, true);
                writer.code(k, m).encode(data, parity);
                ByteBuffer[] all = new ByteBuffer[k + m];
                System.arraycopy(data, 0, all, 0, k);
                System.arraycopy(parity, 0, all, k, m);
                List<Integer> indices = new ArrayList<>();
                for (int i = 0; i < k + m; i++) {
                    indices.add(i);
                }
                Collections.shuffle(indices, random);
                int[] lost = indices.subList(0, m).stream().mapToInt(Integer::intValue).sorted().toArray();
                ByteBuffer[] surviving = all.clone();
                ByteBuffer[] out = empty(lost.length, size, random.nextBoolean());
                for (int w : lost) {
                    surviving[w] = null;
                }
                reader.code(k, m).reconstruct(surviving, lost, out);
                for (int w = 0; w < lost.length; w++) {
                    assertEquals(all[lost[w]], out[w], writer.implementation() + " wrote, " + reader.implementation()
                            + " rebuilt fragment " + lost[w] + " of RS(" + k + "," + m + ")");
                }
            }
        }
    }

    @Test
    void tooFewFragmentsAreRefused() {
        ErasureCode code = ISAL.code(4, 2);
        ByteBuffer[] fragments = new ByteBuffer[6];
        fragments[4] = ByteBuffer.allocateDirect(64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> code.reconstruct(fragments, new int[] {0}, new ByteBuffer[] {ByteBuffer.allocateDirect(64)}));
        assertEquals("RS(4,2) needs 4 fragments to rebuild others; only 1 are present", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ISAL.code(33, 1));
    }

    @Test
    void detailsNameTheLibraryVersion() {
        assertTrue(ISAL.details().matches("Intel ISA-L \\d+\\.\\d+"), ISAL.details());
        assertEquals("isal", ISAL.implementation());
    }

    private static ByteBuffer[] fragments(int k, int size, boolean direct, Random random) {
        ByteBuffer[] data = empty(k, size, direct);
        byte[] bytes = new byte[size];
        for (ByteBuffer b : data) {
            random.nextBytes(bytes);
            b.duplicate().put(bytes);
        }
        return data;
    }

    private static ByteBuffer[] empty(int n, int size, boolean direct) {
        ByteBuffer[] buffers = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            buffers[i] = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
        }
        return buffers;
    }
}
