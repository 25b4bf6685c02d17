package io.albireo.asd.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.nio.file.ExtendedOpenOption;

/**
 * Writes with direct I/O (O_DIRECT) where the file system allows it: a value is written once and read later, if at
 * all, so copying it into the page cache on the way (half the CPU of a 1 MiB apply on this machine, docs/PERFORMANCE.md)
 * buys nothing. A value goes through a reused, aligned staging buffer, its last block padded with zeros. Blob files and
 * segment files share it.
 *
 * <p>Large values read once (repair, scrub: {@link io.albireo.api.osd.Osd#getOnce}) are read with direct I/O too:
 * they are cold, so a buffered read would fill the page cache with them, at the cost of the kernel's CPU, and evict
 * what clients read over and over. Client reads stay buffered: they live off the page cache.
 */
final class DirectIo {
    private static final Logger LOG = LoggerFactory.getLogger(DirectIo.class);
    /** The alignment direct I/O needs of buffers, offsets and lengths: the largest logical block size in use. */
    static final int ALIGNMENT = 4096;
    /** The staging buffer's size: a value is written in pieces this large. */
    static final int STAGING = 1 << 20;

    private final boolean enabled;
    /** Aligned direct staging buffers, one per concurrent writer or direct reader, kept for reuse. */
    private final BlockingQueue<ByteBuffer> staging = new ArrayBlockingQueue<>(32);

    /**
     * @param wanted whether to try direct I/O; it is used only if a probe file in {@code dir} can be written with it
     */
    DirectIo(Path dir, boolean wanted) {
        enabled = wanted && probe(dir);
    }

    /** @return whether writes use direct I/O */
    boolean enabled() {
        return enabled;
    }

    /** Values this long and longer are read with direct I/O when they are read once. */
    static final int DIRECT_READ_MIN = 256 << 10;

    /** @return {@code length} rounded up to the alignment */
    static long padded(long length) {
        return (length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** @return a channel to write a file with: direct where enabled */
    FileChannel openForWrite(Path file, StandardOpenOption... options) throws IOException {
        if (!enabled) {
            return FileChannel.open(file, options);
        }
        StandardOpenOption[] plain = options;
        java.nio.file.OpenOption[] all = new java.nio.file.OpenOption[plain.length + 1];
        System.arraycopy(plain, 0, all, 0, plain.length);
        all[plain.length] = ExtendedOpenOption.DIRECT;
        return FileChannel.open(file, all);
    }

    /**
     * Writes the value's remaining bytes at {@code position} (aligned, where direct): with direct I/O in aligned pieces,
     * the last one padded with zeros up to the alignment; without it, as they are.
     *
     * @return the bytes written: the value's length, rounded up to the alignment where direct
     */
    long write(FileChannel channel, long position, ByteBuffer value) throws IOException {
        ByteBuffer v = value.duplicate();
        if (!enabled) {
            long at = position;
            while (v.hasRemaining()) {
                at += channel.write(v, at);
            }
            return at - position;
        }
        ByteBuffer buffer = staging();
        try {
            long at = position;
            while (v.hasRemaining()) {
                int n = Math.min(STAGING, v.remaining());
                buffer.clear();
                buffer.put(v.slice(v.position(), n));
                v.position(v.position() + n);
                int padded = (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
                while (buffer.position() < padded) {
                    buffer.put((byte) 0);
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    at += channel.write(buffer, at);
                }
            }
            return at - position;
        } finally {
            staging.offer(buffer);
        }
    }

    /** @return a channel to read a file with direct I/O; only where {@link #enabled} */
    FileChannel openForDirectRead(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.READ, ExtendedOpenOption.DIRECT);
    }

    /**
     * Reads {@code length} bytes at {@code position} through a channel opened by {@link #openForDirectRead}: the
     * aligned blocks that hold them, in pieces of the staging buffer's size, copied out of it.
     *
     * @return the bytes, fewer than {@code length} only where the file ends first
     */
    ByteBuffer read(FileChannel direct, long position, int length) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(length);
        ByteBuffer buffer = staging();
        try {
            long end = position + length;
            for (long at = position / ALIGNMENT * ALIGNMENT; at < end;) {
                int piece = (int) Math.min(STAGING, padded(end) - at);
                buffer.clear().limit(piece);
                // A direct read at an unaligned offset fails: a short read (not a multiple of the alignment) is the
                // end of the file.
                while (buffer.hasRemaining() && buffer.position() % ALIGNMENT == 0) {
                    if (direct.read(buffer, at + buffer.position()) < 0) {
                        break;
                    }
                }
                int got = buffer.position();
                int skip = (int) Math.max(0, position - at);
                int take = (int) Math.min(got - skip, end - at - skip);
                if (take > 0) {
                    out.put(buffer.flip().position(skip).limit(skip + take));
                }
                if (got < piece) {
                    break;
                }
                at += piece;
            }
            return out.flip();
        } finally {
            staging.offer(buffer);
        }
    }

    private ByteBuffer staging() {
        ByteBuffer buffer = staging.poll();
        return buffer != null ? buffer : ByteBuffer.allocateDirect(STAGING + ALIGNMENT).alignedSlice(ALIGNMENT);
    }

    /** Whether this file system takes direct I/O (tmpfs, for one, refuses it): one aligned block to a probe file. */
    private static boolean probe(Path dir) {
        Path probe = dir.resolve("direct-io-probe");
        try {
            try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    ExtendedOpenOption.DIRECT)) {
                channel.write(ByteBuffer.allocateDirect(2 * ALIGNMENT).alignedSlice(ALIGNMENT).limit(ALIGNMENT));
            }
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.info("{}: the file system refuses direct I/O ({}); values are written through the page cache", dir,
                    e.toString());
            return false;
        } catch (NoClassDefFoundError e) {
            LOG.info("{}: com.sun.nio.file is not exported to this bundle; values are written through the page cache",
                    dir);
            return false;
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException e) {
                LOG.warn("cannot delete {}", probe, e);
            }
        }
    }
}
