package io.albireo.api.volume;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An open vDisk: reads and writes at any byte offset and length within its size, all asynchronous. A write is
 * acknowledged (its future completes) once it is in the write buffer, readable by every later read; it is durable
 * after a {@link #flush} that started after the acknowledgement, or at once when written with {@code fua}. Requests in
 * flight together may complete in any order; requests that overlap take effect in the order they were made. Failures
 * complete the future exceptionally: {@link IllegalArgumentException} for a range outside the vDisk (nothing
 * changes), {@link VolumeException} when the vDisk was closed or deleted, a {@link io.albireo.api.StorageException}
 * of the store underneath. Closing the last handle flushes.
 */
@ProviderType
public interface VDisk extends AutoCloseable {

    /** @return the vDisk's name */
    String name();

    /** @return its size in bytes now (it may grow while open) */
    long size();

    /** @return the cluster size: writes aligned to it and of whole clusters never read before they write */
    int clusterSize();

    /**
     * Reads bytes; never-written and trimmed bytes read as zeros.
     *
     * @return a new buffer of {@code length} bytes
     */
    CompletableFuture<ByteBuffer> read(long offset, int length);

    /**
     * Writes the remaining bytes of {@code data} at {@code offset}. The caller leaves {@code data} untouched until the
     * future completes.
     *
     * @param fua whether the write is to be durable when acknowledged (force unit access)
     */
    CompletableFuture<Void> write(long offset, ByteBuffer data, boolean fua);

    /** Makes every write acknowledged before this call durable on local disk. */
    CompletableFuture<Void> flush();

    /** Discards bytes: they read as zeros afterwards, and their space is reclaimed by scrubbing. */
    CompletableFuture<Void> trim(long offset, long length);

    /**
     * Writes zeros; whole clusters become holes and cost no SCO space.
     *
     * @param fua whether the write is to be durable when acknowledged
     */
    CompletableFuture<Void> writeZeroes(long offset, long length, boolean fua);

    /**
     * Says which bytes were written (data) and which read as zeros because they never were or were trimmed (holes),
     * in cluster granularity.
     *
     * @return extents covering {@code [offset, offset + length)} in order, adjacent ones of the same kind merged
     */
    CompletableFuture<List<Extent>> allocation(long offset, long length);

    /** Releases this handle; the last one flushes the vDisk. */
    @Override
    void close();

    /**
     * A run of bytes that are all data or all holes.
     *
     * @param offset the first byte
     * @param length the number of bytes
     * @param hole whether they read as zeros because nothing was written there (or it was trimmed or zeroed)
     */
    record Extent(long offset, long length, boolean hole) {
    }
}
