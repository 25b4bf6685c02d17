package io.albireo.api.maintenance;

import java.util.List;

/**
 * What a verification of a namespace found and did.
 *
 * @param namespace the namespace
 * @param objects objects checked
 * @param fragments fragments read and checked
 * @param bytes bytes read
 * @param missing fragments that were absent or unreadable
 * @param corrupt fragments whose checksum failed
 * @param repaired objects whose bad fragments were rebuilt
 * @param lost objects left with fewer than k good fragments in a chunk (never deleted)
 */
public record VerifyReport(String namespace, long objects, long fragments, long bytes, long missing, long corrupt,
        long repaired, List<MaintenanceStatus.LostObject> lost) {
    /** Copies the list. */
    public VerifyReport {
        lost = List.copyOf(lost);
    }
}
