package io.albireo.codec.rs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.albireo.api.codec.ErasureCode;

/**
 * Property tests: for random shapes, sizes, erasure patterns and buffer kinds, reconstruction restores every lost
 * fragment byte for byte, and the vector kernels agree with the scalar ones. Each case prints its seed on failure.
 */
class ReedSolomonTest {
    private static final Kernels VECTOR = new VectorKernels();
    private static final Kernels SCALAR = new ScalarKernels();

    @Test
    void reconstructionRestoresAnyLostFragmentsForRandomShapesAndSizes() {
        Random seeds = new Random(20261122);
        for (int trial = 0; trial < 300; trial++) {
            long seed = seeds.nextLong();
            Random random = new Random(seed);
            int k = 1 + random.nextInt(32);
            int m = random.nextInt(17);
            int size = switch (random.nextInt(5)) {
                case 0 -> random.nextInt(4);
                case 1 -> 63 + random.nextInt(3);
                case 2 -> random.nextInt(5000);
                default -> random.nextInt(70_000);
            };
            Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
            roundTrip(k, m, size, kind, random, "seed " + seed + ": RS(" + k + "," + m + "), " + size + " bytes, "
                    + kind);
        }
    }

    @Test
    void theIssuesShapesRoundTripWithMegabyteFragments() {
        Random random = new Random(1);
        for (int[] shape : new int[][] {{4, 2}, {8, 2}, {8, 3}, {16, 4}}) {
            roundTrip(shape[0], shape[1], 1 << 20, Kind.HEAP, random, "RS(" + shape[0] + "," + shape[1] + ")");
        }
    }

    @Test
    void vectorAndScalarKernelsProduceIdenticalParity() {
        Random random = new Random(3);
        for (int k : new int[] {2, 5, 8, 13, 32}) {
            for (int m : new int[] {1, 2, 3, 4, 5, 9, 16}) {
                int size = 1000 + random.nextInt(9000);
                ByteBuffer[] data = randomFragments(k, size, random, Kind.HEAP);
                assertArrayEquals(contents(encode(new ReedSolomon(k, m, SCALAR), data)),
                        contents(encode(new ReedSolomon(k, m, VECTOR), data)), "RS(" + k + "," + m + ")");
            }
        }
    }

