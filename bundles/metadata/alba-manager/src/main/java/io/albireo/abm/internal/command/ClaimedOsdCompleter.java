package io.albireo.abm.internal.command;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;

import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.console.support.Completions;

/**
 * Completes the long ids of the OSDs this backend has claimed, decommissioned and dead ones included
 * (osd:decommission, osd:purge): unlike {@link io.albireo.console.support.OsdCompleter}, which offers the Osd services
 * registered now, it offers an OSD that is unreachable or gone, which is the one an operator purges. The reference is
 * optional, as {@link AbmAction}'s is: a mandatory one would hide every ABM command while the ABM is not running.
 */
@Service
public class ClaimedOsdCompleter implements Completer {

    @Reference(optional = true)
    AlbaManager abm;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        AlbaManager a = abm;
        return Completions.complete(session, commandLine, candidates,
                () -> a == null ? List.of() : a.osds().stream().map(ClaimedOsd::longId).sorted().toList());
    }
}
