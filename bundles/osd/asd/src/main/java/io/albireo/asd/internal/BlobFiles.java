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
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import io.albireo.api.IntegrityException;

/**
 * The large values of one ASD, one file each, under {@code blobs/XX/} (XX: the id's second byte). Ids are handed out in
 * order, so 256 consecutive blobs share a directory and a commit's new entries need one directory sync, not one each;
 * over time every directory gets a 256th of the blobs. A blob is written once under a fresh id and never changed: an overwrite writes a new
 * blob and the old one is unlinked once the new pointer is committed. So a reader holding a pointer reads the value it
 * was committed with, or finds the file gone (and reads the key again).
 *
 * <p>
 * Blobs are written with direct I/O where the file system allows it ({@link DirectIo}), the padding of the last block
 * then truncated off. Reads go through the page cache. Values up to the segment limit go to segment files instead
 * ({@link Segments}); blob files hold the larger ones, and those of ASDs written before segments.
 */
final class BlobFiles {
    private final Path root;
    private final DirectIo io;

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
        this.io = new DirectIo(root, direct);
    }

    /** @return whether blobs are written with direct I/O */
    boolean direct() {
        return io.enabled();
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
        FileChannel channel = io.openForWrite(path(id), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            long written = io.write(channel, 0, value);
            if (written != value.remaining()) {
                channel.truncate(value.remaining());
            }
            channel.position(value.remaining());
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            delete(id);
            throw e;
        }
    }

    /**
     * Reads {@code length} bytes from {@code offset} of a blob: only those bytes are read from the disk.
     *
     * @param once whether the value is read once (repair, scrub): a large one is then read with direct I/O
     * @throws NoSuchFileException if the blob was unlinked (its key was overwritten or deleted meanwhile)
     * @throws IntegrityException if the file is shorter than that
     */
    ByteBuffer read(long id, long offset, int length, boolean once) throws IOException {
        ByteBuffer out;
        if (once && io.enabled() && length >= DirectIo.DIRECT_READ_MIN) {
            try (FileChannel channel = io.openForDirectRead(path(id))) {
                out = io.read(channel, offset, length);
            }
        } else {
            out = ByteBuffer.allocate(length);
            try (FileChannel channel = FileChannel.open(path(id), StandardOpenOption.READ)) {
                while (out.hasRemaining() && channel.read(out, offset + out.position()) >= 0) {
                    // until the bytes are read or the file ends
                }
            }
            out.flip();
        }
        if (out.remaining() < length) {
            // Torn or truncated on disk: the bytes the pointer promises are not there.
            throw new IntegrityException("blob " + Long.toHexString(id) + " is shorter than its pointer says: "
                    + out.remaining() + " bytes from " + offset + ", wanted " + length);
        }
        return out;
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
