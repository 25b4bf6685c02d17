package io.albireo.maintenance.internal.command;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;

import io.albireo.api.maintenance.Maintenance;
import io.albireo.api.maintenance.OsdHealth;
import io.albireo.console.support.Completions;

/** Completes the long ids of the backend's OSDs, as maintenance knows them (osd:repair). */
@Service
public class ClaimedOsdNames implements Completer {

    @Reference(optional = true)
    Maintenance maintenance;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return Completions.complete(session, commandLine, candidates, () -> maintenance == null ? List.of()
                : maintenance.osds().stream().map(OsdHealth::longId).toList());
    }
}
