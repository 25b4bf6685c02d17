package io.albireo.api.codec;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import io.albireo.api.IntegrityException;

/**
 * The stored form every {@link Compressor} produces, so that all of them record the original length and fall back to
 * the raw bytes the same way:
 *
 * <pre>
 *   byte 0      format: 0x10 = version 1, raw payload; 0x11 = version 1, compressed payload
 *   bytes 1..5  the original length, unsigned LEB128 (1 to 5 bytes)
 *   the rest    the payload: the original bytes (raw), or the algorithm's own encoding of them
 * </pre>
 *
 * A compressed payload is kept only when it is shorter than the input; otherwise the input is stored raw, so the
 * stored form is at most 6 bytes longer than the input. Compressors plug their payload codec into
 * {@link #compress(ByteBuffer, Encoder)} and {@link #decompress(String, ByteBuffer, long, Decoder)}.
 */
public final class CompressedForm {
    /** The most bytes a stored form adds to its input. */
    public static final int MAX_OVERHEAD = 16;
    /** The longest original a stored form may claim: bounds what a corrupt header can make a reader allocate. */
    public static final int MAX_ORIGINAL_LENGTH = 1 << 30;

    /** The unused bytes a compressed form may keep in its array before it is copied into a smaller one. */
    private static final int WASTE_LIMIT = 64 * 1024;

    private static final int RAW = 0x10;
    private static final int COMPRESSED = 0x11;

    private CompressedForm() {
    }

    /** Compresses a payload. */
    @FunctionalInterface
    public interface Encoder {
        /**
         * @param input the bytes to compress, from position to limit; the position may move
         * @param out where to write the payload, from its position; at most {@code out.remaining()} bytes
         * @return the number of bytes written, or -1 if the payload does not fit in {@code out}
         */
        int encode(ByteBuffer input, ByteBuffer out);
    }

    /** Decompresses a payload. */
    @FunctionalInterface
    public interface Decoder {
        /**
         * @param payload the compressed payload, from position to limit; the position may move
         * @param out where to write the original bytes: exactly {@code out.remaining()} of them
         * @return the number of bytes written
         * @throws Exception if the payload is not valid
         */
        int decode(ByteBuffer payload, ByteBuffer out) throws Exception;
    }

    /**
     * The header of a stored form.
     *
     * @param compressed whether the payload is compressed (else it is the original bytes)
     * @param originalLength the length of the original bytes
     * @param length the header's own length in bytes
     */
    public record Header(boolean compressed, int originalLength, int length) {
    }

    /**
     * Builds the stored form of the remaining bytes of {@code input}: the encoder's payload if it is shorter than the
     * input, else the input itself.
     *
     * @return a heap buffer positioned at 0 with the stored form up to its limit; {@code input} does not move
     * @throws IllegalArgumentException if the input is longer than {@link #MAX_ORIGINAL_LENGTH}, which no reader would
     *         accept
     */
    public static ByteBuffer compress(ByteBuffer input, Encoder encoder) {
        int length = input.remaining();
        if (length > MAX_ORIGINAL_LENGTH) {
            throw new IllegalArgumentException("cannot compress " + length + " bytes at once: a stored form holds at"
                    + " most " + MAX_ORIGINAL_LENGTH);
        }
        int header = headerLength(length);
        ByteBuffer out = ByteBuffer.allocate(header + length);
        int payload = -1;
        if (length > 1) {
            out.position(header).limit(header + length - 1);
            payload = encoder.encode(input.duplicate(), out.slice());
        }
        out.clear();
        if (payload < 0 || payload >= length) {
            writeHeader(out, RAW, length);
            out.put(input.duplicate());
        } else {
            writeHeader(out, COMPRESSED, length);
            out.position(header + payload);
        }
        out.flip();
        // The output array was sized for the input. When compression left most of it unused (64 MiB of zeros makes
        // a few KB), hand out a copy of the right size rather than keep the large array alive behind a small form.
        if (out.capacity() - out.limit() > WASTE_LIMIT && out.limit() < out.capacity() / 2) {
            return ByteBuffer.wrap(Arrays.copyOf(out.array(), out.limit()));
        }
        return out;
    }

    /**
     * Restores the original bytes of a stored form, trusting its header's length up to {@link #MAX_ORIGINAL_LENGTH}.
     * Prefer {@link #decompress(String, ByteBuffer, long, Decoder)}, which bounds what a corrupt header can make the
     * reader allocate by the algorithm's largest possible expansion.
     *
     * @param algorithm the compressor's name, for error messages
     * @return a heap buffer positioned at 0 holding the original bytes; {@code stored} does not move
     * @throws IntegrityException if the stored form is malformed or its payload does not decode to the recorded length
     */
    public static ByteBuffer decompress(String algorithm, ByteBuffer stored, Decoder decoder) {
        return decompress(algorithm, stored, Long.MAX_VALUE, decoder);
    }

