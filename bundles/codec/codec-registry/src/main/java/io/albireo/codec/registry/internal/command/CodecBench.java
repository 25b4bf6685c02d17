package io.albireo.codec.registry.internal.command;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.LongSupplier;

import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.Cipher;
import io.albireo.api.codec.CipherKey;
import io.albireo.api.codec.Compressor;
import io.albireo.api.codec.ErasureCode;
import io.albireo.api.codec.ErasureCodec;

/**
 * The measurements behind {@code codec:bench}: each operation runs on one thread for a fixed time after a short warm-up,
 * and the result is the bytes processed per second (MB = 10^6 bytes). Inputs are made here, never read from disk, so a
 * bench never touches stored data.
 */
final class CodecBench {
    private final double seconds;
    private final LongSupplier clock;

    /**
     * @param seconds how long each operation is measured
     * @param clock a nanosecond clock (System::nanoTime)
     */
    CodecBench(double seconds, LongSupplier clock) {
        if (!(seconds > 0) || seconds > 600) {
            throw new IllegalArgumentException("--seconds must be more than 0 and at most 600; got " + seconds);
        }
        this.seconds = seconds;
        this.clock = clock;
    }

    /**
     * One measured operation.
     *
     * @param operation what was measured ("encode", "compress")
     * @param operations how many times it ran
     * @param bytesPerSecond the bytes it processed per second
     * @param note anything else worth a column ("ratio 3.10"), or ""
     */
    record Result(String operation, long operations, double bytesPerSecond, String note) {
        String line() {
            return String.format(Locale.ROOT, "  %-16s %10.1f MB/s  %8d ops  %s", operation, bytesPerSecond / 1e6,
                    operations, note).stripTrailing();
        }
    }

    List<Result> erasureCodec(ErasureCodec codec, int k, int m, int fragmentSize) {
        ErasureCode code = codec.code(k, m);
        Random random = new Random(1);
        ByteBuffer[] data = directBuffers(k, fragmentSize, random);
        ByteBuffer[] parity = directBuffers(m, fragmentSize, null);
        List<Result> results = new ArrayList<>();
        long bytes = (long) k * fragmentSize;
        results.add(measure("encode", bytes, () -> code.encode(data, parity), ""));
        int lost = Math.min(m, k);
        if (lost > 0) {
            ByteBuffer[] fragments = new ByteBuffer[k + m];
            System.arraycopy(data, lost, fragments, lost, k - lost);
            System.arraycopy(parity, 0, fragments, k, m);
            int[] wanted = new int[lost];
            for (int i = 0; i < lost; i++) {
                wanted[i] = i;
            }
            ByteBuffer[] out = directBuffers(lost, fragmentSize, null);
            results.add(measure("decode, " + lost + " lost", bytes,
                    () -> code.reconstruct(fragments, wanted, out), ""));
            for (int i = 0; i < lost; i++) {
                if (!out[i].equals(data[i])) {
                    throw new IllegalStateException("decode did not restore fragment " + i + ": the codec is broken");
                }
            }
        }
        return results;
    }

    List<Result> compressor(Compressor compressor, int level, ByteBuffer input) {
        ByteBuffer stored = compressor.compress(input, level);
        String ratio = String.format(Locale.ROOT, "ratio %.2f", (double) input.remaining() / stored.remaining());
        if (!compressor.decompress(stored).equals(input)) {
            throw new IllegalStateException(compressor.name() + " did not round-trip: the compressor is broken");
        }
        return List.of(measure("compress", input.remaining(), () -> compressor.compress(input, level), ratio),
                measure("decompress", input.remaining(), () -> compressor.decompress(stored), ""));
    }

