package io.albireo.api.codec;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Deterministic test data for compressors, and buffers laid out the awkward way callers hand them over. Shared with
 * every compressor bundle's tests through this module's test-jar.
 */
public final class TestData {

    /** What the bytes look like. */
    public enum Kind {
        /** Random but compressible: a skewed alphabet of 16 symbols in runs of random length. */
        RANDOM,
        /** All zero: the most compressible input. */
        ZEROS,
        /** English-like text: words from a small vocabulary with punctuation and line breaks. */
        TEXT,
        /** Uniformly random bytes: nothing can compress them. */
        INCOMPRESSIBLE
    }

    private static final String[] WORDS = ("the of and to in is that for it as with was on be by this are from at or an"
            + " which have not but were all can their has more one its been would other there also when will into some"
            + " than only these them may any each such data block object store disk node fragment volume replica"
            + " checksum compress cipher erasure metadata namespace preset policy bucket snapshot clone repair proxy")
            .split(" ");

    private TestData() {
    }

    /**
     * @param kind what the bytes look like
     * @param size how many
     * @param seed the same seed gives the same bytes
     * @return {@code size} bytes of {@code kind}
     */
    public static byte[] generate(Kind kind, int size, long seed) {
        byte[] data = new byte[size];
        SplittableRandom random = new SplittableRandom(seed);
        switch (kind) {
            case ZEROS -> {
                // new byte[] is already zero
            }
            case INCOMPRESSIBLE -> random.nextBytes(data);
            case RANDOM -> {
                int i = 0;
                while (i < size) {
                    // Squaring skews the choice towards low symbols, so some are much more frequent than others.
                    int symbol = (int) (16 * Math.pow(random.nextDouble(), 2));
                    int run = 1 + random.nextInt(random.nextInt(8) + 1);
                    for (int r = 0; r < run && i < size; r++) {
                        data[i++] = (byte) ('A' + symbol);
                    }
                }
            }
            case TEXT -> {
                int i = 0;
                int sentence = 0;
                while (i < size) {
                    byte[] word = WORDS[random.nextInt(WORDS.length)].getBytes(StandardCharsets.US_ASCII);
                    for (int w = 0; w < word.length && i < size; w++) {
                        data[i++] = sentence == 0 && w == 0 ? (byte) Character.toUpperCase(word[w]) : word[w];
                    }
                    sentence++;
                    if (i < size) {
                        int end = random.nextInt(12);
                        data[i++] = (byte) (end == 0 ? '.' : end == 1 ? ',' : ' ');
                        if (end == 0) {
                            sentence = 0;
                            if (i < size) {
                                data[i++] = (byte) (random.nextInt(4) == 0 ? '\n' : ' ');
                            }
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException(kind.toString());
        }
        return data;
    }

    /**
     * Lays {@code data} out as callers may: at a non-zero position, with other bytes before and after it that must not
     * be read, in a heap or a direct buffer that is a slice of a larger one (so a heap buffer's array offset is not 0).
     *
     * @return a buffer whose remaining bytes are {@code data}
     */
    public static ByteBuffer place(byte[] data, boolean direct) {
        int sliced = 3;
        int before = 7;
        int after = 5;
        int capacity = sliced + before + data.length + after;
        ByteBuffer buffer = (direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity))
                .position(sliced).slice();
        for (int i = 0; i < before; i++) {
            buffer.put((byte) 0x11);
        }
        buffer.put(data);
        for (int i = 0; i < after; i++) {
            buffer.put((byte) 0xee);
        }
        return buffer.position(before).limit(before + data.length);
    }

    /** @return the remaining bytes of {@code buffer}, which does not move */
    public static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /**
     * @param action what to measure
     * @return the bytes the current thread allocated on the heap while running {@code action}
     */
    public static long allocatedBy(Runnable action) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
