package io.albireo.asd.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.nio.file.ExtendedOpenOption;

import io.albireo.api.IntegrityException;

/**
 * The large values of one ASD, one file each, under {@code blobs/XX/} (XX: the id's second byte). Ids are handed out in
 * order, so 256 consecutive blobs share a directory and a commit's new entries need one directory sync, not one each;
 * over time every directory gets a 256th of the blobs. A blob is written once under a fresh id and never changed: an overwrite writes a new
 * blob and the old one is unlinked once the new pointer is committed. So a reader holding a pointer reads the value it
 * was committed with, or finds the file gone (and reads the key again).
 *
 * <p>
 * Blobs are written with direct I/O (O_DIRECT) where the file system allows it: a blob is written once and read
 * later, if at all, so copying it into the page cache on the way (half the CPU of a 1 MiB apply on this machine,
 * docs/PERFORMANCE.md) buys nothing. The value goes through a reused, aligned staging buffer; the last block is padded
 * and the file then truncated to the value's length. Reads go through the page cache.
 */
final class BlobFiles {
    private static final Logger LOG = LoggerFactory.getLogger(BlobFiles.class);
    /** The alignment direct I/O needs of buffers, offsets and lengths: the largest logical block size in use. */
    static final int ALIGNMENT = 4096;
    /** The staging buffer's size: a blob is written in pieces this large. */
    static final int STAGING = 1 << 20;

    private final Path root;
    private final boolean direct;
    /** Aligned direct staging buffers, one per concurrent writer, kept for reuse. */
    private final BlockingQueue<ByteBuffer> staging = new ArrayBlockingQueue<>(16);

    /**
     * @param direct whether to try direct I/O; it is used only if a probe file can be written with it
     */
    BlobFiles(Path root, boolean direct) throws IOException {
        this.root = root;
        Directories.create(root);
        boolean created = false;
        for (int i = 0; i < 256; i++) {
            Path folder = root.resolve(HexFormat.of().toHexDigits((byte) i));
            if (!Files.isDirectory(folder)) {
                Files.createDirectories(folder);
                created = true;
            }
        }
        if (created) {
            Directories.sync(root);
        }
        this.direct = direct && probeDirect();
    }

    /** @return whether blobs are written with direct I/O */
    boolean direct() {
        return direct;
    }

    /** Whether this file system takes direct I/O (tmpfs, for one, refuses it): one aligned block to a probe file. */
    private boolean probeDirect() {
        Path probe = root.resolve("direct-io-probe");
        try {
            try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    ExtendedOpenOption.DIRECT)) {
                channel.write(ByteBuffer.allocateDirect(2 * ALIGNMENT).alignedSlice(ALIGNMENT).limit(ALIGNMENT));
            }
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.info("{}: the file system refuses direct I/O ({}); blobs are written through the page cache", root,
                    e.toString());
            return false;
        } catch (NoClassDefFoundError e) {
            LOG.info("{}: com.sun.nio.file is not exported to this bundle; blobs are written through the page cache",
                    root);
            return false;
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException e) {
                LOG.warn("cannot delete {}", probe, e);
            }
        }
    }

    Path path(long id) {
        return root.resolve(HexFormat.of().toHexDigits((byte) (id >>> 8))).resolve(HexFormat.of().toHexDigits(id));
    }

    /**
     * Writes a new blob and leaves it open, not yet synced: the group commit syncs a whole batch of them at once.
     *
     * @return the open channel, positioned at the end
     */
    FileChannel write(long id, ByteBuffer value) throws IOException {
        FileChannel channel = direct
                ? FileChannel.open(path(id), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        ExtendedOpenOption.DIRECT)
                : FileChannel.open(path(id), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            if (direct) {
                writeDirect(channel, value.duplicate());
            } else {
                ByteBuffer v = value.duplicate();
                while (v.hasRemaining()) {
                    channel.write(v);
                }
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            delete(id);
            throw e;
        }
    }

    /** Writes through an aligned staging buffer, the last piece padded to the alignment, then cuts the padding off. */
    private void writeDirect(FileChannel channel, ByteBuffer value) throws IOException {
        long length = value.remaining();
        ByteBuffer buffer = staging.poll();
        if (buffer == null) {
            buffer = ByteBuffer.allocateDirect(STAGING + ALIGNMENT).alignedSlice(ALIGNMENT);
        }
        try {
            long position = 0;
            while (value.hasRemaining()) {
                int n = Math.min(STAGING, value.remaining());
                buffer.clear();
                buffer.put(value.slice(value.position(), n));
                value.position(value.position() + n);
                int padded = (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
                while (buffer.position() < padded) {
                    buffer.put((byte) 0);
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    position += channel.write(buffer, position);
                }
            }
            if (position != length) {
                channel.truncate(length);
            }
            channel.position(length);
        } finally {
            staging.offer(buffer);
        }
    }

    /**
     * Reads {@code length} bytes from {@code offset} of a blob: only those bytes are read from the disk.
     *
     * @throws NoSuchFileException if the blob was unlinked (its key was overwritten or deleted meanwhile)
     * @throws IntegrityException if the file is shorter than that
     */
    ByteBuffer read(long id, long offset, int length) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(length);
        try (FileChannel channel = FileChannel.open(path(id), StandardOpenOption.READ)) {
            while (out.hasRemaining()) {
                if (channel.read(out, offset + out.position()) < 0) {
                    // Torn or truncated on disk: the bytes the pointer promises are not there.
                    throw new IntegrityException("blob " + Long.toHexString(id) + " is shorter than its pointer says: "
                            + out.position() + " bytes from " + offset + ", wanted " + length);
                }
            }
        }
        return out.flip();
    }

    /** Unlinks a blob; a missing one is not an error (a crash may have come between the commit and the unlink). */
    void delete(long id) {
        try {
            Files.deleteIfExists(path(id));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete blob " + Long.toHexString(id), e);
        }
    }

    /** @return the directory a blob's entry is in: synced with the blob, so the new file survives a crash */
    Path directory(long id) {
        return path(id).getParent();
    }

    /**
     * Calls {@code each} with the id of every blob on disk, and {@code unknown} with every other file in the blob
     * folders (kept: what it is, an operator decides).
     */
    void forEach(LongConsumer each, Consumer<Path> unknown) throws IOException {
        for (int i = 0; i < 256; i++) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(root.resolve(HexFormat.of().toHexDigits((byte) i)))) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    if (name.length() == 16 && name.chars().allMatch(c -> Character.digit(c, 16) >= 0)
                            && path(HexFormat.fromHexDigitsToLong(name)).equals(file)) {
                        each.accept(HexFormat.fromHexDigitsToLong(name));
                    } else {
                        unknown.accept(file);
                    }
                }
            }
        }
    }
}
