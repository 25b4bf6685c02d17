package io.albireo.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable sequence of bytes: keys and small values of OSDs and of the metadata store. Ordered as unsigned bytes,
 * lexicographically, which is the order of every range query in Albireo.
 */
public final class Bytes implements Comparable<Bytes> {
    /** The empty sequence. */
    public static final Bytes EMPTY = new Bytes(new byte[0]);

    private final byte[] bytes;
    private int hash;

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** @return a copy of {@code bytes} */
    public static Bytes of(byte... bytes) {
        return bytes.length == 0 ? EMPTY : new Bytes(bytes.clone());
    }

    /** @return a copy of {@code bytes[offset, offset + length)} */
    public static Bytes of(byte[] bytes, int offset, int length) {
        return new Bytes(Arrays.copyOfRange(bytes, offset, offset + length));
    }

    /** @return the UTF-8 encoding of {@code text} */
    public static Bytes utf8(String text) {
        return new Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** @return a copy of the remaining bytes of {@code buffer}; its position does not move */
    public static Bytes copyOf(ByteBuffer buffer) {
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return new Bytes(copy);
    }

    /**
     * Takes ownership of {@code bytes} without copying: for decoders that have just filled a fresh array. The caller
     * must never write to the array again.
     */
    public static Bytes adopt(byte[] bytes) {
        return new Bytes(bytes);
    }

    /** @return the number of bytes */
    public int length() {
        return bytes.length;
    }

    /** @return whether there are no bytes */
    public boolean isEmpty() {
        return bytes.length == 0;
    }

    /** @return the byte at {@code index} */
    public byte byteAt(int index) {
        return bytes[index];
    }

    /** @return a fresh copy of the bytes */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** @return a read-only view; no copy */
    public ByteBuffer asReadOnlyBuffer() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    /** Copies the bytes into {@code target} at its position, advancing it. */
    public void copyTo(ByteBuffer target) {
        target.put(bytes);
    }

    /** Copies the bytes into {@code target} at {@code offset}. */
    public void copyTo(byte[] target, int offset) {
        System.arraycopy(bytes, 0, target, offset, bytes.length);
    }

    /** @return whether this sequence begins with {@code prefix} */
    public boolean startsWith(Bytes prefix) {
        return prefix.bytes.length <= bytes.length
                && Arrays.equals(bytes, 0, prefix.bytes.length, prefix.bytes, 0, prefix.bytes.length);
    }

    /** @return this sequence followed by {@code other} */
    public Bytes concat(Bytes other) {
        byte[] joined = Arrays.copyOf(bytes, bytes.length + other.bytes.length);
        System.arraycopy(other.bytes, 0, joined, bytes.length, other.bytes.length);
        return new Bytes(joined);
    }

    /** @return bytes {@code [from, to)} */
    public Bytes slice(int from, int to) {
        return new Bytes(Arrays.copyOfRange(bytes, from, to));
    }

    /**
     * @return the smallest sequence greater than every sequence that starts with this one, or {@code null} if there is
     *         none (all bytes are 0xff): the exclusive end of a prefix range
     */
    public Bytes prefixEnd() {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] != (byte) 0xff) {
                byte[] end = Arrays.copyOf(bytes, i + 1);
                end[i]++;
                return new Bytes(end);
            }
        }
        return null;
    }

    /** @return the bytes decoded as UTF-8 */
    public String utf8() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public int compareTo(Bytes other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(bytes);
            hash = h;
        }
        return h;
    }

    /** @return the bytes as hex, shortened past 64 bytes */
    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        return bytes.length <= 64 ? hex.formatHex(bytes)
                : hex.formatHex(bytes, 0, 64) + "...(" + bytes.length + " bytes)";
    }
}