    /**
     * Restores the original bytes of a stored form. The buffer for the original is allocated from the header's length
     * before the payload is decoded, so that length is checked first: a raw payload must have exactly that length, and
     * a compressed payload must be long enough for it at the algorithm's largest possible expansion. A few corrupt
     * bytes claiming a gigabyte are rejected without allocating it.
     *
     * @param algorithm the compressor's name, for error messages
     * @param maxExpansion the most original bytes one payload byte can decode to with this algorithm (a bound of its
     *        format, e.g. 1032 for deflate); {@code Long.MAX_VALUE} for no bound
     * @return a heap buffer positioned at 0 holding the original bytes; {@code stored} does not move
     * @throws IntegrityException if the stored form is malformed, its header claims more than its payload can hold, or
     *         its payload does not decode to the recorded length
     */
    public static ByteBuffer decompress(String algorithm, ByteBuffer stored, long maxExpansion, Decoder decoder) {
        if (maxExpansion < 1) {
            throw new IllegalArgumentException("maxExpansion must be at least 1; got " + maxExpansion);
        }
        ByteBuffer in = stored.duplicate();
        Header header = header(algorithm, in);
        in.position(in.position() + header.length());
        int originalLength = header.originalLength();
        if (!header.compressed()) {
            if (in.remaining() != originalLength) {
                throw new IntegrityException(algorithm + ": raw stored form holds " + in.remaining()
                        + " bytes, its header says " + originalLength);
            }
            return ByteBuffer.allocate(originalLength).put(in).flip();
        }
        // The fewest payload bytes that can decode to originalLength: ceil(originalLength / maxExpansion).
        long leastPayload = originalLength / maxExpansion + (originalLength % maxExpansion == 0 ? 0 : 1);
        if (in.remaining() < leastPayload) {
            throw new IntegrityException(algorithm + ": stored form claims " + originalLength + " original bytes from "
                    + in.remaining() + " compressed bytes, more than " + algorithm + " can expand to (at most "
                    + maxExpansion + " times)");
        }
        ByteBuffer out = ByteBuffer.allocate(originalLength);
        int written;
        try {
            written = decoder.decode(in, out.duplicate());
        } catch (IntegrityException e) {
            throw e;
        } catch (Exception | LinkageError e) {
            throw new IntegrityException(algorithm + ": compressed payload of " + stored.remaining()
                    + " stored bytes is corrupt: " + e, e);
        }
        if (written != originalLength) {
            throw new IntegrityException(algorithm + ": compressed payload decoded to " + written
                    + " bytes, its header says " + originalLength);
        }
        return out;
    }

    /**
     * Reads the header at the position of {@code stored}, which does not move.
     *
     * @param algorithm the compressor's name, for error messages
     * @throws IntegrityException if there is no valid header
     */
    public static Header header(String algorithm, ByteBuffer stored) {
        ByteBuffer in = stored.duplicate();
        try {
            int format = in.get() & 0xff;
            if (format != RAW && format != COMPRESSED) {
                throw new IntegrityException(algorithm + ": not a stored form (format byte 0x"
                        + Integer.toHexString(format) + ")");
            }
            long length = 0;
            for (int shift = 0;; shift += 7) {
                if (shift > 28) {
                    throw new IntegrityException(algorithm + ": stored form's length field is too long");
                }
                int b = in.get() & 0xff;
                length |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            if (length > MAX_ORIGINAL_LENGTH) {
                throw new IntegrityException(algorithm + ": stored form claims " + length + " original bytes, more"
                        + " than the limit of " + MAX_ORIGINAL_LENGTH);
            }
            return new Header(format == COMPRESSED, (int) length, in.position() - stored.position());
        } catch (BufferUnderflowException e) {
            throw new IntegrityException(algorithm + ": stored form is truncated in its header");
        }
    }

    /** @return the length of the raw stored form of {@code length} original bytes: its header and the bytes */
    public static int rawLength(int length) {
        return headerLength(length) + length;
    }

    /**
     * Writes the raw stored form of the remaining bytes of {@code input} at {@code out}'s position, the form
     * {@link #compress} makes when the encoder declines, without a buffer of its own.
     *
     * @param out where the form goes; its position moves past it
     * @param input the original bytes; does not move
     * @throws IllegalArgumentException if the input is longer than {@link #MAX_ORIGINAL_LENGTH}
     * @throws java.nio.BufferOverflowException if {@code out} has less than {@link #rawLength} bytes left
     */
    public static void putRaw(ByteBuffer out, ByteBuffer input) {
        int length = input.remaining();
        if (length > MAX_ORIGINAL_LENGTH) {
            throw new IllegalArgumentException("cannot store " + length + " bytes at once: a stored form holds at"
                    + " most " + MAX_ORIGINAL_LENGTH);
        }
        if (out.remaining() < rawLength(length)) {
            throw new java.nio.BufferOverflowException();
        }
        writeHeader(out, RAW, length);
        out.put(input.duplicate());
    }

    /** @return the header length for an original of {@code length} bytes */
    public static int headerLength(int length) {
        int bytes = 2;
        for (int rest = length >>> 7; rest != 0; rest >>>= 7) {
            bytes++;
        }
        return bytes;
    }

    private static void writeHeader(ByteBuffer out, int format, int length) {
        out.put((byte) format);
        int rest = length;
        while ((rest & ~0x7f) != 0) {
            out.put((byte) ((rest & 0x7f) | 0x80));
            rest >>>= 7;
        }
        out.put((byte) rest);
    }
}
