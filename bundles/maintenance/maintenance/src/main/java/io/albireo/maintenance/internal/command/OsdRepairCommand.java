package io.albireo.maintenance.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code osd:repair}: queues a repair pass over every object with a fragment on an OSD. */
@Service
@Command(scope = "osd", name = "repair", description = "Queues a repair of every object with a fragment on this dead or"
        + " decommissioned OSD, in every namespace (a death or a decommission queues one by itself);"
        + " maintenance:status shows its progress.")
public class OsdRepairCommand extends MaintenanceAction {

    @Argument(index = 0, name = "longId", required = true, description = "The OSD's long id")
    @Completion(ClaimedOsdNames.class)
    String longId;

    @Override
    void run() {
        int n = maintenance.repairOsd(longId);
        System.out.println("queued " + n + " repair job" + (n == 1 ? "" : "s") + " for OSD " + longId);
    }
}
