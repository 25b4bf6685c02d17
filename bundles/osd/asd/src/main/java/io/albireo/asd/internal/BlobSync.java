package io.albireo.asd.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Collection;

/**
 * How a new blob becomes durable before the WAL record that points to it: its contents and its directory entry. Two
 * ways, chosen by configuration ({@code sync}) and measured in docs/PERFORMANCE.md: {@code fsync}, each blob's data
 * synced by the thread that wrote it (so concurrent clients sync in parallel, as the disk likes), then the batch's
 * directories by the committer; {@code syncfs}, nothing per blob, then one call that flushes the ASD's whole file
 * system for the batch.
 */
interface BlobSync extends AutoCloseable {

    /** Called by the writer's thread once a blob is written, before its apply joins a commit. */
    void written(FileChannel blob) throws IOException;

    /**
     * Called by the committer before the batch's WAL record: makes the batch's blobs and their directory entries
     * durable.
     *
     * @param directories the directories the batch's new blobs were created in
     */
    void commit(Collection<Path> directories) throws IOException;

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

    /** fdatasync(2) per blob on its writer's thread (data and size), fsync(2) per directory at the commit. */
    final class Fsync implements BlobSync {
        @Override
        public void written(FileChannel blob) throws IOException {
            blob.force(false);
        }

        @Override
        public void commit(Collection<Path> directories) throws IOException {
            for (Path directory : directories) {
                Directories.sync(directory);
            }
        }
    }

    /** syncfs(2) on a descriptor of the ASD's root: everything dirty on its file system, once. Linux only. */
    final class Syncfs implements BlobSync {
        private final int fd;

        Syncfs(Path root) throws IOException {
            fd = LibC.open(root.toString(), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
            if (fd < 0) {
                throw new IOException("cannot open " + root + " for syncfs: errno " + LibC.errno());
            }
        }

        @Override
        public void written(FileChannel blob) {
            // the commit's syncfs covers it
        }

        @Override
        public void commit(Collection<Path> directories) throws IOException {
            if (LibC.syncfs(fd) != 0) {
                throw new IOException("syncfs failed: errno " + LibC.errno());
            }
        }

        @Override
        public void close() {
            LibC.close(fd);
        }
    }
}
