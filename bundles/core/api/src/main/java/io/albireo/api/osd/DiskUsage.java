package io.albireo.api.osd;

/**
 * How full an OSD is.
 *
 * @param used bytes in use
 * @param capacity bytes the OSD may use in all
 */
public record DiskUsage(long used, long capacity) {
    /** @return used / capacity, 0 when the capacity is 0 */
    public double fill() {
        return capacity == 0 ? 0 : (double) used / capacity;
    }
}
