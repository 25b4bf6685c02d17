package io.albireo.abm.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code osd:purge}: forgets a decommissioned OSD that holds nothing of this backend any more. */
@Service
@Command(scope = "osd", name = "purge", description = "Forgets a decommissioned OSD that holds no fragment of this"
        + " backend any more, and removes the backend's registration from it.")
public class OsdPurgeCommand extends AbmAction {

    @Argument(index = 0, name = "longId", required = true, description = "The OSD's long id")
    @Completion(ClaimedOsdCompleter.class)
    String longId;

    @Override
    void run() {
        abm.purgeOsd(longId);
        System.out.println("OSD " + longId + " purged: another backend may claim it");
    }
}
