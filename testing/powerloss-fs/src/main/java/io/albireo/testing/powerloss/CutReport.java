package io.albireo.testing.powerloss;

/**
 * What a power cut threw away: the pending writes (write, truncate and fallocate calls) and the bytes they carried,
 * the files they were pending on, and the journal's name operations that were not durable: undone, or skipped
 * because their undo no longer applied (the name was since moved or replaced by a durable operation).
 */
public record CutReport(long droppedWrites, long droppedBytes, long droppedFiles, long undone, long skipped) {
}
