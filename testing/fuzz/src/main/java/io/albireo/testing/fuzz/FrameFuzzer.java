package io.albireo.testing.fuzz;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Mutates valid frames into malformed ones for a bounded time: bits flipped, bytes replaced with edge values (0,
 * 0xff, 0x7f, 0x80), runs cut out or inserted, the frame cut short, and the length field or any u16/u32 in the body
 * set to a lie. The seed and the number of cases are printed, so that a finding can be replayed; the time comes from
 * the system property {@code albireo.fuzz.seconds} (default given by the test).
 */
public final class FrameFuzzer {
    private final Random random;
    private final long seed;
    private final long deadline;
    private long cases;

    /** @param defaultSeconds how long to fuzz unless {@code albireo.fuzz.seconds} says otherwise */
    public FrameFuzzer(String name, double defaultSeconds) {
        this.seed = Long.getLong("albireo.fuzz.seed", System.nanoTime());
        this.random = new Random(seed);
        double seconds = Double.parseDouble(System.getProperty("albireo.fuzz.seconds",
                String.valueOf(defaultSeconds)));
        this.deadline = System.nanoTime() + (long) (seconds * 1e9);
        System.out.println(name + ": fuzzing for " + seconds + " s, seed " + seed + " (-Dalbireo.fuzz.seed to"
                + " replay)");
    }

    /** @return whether time is left; counts the cases */
    public boolean more() {
        cases++;
        return System.nanoTime() < deadline;
    }

    /** @return the cases run so far */
    public long cases() {
        return cases;
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /** @return the fuzzer's random numbers, for the test's own choices */
    public Random random() {
        return random;
    }

    /** @return one of {@code frames}, mutated one to four times */
    public byte[] mutate(List<byte[]> frames) {
        byte[] f = frames.get(random.nextInt(frames.size())).clone();
        int rounds = 1 + random.nextInt(4);
        for (int i = 0; i < rounds; i++) {
            f = mutateOnce(f);
        }
        return f;
    }

    private byte[] mutateOnce(byte[] f) {
        if (f.length == 0) {
            return new byte[] {(byte) random.nextInt()};
        }
        int at = random.nextInt(f.length);
        switch (random.nextInt(8)) {
            case 0 -> f[at] ^= (byte) (1 << random.nextInt(8));
            case 1 -> f[at] = (byte) new int[] {0, 0xff, 0x7f, 0x80, 1}[random.nextInt(5)];
            case 2 -> {
                int n = Math.min(f.length - at, 1 + random.nextInt(16));
                byte[] g = new byte[f.length - n];
                System.arraycopy(f, 0, g, 0, at);
                System.arraycopy(f, at + n, g, at, f.length - at - n);
                return g;
            }
            case 3 -> {
                byte[] insert = new byte[1 + random.nextInt(16)];
                random.nextBytes(insert);
                byte[] g = new byte[f.length + insert.length];
                System.arraycopy(f, 0, g, 0, at);
                System.arraycopy(insert, 0, g, at, insert.length);
                System.arraycopy(f, at, g, at + insert.length, f.length - at);
                return g;
            }
            case 4 -> {
                return java.util.Arrays.copyOf(f, at);
            }
            case 5 -> {
                if (f.length >= 4) {
                    ByteBuffer.wrap(f).putInt(0, lie());
                }
            }
            case 6 -> {
                if (at + 4 <= f.length) {
                    ByteBuffer.wrap(f).putInt(at, lie());
                }
            }
            default -> {
                if (at + 2 <= f.length) {
                    ByteBuffer.wrap(f).putShort(at, (short) lie());
                }
            }
        }
        return f;
    }

    private int lie() {
        return new int[] {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0xffff, 0x10000, 100_001, 9, 13,
            random.nextInt()}[random.nextInt(11)];
    }

    /** A decoder under test: reads one frame from its bytes. */
    @FunctionalInterface
    public interface Decoder {
        /** @return whether a frame was decoded (false: the bytes ended cleanly before one) */
        boolean decode(byte[] frame) throws Exception;
    }

    /**
     * Decodes mutations of {@code frames} until the time is up. Each must decode or fail with one of {@code clean};
     * none may allocate more than 256 KiB and 64 bytes per byte of frame, plus its declared length if that is within
     * {@code maxFrame} (a frame within the limit is allocated whole before its body arrives). The first 5,000 cases
     * load classes and fill caches, so their allocations are not counted.
     *
     * @return the cases that decoded
     * @throws AssertionError naming the seed and the frame, for anything else
     */
    @SafeVarargs
    public final long decodeAll(List<byte[]> frames, int maxFrame, Decoder decoder,
            Class<? extends Exception>... clean) {
        long decoded = 0;
        while (more()) {
            byte[] frame = mutate(frames);
            long before = allocatedBytes();
            try {
                if (decoder.decode(frame)) {
                    decoded++;
                }
            } catch (Exception | Error e) {
                if (!isOneOf(e, clean)) {
                    throw new AssertionError("seed " + seed + ": " + HexFormat.of().formatHex(frame) + " failed with "
                            + e, e);
                }
            }
            long allocated = allocatedBytes() - before;
            long declared = frame.length < 4 ? 0 : ByteBuffer.wrap(frame).getInt(0);
            long allowed = 256 * 1024 + 64L * frame.length + (declared >= 0 && declared <= maxFrame ? declared : 0);
            if (cases >= 5000 && allocated > allowed) {
                throw new AssertionError("seed " + seed + ": " + HexFormat.of().formatHex(frame) + " made the decoder"
                        + " allocate " + allocated + " bytes");
            }
        }
        return decoded;
    }

    private static boolean isOneOf(Throwable e, Class<? extends Exception>[] types) {
        for (Class<? extends Exception> t : types) {
            if (t.isInstance(e)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Until the time is up, opens connections to {@code server}, sends the handshake (mutated one time in twenty),
     * then 1 to 20 frames, half of them mutations of {@code frames}, and closes; a connection the server closes first
     * is fine.
     */
    public void sendAll(InetSocketAddress server, byte[] handshake, List<byte[]> frames) throws IOException {
        while (more()) {
            try (SocketChannel c = SocketChannel.open(server)) {
                c.write(ByteBuffer.wrap(random.nextInt(20) == 0 ? mutate(List.of(handshake)) : handshake));
                int n = 1 + random.nextInt(20);
                for (int i = 0; i < n; i++) {
                    c.write(ByteBuffer.wrap(random.nextBoolean() ? mutate(frames)
                            : frames.get(random.nextInt(frames.size()))));
                }
            } catch (IOException refused) {
                // the server closed a connection that broke the protocol
            }
        }
    }

    /** @return the bytes this thread has allocated so far (HotSpot), to bound what one decode may allocate */
    public static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    /** @return the bytes of a frame's buffers, back to back */
    public static byte[] bytes(ByteBuffer[] frame) {
        int n = 0;
        for (ByteBuffer b : frame) {
            n += b.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(n);
        for (ByteBuffer b : frame) {
            out.put(b.duplicate());
        }
        return out.array();
    }
}
