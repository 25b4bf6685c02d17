package io.albireo.api.osd;

import java.util.Map;

/**
 * What an OSD has served since it started.
 *
 * @param operations per operation name ("apply", "get", "getSlices", "range"), its counters
 */
public record OsdStatistics(Map<String, Operation> operations) {

    /** Copies the map. */
    public OsdStatistics {
        operations = Map.copyOf(operations);
    }

    /**
     * Counters of one kind of operation.
     *
     * @param count operations served
     * @param bytes payload bytes moved
     * @param meanMicros mean latency in microseconds
     * @param maxMicros the largest latency seen, in microseconds
     */
    public record Operation(long count, long bytes, double meanMicros, double maxMicros) {
    }
}