    List<Result> cipher(Cipher cipher, int blockSize, ByteBuffer plaintext) {
        byte[] secret = new byte[cipher.keyLength()];
        new SecureRandom().nextBytes(secret);
        CipherKey key = new CipherKey("codec-bench", secret);
        java.util.Arrays.fill(secret, (byte) 0);
        try {
            ByteBuffer sealed = cipher.encrypt(key, plaintext, blockSize);
            if (!cipher.decrypt(key, sealed).equals(plaintext)) {
                throw new IllegalStateException(cipher.name() + " did not round-trip: the cipher is broken");
            }
            return List.of(measure("encrypt", plaintext.remaining(), () -> cipher.encrypt(key, plaintext, blockSize),
                    ""), measure("decrypt", plaintext.remaining(), () -> cipher.decrypt(key, sealed), ""));
        } finally {
            key.destroy();
        }
    }

    List<Result> checksum(Checksum checksum, ByteBuffer data) {
        return List.of(measure("compute", data.remaining(), () -> checksum.compute(data), ""));
    }

    private Result measure(String operation, long bytesPerOperation, Runnable op, String note) {
        long warmUpEnd = clock.getAsLong() + (long) (Math.min(1.0, seconds / 5) * 1e9);
        do {
            op.run();
        } while (clock.getAsLong() < warmUpEnd);
        long start = clock.getAsLong();
        long end = start + (long) (seconds * 1e9);
        long count = 0;
        long now;
        do {
            op.run();
            count++;
            now = clock.getAsLong();
        } while (now < end);
        return new Result(operation, count, bytesPerOperation * count / ((now - start) / 1e9), note);
    }

    /** Kinds of input for compressors, ciphers and checksums. */
    enum Data {
        /** A quarter each of text, zeros, structured binary and random bytes. */
        MIXED,
        /** Words from a small vocabulary, as in logs and documents. */
        TEXT,
        /** All zero, as in sparse volumes. */
        ZEROS,
        /** Uniformly random: incompressible, as already-compressed or encrypted data. */
        RANDOM;

        ByteBuffer make(int size) {
            byte[] bytes = new byte[size];
            Random random = new Random(size);
            switch (this) {
                case TEXT -> text(bytes, 0, size, random);
                case RANDOM -> random.nextBytes(bytes);
                case ZEROS -> {
                    // already zero
                }
                case MIXED -> {
                    int quarter = size / 4;
                    text(bytes, 0, quarter, random);
                    for (int i = 2 * quarter; i + 8 <= 3 * quarter; i += 8) {
                        long record = (long) (i / 8) << 16 | (i & 0xff);
                        for (int b = 0; b < 8; b++) {
                            bytes[i + b] = (byte) (record >>> (8 * b));
                        }
                    }
                    byte[] noise = new byte[size - 3 * quarter];
                    random.nextBytes(noise);
                    System.arraycopy(noise, 0, bytes, 3 * quarter, noise.length);
                }
                default -> throw new IllegalStateException(name());
            }
            return ByteBuffer.wrap(bytes);
        }

        private static void text(byte[] bytes, int from, int to, Random random) {
            String[] words = ("the a object fragment namespace manifest policy preset disk node volume snapshot clone"
                    + " write read repair and of to in is for on with that data block storage backend proxy").split(" ");
            int i = from;
            while (i < to) {
                byte[] word = (words[random.nextInt(words.length)] + (random.nextInt(12) == 0 ? ".\n" : " "))
                        .getBytes(StandardCharsets.US_ASCII);
                int n = Math.min(word.length, to - i);
                System.arraycopy(word, 0, bytes, i, n);
                i += n;
            }
        }
    }

    private static ByteBuffer[] directBuffers(int count, int size, Random random) {
        ByteBuffer[] buffers = new ByteBuffer[count];
        byte[] bytes = new byte[size];
        for (int i = 0; i < count; i++) {
            // Aligned on 64 bytes, as the data path allocates them: ISA-L loses about a tenth on unaligned buffers.
            buffers[i] = ByteBuffer.allocateDirect(size + 63).alignedSlice(64).limit(size).slice();
            if (random != null) {
                random.nextBytes(bytes);
                buffers[i].duplicate().put(bytes);
            }
        }
        return buffers;
    }
}
