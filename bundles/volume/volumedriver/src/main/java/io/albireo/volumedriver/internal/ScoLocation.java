package io.albireo.volumedriver.internal;

/**
 * Where a cluster lives: in which SCO of its vDisk, and at which cluster of it (the SCO's bytes are its clusters end to
 * end, so the cluster starts at {@code cluster * clusterSize}). Packed into a long for the LBA map and the TLogs: the
 * SCO number in the high 40 bits, the cluster in the low 24. SCOs count from 1, so the packed 0 is no place.
 *
 * @param sco the SCO's number, 1 to 2^40 - 1
 * @param cluster the cluster within it, 0 to 2^24 - 1
 */
record ScoLocation(long sco, int cluster) {
    /** The most clusters an SCO holds. */
    static final int MAX_CLUSTERS = 1 << 24;
    /** The highest SCO number. */
    static final long MAX_SCO = (1L << 40) - 1;

    /** Validates the numbers. */
    ScoLocation {
        if (sco < 1 || sco > MAX_SCO || cluster < 0 || cluster >= MAX_CLUSTERS) {
            throw new IllegalArgumentException("no SCO location: SCO " + sco + ", cluster " + cluster);
        }
    }

    /** @return the packed form */
    long packed() {
        return sco << 24 | cluster;
    }

    /** @return a packed location unpacked */
    static ScoLocation of(long packed) {
        return new ScoLocation(packed >>> 24, (int) (packed & (MAX_CLUSTERS - 1)));
    }
}
