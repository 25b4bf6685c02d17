package io.albireo.testing.powerloss;

import java.util.OptionalLong;

/**
 * The daemon's counters at one moment.
 *
 * @param pendingWrites write, truncate and fallocate calls not yet made durable by an fsync
 * @param pendingBytes  the bytes those write calls carried
 * @param pendingFiles  the files they are pending on
 * @param heldBytes     the pending bytes held in memory: each byte once, however often it was rewritten
 * @param journal       name operations not yet durable (the undo journal's entries)
 * @param operations    file system operations served since the mount, failed ones included
 * @param faults        fault rules in force
 * @param capacity      the capacity set by {@link PowerLossFileSystem#capacity(long)}, if any
 * @param usedBytes     the logical size of every file the mount shows, pending data included
 * @param cut           whether the power was cut
 */
public record Stats(long pendingWrites, long pendingBytes, long pendingFiles, long heldBytes, long journal,
        long operations, long faults, OptionalLong capacity, long usedBytes, boolean cut) {
}
