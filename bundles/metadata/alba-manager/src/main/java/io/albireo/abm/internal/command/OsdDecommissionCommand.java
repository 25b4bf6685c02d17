package io.albireo.abm.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code osd:decommission}: nothing new goes to the OSD; maintenance moves its fragments away. */
@Service
@Command(scope = "osd", name = "decommission", description = "Decommissions an OSD: nothing new is placed on it and"
        + " maintenance moves its fragments away; then osd:purge forgets it.")
public class OsdDecommissionCommand extends AbmAction {

    @Argument(index = 0, name = "longId", required = true, description = "The OSD's long id")
    @Completion(ClaimedOsdCompleter.class)
    String longId;

    @Override
    void run() {
        abm.decommissionOsd(longId);
        System.out.println("OSD " + longId + " decommissioned");
    }
}
