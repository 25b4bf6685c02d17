package io.albireo.abm.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.console.support.OsdCompleter;

/** {@code osd:claim}: makes an OSD this backend's, exclusively. */
@Service
@Command(scope = "osd", name = "claim", description = "Claims an OSD for this backend: writes the backend's id on the"
        + " OSD, guarded so that an OSD belongs to one backend only, then records it.")
public class OsdClaimCommand extends AbmAction {

    @Argument(index = 0, name = "longId", required = true, description = "The OSD's long id (osd:discovered, asd:list)")
    @Completion(OsdCompleter.class)
    String longId;

    @Override
    void run() {
        ClaimedOsd osd = abm.claimOsd(longId);
        if (json) {
            printJson(osd);
        } else {
            System.out.println("OSD " + osd.longId() + " (node " + osd.nodeId() + ") is number " + osd.number()
                    + " of backend " + abm.backendId());
        }
    }
}
