package io.albireo.asd.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;

import com.sun.jna.Native;

/**
 * How the group commit makes a batch's new blobs durable before it writes the batch's WAL record: their contents and
 * their directory entries. Two ways, chosen by configuration ({@code sync}) and measured in docs/PERFORMANCE.md:
 * {@code fsync}, each file and each touched directory; {@code syncfs}, one call that flushes the ASD's whole file
 * system, which costs one journal commit however many blobs the batch wrote.
 */
interface BlobSync extends AutoCloseable {

    /**
     * Makes the blobs and the directories they were created in durable.
     *
     * @param blobs the open channels of the batch's new blobs
     * @param directories the directories their entries are in
     */
    void sync(Collection<FileChannel> blobs, Collection<Path> directories) throws IOException;

    @Override
    default void close() throws IOException {
    }

    /** @return the strategy named in the configuration */
    static BlobSync of(String name, Path root) throws IOException {
        return switch (name) {
            case "fsync" -> new Fsync();
            case "syncfs" -> new Syncfs(root);
            default -> throw new IllegalArgumentException("sync must be fsync or syncfs; got " + name);
        };
    }

    /** fsync(2) per blob and per directory. */
    final class Fsync implements BlobSync {
        @Override
        public void sync(Collection<FileChannel> blobs, Collection<Path> directories) throws IOException {
            for (FileChannel blob : blobs) {
                blob.force(true);
            }
            for (Path directory : directories) {
                try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                    dir.force(true);
                }
            }
        }
    }

    /** syncfs(2) on a descriptor of the ASD's root: everything dirty on its file system, once. Linux only. */
    final class Syncfs implements BlobSync {
        private static final int O_RDONLY = 0;
        private static final int O_DIRECTORY = 0200000;

        /** The libc calls; JNA binds them once per class loader. */
        static final class LibC {
            static {
                Native.register("c");
            }

            private LibC() {
            }

            static native int open(String path, int flags);

            static native int syncfs(int fd);

            static native int close(int fd);
        }

        private final int fd;

        Syncfs(Path root) throws IOException {
            fd = LibC.open(root.toString(), O_RDONLY | O_DIRECTORY);
            if (fd < 0) {
                throw new IOException("cannot open " + root + " for syncfs: errno " + Native.getLastError());
            }
        }

        @Override
        public void sync(Collection<FileChannel> blobs, Collection<Path> directories) throws IOException {
            if (LibC.syncfs(fd) != 0) {
                throw new IOException("syncfs failed: errno " + Native.getLastError());
            }
        }

        @Override
        public void close() {
            LibC.close(fd);
        }
    }
}
