package io.albireo.volumedriver.internal;

/**
 * One entry of a vDisk's transaction log: what happened to which clusters. A TLog is the ordered list of these for
 * the writes that went into one SCO (and the trims made meanwhile); replaying every TLog in order rebuilds the LBA map.
 *
 * @param type {@link #WRITE} or {@link #TRIM}
 * @param cluster the (first) cluster, counted from the start of the vDisk
 * @param value for a write, the cluster's place ({@link ScoLocation#packed}); for a trim, the number of clusters
 * @param dataCrc for a write, the CRC32C of the cluster's bytes; 0 for a trim
 */
record TLogRecord(int type, long cluster, long value, int dataCrc) {
    /** A cluster was written: it lives at {@code value} now. */
    static final int WRITE = 1;
    /** {@code value} clusters from {@code cluster} were trimmed or zeroed: they read as zeros now. */
    static final int TRIM = 2;

    /** @return a write of one cluster */
    static TLogRecord write(long cluster, ScoLocation at, int dataCrc) {
        return new TLogRecord(WRITE, cluster, at.packed(), dataCrc);
    }

    /** @return a trim of {@code count} clusters */
    static TLogRecord trim(long cluster, long count) {
        return new TLogRecord(TRIM, cluster, count, 0);
    }

    /** @return where a write put its cluster */
    ScoLocation location() {
        return ScoLocation.of(value);
    }
}
