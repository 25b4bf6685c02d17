package io.albireo.nsm.internal;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A growable byte buffer for the encoders on the committer's path: {@link ByteArrayOutputStream}'s single-byte and
 * array writes are synchronized, a lock per byte there; these are not (one thread owns an instance).
 */
final class Out extends ByteArrayOutputStream {
    Out(int capacity) {
        super(capacity);
    }

    @Override
    public void write(int b) {
        if (count == buf.length) {
            buf = Arrays.copyOf(buf, 2 * buf.length + 1);
        }
        buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (len > buf.length - count) {
            buf = Arrays.copyOf(buf, Math.max(2 * buf.length, count + len));
        }
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    void varint(long value) {
        long v = value;
        for (; v >= 0x80 || v < 0; v >>>= 7) {
            write((int) (v & 0x7f) | 0x80);
        }
        write((int) v);
    }

    void int32(int v) {
        write(v >>> 24);
        write(v >>> 16);
        write(v >>> 8);
        write(v);
    }

    void int64(long v) {
        int32((int) (v >>> 32));
        int32((int) v);
    }

    /** A 4-byte BE length and the bytes. */
    void block(byte[] b) {
        int32(b.length);
        write(b, 0, b.length);
    }

    byte[] buffer() {
        return buf;
    }

    /** @return the bytes written, without a copy when the buffer is exactly full */
    byte[] bytes() {
        return count == buf.length ? buf : Arrays.copyOf(buf, count);
    }
}
