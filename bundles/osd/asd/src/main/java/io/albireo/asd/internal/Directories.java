package io.albireo.asd.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Directories whose entries survive a power cut. A new file or directory's name is durable only once the directory
 * that holds it is fsynced; a blob synced into a folder whose own creation was never made durable could vanish with
 * its folder. PowerLossTest showed the ASD's 256 blob folders undone at every cut before they were synced here.
 */
final class Directories {
    private Directories() {
    }

    /** Creates a directory and any missing parents, each new one made durable (its parent fsynced). */
    static void create(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir.toAbsolutePath(); p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw e;
                }
            }
            sync(p.getParent());
        }
    }

    /** fsync(2) of a directory: the names created, renamed or removed in it become durable. */
    static void sync(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