    @Test
    void oneCodeStaysCorrectAcrossManyPatternsAndPastItsDecoderCache() {
        Random random = new Random(11);
        ErasureCode code = new ReedSolomon(6, 4, VECTOR);
        ByteBuffer[] data = randomFragments(6, 3000, random, Kind.HEAP);
        ByteBuffer[] fragments = concat(data, encode(code, data));
        for (int trial = 0; trial < 3 * ReedSolomon.DECODERS; trial++) {
            List<Integer> indices = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                indices.add(i);
            }
            Collections.shuffle(indices, random);
            int[] wanted = indices.subList(0, 1 + random.nextInt(4)).stream().mapToInt(Integer::intValue).toArray();
            ByteBuffer[] surviving = fragments.clone();
            ByteBuffer[] out = new ByteBuffer[wanted.length];
            for (int w = 0; w < wanted.length; w++) {
                surviving[wanted[w]] = null;
                out[w] = ByteBuffer.allocate(3000);
            }
            code.reconstruct(surviving, wanted, out);
            for (int w = 0; w < wanted.length; w++) {
                assertEquals(fragments[wanted[w]], out[w], "trial " + trial + ", wanted " + Arrays.toString(wanted));
            }
        }
    }

    @Test
    void replicationIsCopies() {
        ErasureCode code = new ReedSolomon(1, 3, VECTOR);
        ByteBuffer[] data = randomFragments(1, 777, new Random(5), Kind.HEAP);
        for (ByteBuffer copy : encode(code, data)) {
            assertEquals(data[0], copy);
        }
    }

    @Test
    void repairRebuildsOnlyTheFragmentAskedFor() {
        ErasureCode code = new ReedSolomon(8, 3, VECTOR);
        Random random = new Random(9);
        ByteBuffer[] data = randomFragments(8, 4096, random, Kind.HEAP);
        ByteBuffer[] parity = encode(code, data);
        ByteBuffer[] fragments = concat(data, parity);
        ByteBuffer[] lost = fragments.clone();
        lost[2] = null;
        lost[9] = null;
        ByteBuffer out = ByteBuffer.allocate(4096);
        code.reconstruct(lost, new int[] {9}, new ByteBuffer[] {out});
        assertEquals(fragments[9], out);
    }

    @Test
    void tooFewFragmentsAreRefusedWithTheCountsInTheMessage() {
        ErasureCode code = new ReedSolomon(4, 2, VECTOR);
        ByteBuffer[] fragments = concat(randomFragments(4, 100, new Random(1), Kind.HEAP), new ByteBuffer[2]);
        fragments[0] = null;
        fragments[1] = null;
        fragments[3] = null;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> code.reconstruct(fragments, new int[] {0}, new ByteBuffer[] {ByteBuffer.allocate(100)}));
        assertEquals("RS(4,2) needs 4 fragments to rebuild others; only 1 are present", e.getMessage());
    }

    @Test
    void malformedCallsAreRefusedAndTouchNothing() {
        ErasureCode code = new ReedSolomon(3, 2, VECTOR);
        ByteBuffer[] data = randomFragments(3, 64, new Random(2), Kind.HEAP);
        ByteBuffer[] parity = {ByteBuffer.allocate(64), ByteBuffer.allocate(64)};
        data[1] = ByteBuffer.allocate(63);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> code.encode(data, parity)).getMessage()
                .contains("differ in length"));
        assertEquals(ByteBuffer.allocate(64), parity[0], "nothing written on a refused call");
        assertThrows(IllegalArgumentException.class,
                () -> code.encode(randomFragments(2, 64, new Random(1), Kind.HEAP), parity));
        assertThrows(IllegalArgumentException.class, () -> code.encode(randomFragments(3, 64, new Random(1),
                Kind.HEAP), new ByteBuffer[] {ByteBuffer.allocate(64), ByteBuffer.allocate(10)}));
        ByteBuffer[] fragments = concat(randomFragments(3, 64, new Random(1), Kind.HEAP), parity);
        assertThrows(IllegalArgumentException.class, () -> code.reconstruct(fragments, new int[] {1, 1},
                new ByteBuffer[] {ByteBuffer.allocate(64), ByteBuffer.allocate(64)}));
        assertThrows(IllegalArgumentException.class,
                () -> code.reconstruct(fragments, new int[] {5}, new ByteBuffer[] {ByteBuffer.allocate(64)}));
    }

    @Test
    void theCodecRefusesShapesBeyondItsLimits() {
        ReedSolomonCodec codec = new ReedSolomonCodec(VECTOR);
        assertEquals("rs supports 1 <= k <= 32 and 0 <= m <= 16; got k = 33, m = 2",
                assertThrows(IllegalArgumentException.class, () -> codec.code(33, 2)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> codec.code(0, 2));
        assertThrows(IllegalArgumentException.class, () -> codec.code(4, 17));
        assertTrue(codec.code(4, 2) == codec.code(4, 2), "codes are shared");
    }

    /** How the test hands fragments to the codec: every path through apply() is exercised. */
    enum Kind {
        HEAP, HEAP_WITH_OFFSETS, DIRECT, READ_ONLY
    }

    private static void roundTrip(int k, int m, int size, Kind kind, Random random, String what) {
        Kernels kernels = random.nextBoolean() ? VECTOR : SCALAR;
        ErasureCode code = new ReedSolomon(k, m, kernels);
        ByteBuffer[] data = randomFragments(k, size, random, kind);
        ByteBuffer[] parity = new ByteBuffer[m];
        for (int r = 0; r < m; r++) {
            parity[r] = allocate(size, kind == Kind.READ_ONLY ? Kind.HEAP : kind, random);
        }
        code.encode(data, parity);
        ByteBuffer[] fragments = concat(data, parity);
        byte[][] original = contents(fragments);

        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < k + m; i++) {
            indices.add(i);
        }
        Collections.shuffle(indices, random);
        int lost = random.nextInt(m + 1);
        int[] wanted = indices.subList(0, lost).stream().mapToInt(Integer::intValue).sorted().toArray();
        ByteBuffer[] surviving = fragments.clone();
        ByteBuffer[] out = new ByteBuffer[lost];
        for (int w = 0; w < lost; w++) {
            surviving[wanted[w]] = null;
            out[w] = allocate(size, kind == Kind.READ_ONLY ? Kind.DIRECT : kind, random);
        }
        code.reconstruct(surviving, wanted, out);
        for (int w = 0; w < lost; w++) {
            assertArrayEquals(original[wanted[w]], contents(out[w]),
                    what + ", " + kernels.description() + ": fragment " + wanted[w] + " of lost "
                            + Arrays.toString(wanted));
        }
    }

    static ByteBuffer[] randomFragments(int k, int size, Random random, Kind kind) {
        ByteBuffer[] data = new ByteBuffer[k];
        for (int j = 0; j < k; j++) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            ByteBuffer b = allocate(size, kind == Kind.READ_ONLY ? Kind.HEAP : kind, random);
            b.duplicate().put(bytes);
            data[j] = kind == Kind.READ_ONLY ? b.asReadOnlyBuffer() : b;
        }
        return data;
    }

    /** A buffer of {@code size} remaining bytes; with offsets, its position and array offset are not zero. */
    private static ByteBuffer allocate(int size, Kind kind, Random random) {
        return switch (kind) {
            case DIRECT -> ByteBuffer.allocateDirect(size);
            case HEAP_WITH_OFFSETS -> {
                int before = 1 + random.nextInt(100);
                ByteBuffer backing = ByteBuffer.allocate(size + 2 * before + 7);
                backing.position(before);
                ByteBuffer slice = backing.slice();
                slice.position(before).limit(before + size);
                yield slice;
            }
            default -> ByteBuffer.allocate(size);
        };
    }

    private static ByteBuffer[] encode(ErasureCode code, ByteBuffer[] data) {
        int size = data.length == 0 ? 0 : data[0].remaining();
        ByteBuffer[] parity = new ByteBuffer[code.m()];
        for (int r = 0; r < parity.length; r++) {
            parity[r] = ByteBuffer.allocate(size);
        }
        code.encode(data, parity);
        return parity;
    }

    private static ByteBuffer[] concat(ByteBuffer[] a, ByteBuffer[] b) {
        ByteBuffer[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static byte[][] contents(ByteBuffer[] buffers) {
        byte[][] bytes = new byte[buffers.length][];
        for (int i = 0; i < buffers.length; i++) {
            bytes[i] = contents(buffers[i]);
        }
        return bytes;
    }

    private static byte[] contents(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
