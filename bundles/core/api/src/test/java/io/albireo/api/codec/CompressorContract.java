package io.albireo.api.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.albireo.api.IntegrityException;
import io.albireo.api.codec.CompressedForm.Header;
import io.albireo.api.codec.Compressor.Levels;
import io.albireo.api.codec.TestData.Kind;

/**
 * What every {@link Compressor} must do, run against the real library by each compressor bundle's test, which extends
 * this class and says what its algorithm's natural block is. Shared through this module's test-jar so that the six
 * compressors are held to one contract rather than six copies of it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class CompressorContract {
    /** The large size every compressor must handle. */
    protected static final int LARGE = 64 << 20;

    /** @return the compressor under test */
    protected abstract Compressor compressor();

    /**
     * @return the algorithm's natural block or window size in bytes: the sizes around it (block - 1, block, block + 1)
     *         are where an implementation's boundary mistakes show
     */
    protected abstract int block();

    /** @return false for an algorithm that never compresses ("none") */
    protected boolean compresses() {
        return true;
    }

    Stream<Arguments> kindsAndSizes() {
        int block = block();
        return Stream.of(Kind.values()).flatMap(kind -> IntStream.of(0, 1, block - 1, block, block + 1)
                .boxed().flatMap(size -> Stream.of(Arguments.of(kind, size, false), Arguments.of(kind, size, true))));
    }

    @ParameterizedTest(name = "{0} x {1} bytes, direct {2}")
    @MethodSource("kindsAndSizes")
    void roundTrips(Kind kind, int size, boolean direct) {
        byte[] data = TestData.generate(kind, size, 31L * size + kind.ordinal());
        ByteBuffer stored = roundTrip(data, direct);

        Header header = CompressedForm.header(compressor().name(), stored);
        assertTrue(stored.remaining() <= size + CompressedForm.MAX_OVERHEAD, stored.remaining() + " stored bytes");
        if (!compresses()) {
            assertFalse(header.compressed(), "never compressed");
        } else if (size >= block() && (kind == Kind.ZEROS || kind == Kind.TEXT)) {
            assertTrue(header.compressed(), kind + " compresses");
            assertTrue(stored.remaining() < size * 3 / 4, kind + ": " + size + " bytes stored in "
                    + stored.remaining());
        }
    }

    /** A read-only buffer has no accessible array even on the heap; libraries that want one must be given a copy. */
    @ParameterizedTest(name = "direct {0}")
    @ValueSource(booleans = {false, true})
    void roundTripsReadOnlyBuffers(boolean direct) {
        for (Kind kind : Kind.values()) {
            byte[] data = TestData.generate(kind, block() + 1, 17);
            ByteBuffer input = TestData.place(data, direct).asReadOnlyBuffer();
            int position = input.position();
            ByteBuffer stored = compressor().compress(input);
            assertEquals(position, input.position());
            ByteBuffer readOnlyStored = TestData.place(TestData.bytes(stored), direct).asReadOnlyBuffer();
            int storedPosition = readOnlyStored.position();
            assertArrayEquals(data, TestData.bytes(compressor().decompress(readOnlyStored)), kind.toString());
            assertEquals(storedPosition, readOnlyStored.position());
        }
    }

    /** 64 MiB of each kind; heap and direct buffers alternate to keep the suite's time and memory reasonable. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void roundTrips64MiB(Kind kind) {
        boolean direct = kind.ordinal() % 2 == 1;
        byte[] data = TestData.generate(kind, LARGE, kind.ordinal());
        ByteBuffer input = direct ? ByteBuffer.allocateDirect(LARGE).put(data).flip() : ByteBuffer.wrap(data);
        ByteBuffer stored = compressor().compress(input);
        assertEquals(0, input.position());
        assertEquals(LARGE, input.limit());
        assertTrue(stored.remaining() <= LARGE + CompressedForm.MAX_OVERHEAD);
        ByteBuffer restored = compressor().decompress(stored);
        assertEquals(LARGE, restored.remaining());
        assertEquals(-1, restored.mismatch(ByteBuffer.wrap(data)), "restored bytes differ");
    }

    @ParameterizedTest(name = "{0} bytes")
    @MethodSource("incompressibleSizes")
    void incompressibleInputIsStoredRawWithinTheOverhead(int size) {
        byte[] data = TestData.generate(Kind.INCOMPRESSIBLE, size, size);
        ByteBuffer stored = roundTrip(data, false);
        assertTrue(stored.remaining() <= size + CompressedForm.MAX_OVERHEAD, stored.remaining() + " stored bytes");
        assertFalse(CompressedForm.header(compressor().name(), stored).compressed(), "stored raw");
    }

    IntStream incompressibleSizes() {
        return IntStream.of(2, 100, 4096, block() + 1, 1 << 20);
    }

    @Test
    void everyLevelRoundTrips() {
        Levels levels = compressor().levels();
        assertTrue(levels.min() <= levels.defaultLevel() && levels.defaultLevel() <= levels.max(), levels.toString());
        byte[] data = TestData.generate(Kind.TEXT, Math.min(block() + 1, 256 << 10), 7);
        for (int level = levels.min(); level <= levels.max(); level++) {
            ByteBuffer stored = compressor().compress(ByteBuffer.wrap(data), level);
            if (compresses()) {
                assertTrue(stored.remaining() < data.length, "level " + level + " compresses text");
            }
            assertArrayEquals(data, TestData.bytes(compressor().decompress(stored)), "level " + level);
        }
        assertEquals(compressor().compress(ByteBuffer.wrap(data), levels.defaultLevel()),
                compressor().compress(ByteBuffer.wrap(data)), "compress(input) uses the default level");
    }

    @Test
    void levelsOutOfRangeAreRefusedNamingTheRange() {
        Levels levels = compressor().levels();
        String name = compressor().name();
        for (int level : new int[] {levels.min() - 1, levels.max() + 1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> compressor().compress(ByteBuffer.allocate(10), level), "level " + level);
            String range = levels.min() == levels.max() ? name + " has no compression levels"
                    : name + " levels are " + levels.min() + " to " + levels.max();
            assertTrue(e.getMessage().startsWith(range), e.getMessage());
        }
    }

    @Test
    void compressesFromManyThreadsAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int task = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 8; i++) {
                        Kind kind = Kind.values()[(task + i) % Kind.values().length];
                        byte[] data = TestData.generate(kind, block() + 1 + 13 * task, task * 100L + i);
                        assertArrayEquals(data, TestData.bytes(compressor().decompress(
                                compressor().compress(ByteBuffer.wrap(data)))), kind + " in task " + task);
                    }
                    return null;
                }));
            }
            for (Future<?> result : results) {
                result.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // Corrupt input. The fragment checksum catches bit flips; what the compressor owes is to either decode to exactly
    // the length its header claims or throw IntegrityException: no other exception, no hang, no huge allocation. The
    // timeouts are hang guards, generous so that a loaded machine never trips them.

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void garbageIsRefusedOrDecodesToItsClaimedLength() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 500; i++) {
            byte[] garbage = new byte[random.nextInt(i < 250 ? 64 : 4096)];
            random.nextBytes(garbage);
            if (garbage.length > 0 && i % 3 != 0) {
                // Mostly a valid header, so that the payload decoder sees the garbage.
                garbage[0] = (byte) (random.nextBoolean() ? 0x11 : 0x10);
            }
            assertDecodesToItsClaimOrIsRefused(garbage, "garbage " + i);
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void truncatedStoredFormsAreRefused() {
        for (Kind kind : new Kind[] {Kind.TEXT, Kind.RANDOM, Kind.INCOMPRESSIBLE}) {
            byte[] stored = TestData.bytes(compressor().compress(ByteBuffer.wrap(
                    TestData.generate(kind, 20_000, 3))));
            for (int cut : cuts(stored.length)) {
                byte[] truncated = java.util.Arrays.copyOf(stored, cut);
                assertDecodesToItsClaimOrIsRefused(truncated, kind + " cut to " + cut + " of " + stored.length);
            }
        }
    }

    @Test
    void aWrongLengthInTheHeaderIsRefused() {
        for (Kind kind : new Kind[] {Kind.TEXT, Kind.ZEROS, Kind.INCOMPRESSIBLE}) {
            int size = 20_000;
            ByteBuffer stored = compressor().compress(ByteBuffer.wrap(TestData.generate(kind, size, 5)));
            for (int claim : new int[] {0, 1, size - 1, size + 1, size / 2, size * 2, 1 << 20}) {
                ByteBuffer forged = withClaim(stored, claim);
                IntegrityException e = assertThrows(IntegrityException.class, () -> compressor().decompress(forged),
                        kind + " claiming " + claim + " instead of " + size);
                assertTrue(e.getMessage().startsWith(compressor().name() + ": "), e.getMessage());
            }
        }
    }

    @Test
    void aHugeClaimIsRefusedWithoutAllocatingIt() {
        ByteBuffer stored = compressor().compress(ByteBuffer.allocate(4096));
        ByteBuffer forged = withClaim(stored, CompressedForm.MAX_ORIGINAL_LENGTH);
        long allocated = TestData.allocatedBy(
                () -> assertThrows(IntegrityException.class, () -> compressor().decompress(forged)));
        assertTrue(allocated < 64 << 20, "a claim of 1 GiB in " + forged.remaining() + " bytes allocated "
                + allocated + " bytes");
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aFlippedPayloadByteDecodesToTheLengthOrIsRefused() {
        byte[] data = TestData.generate(Kind.TEXT, 8192, 11);
        byte[] stored = TestData.bytes(compressor().compress(ByteBuffer.wrap(data)));
        int payload = CompressedForm.header(compressor().name(), ByteBuffer.wrap(stored)).length();
        SplittableRandom random = new SplittableRandom(stored.length);
        // Every payload byte of a short payload, else 400 spread over it (each decode of a slow codec costs).
        int[] positions = stored.length - payload <= 400 ? IntStream.range(payload, stored.length).toArray()
                : IntStream.range(0, 400).map(i -> payload + (int) ((long) (stored.length - payload) * i / 400))
                        .toArray();
        for (int position : positions) {
            for (int mask : new int[] {0x01, 0x80, 1 + random.nextInt(255)}) {
                byte[] flipped = stored.clone();
                flipped[position] ^= (byte) mask;
                assertDecodesToItsClaimOrIsRefused(flipped, "byte " + position + " of " + stored.length
                        + " flipped by 0x" + Integer.toHexString(mask));
            }
        }
    }

    /** Compresses and restores {@code data}, checking that neither call moves or changes its argument. */
    private ByteBuffer roundTrip(byte[] data, boolean direct) {
        ByteBuffer input = TestData.place(data, direct);
        int position = input.position();
        int limit = input.limit();
        ByteBuffer stored = compressor().compress(input);
        assertEquals(position, input.position(), "compress moved the input's position");
        assertEquals(limit, input.limit(), "compress moved the input's limit");
        assertArrayEquals(data, TestData.bytes(input), "compress changed its input");
        assertEquals(0, stored.position());

        ByteBuffer placed = TestData.place(TestData.bytes(stored), direct);
        int storedPosition = placed.position();
        int storedLimit = placed.limit();
        ByteBuffer restored = compressor().decompress(placed);
        assertEquals(storedPosition, placed.position(), "decompress moved the stored form's position");
        assertEquals(storedLimit, placed.limit(), "decompress moved the stored form's limit");
        assertEquals(0, restored.position());
        assertArrayEquals(data, TestData.bytes(restored));
        return stored;
    }

    private void assertDecodesToItsClaimOrIsRefused(byte[] stored, String what) {
        ByteBuffer restored;
        try {
            restored = compressor().decompress(ByteBuffer.wrap(stored));
        } catch (IntegrityException e) {
            assertTrue(e.getMessage().startsWith(compressor().name() + ": "), what + ": " + e.getMessage());
            return;
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + ": threw " + e + " instead of IntegrityException", e);
        }
        Header header = CompressedForm.header(compressor().name(), ByteBuffer.wrap(stored));
        assertEquals(header.originalLength(), restored.remaining(), what + ": decoded to another length");
        if (restored.position() != 0) {
            fail(what + ": restored buffer not at position 0");
        }
    }

    /** Every cut of a short stored form, else the first and last 64 and some between. */
    private static int[] cuts(int length) {
        if (length <= 512) {
            return IntStream.range(0, length).toArray();
        }
        return IntStream.concat(IntStream.concat(IntStream.range(0, 64), IntStream.range(length - 64, length)),
                IntStream.range(1, 128).map(i -> 64 + (int) ((long) (length - 128) * i / 128))).distinct().toArray();
    }

    /** The stored form with its header's original length replaced by {@code claim}. */
    private ByteBuffer withClaim(ByteBuffer stored, int claim) {
        Header header = CompressedForm.header(compressor().name(), stored);
        ByteBuffer payload = stored.duplicate().position(stored.position() + header.length());
        int headerLength = CompressedForm.headerLength(claim);
        ByteBuffer forged = ByteBuffer.allocate(headerLength + payload.remaining());
        forged.put(stored.get(stored.position()));
        int rest = claim;
        while ((rest & ~0x7f) != 0) {
            forged.put((byte) ((rest & 0x7f) | 0x80));
            rest >>>= 7;
        }
        forged.put((byte) rest);
        return forged.put(payload).flip();
    }
}
