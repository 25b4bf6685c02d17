package io.albireo.discovery.internal.command;

import java.time.Instant;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;

import io.albireo.api.osd.OsdDiscovery;
import io.albireo.discovery.internal.MulticastDiscovery;

/** {@code osd:discovered}: the OSDs this node has heard announce themselves lately. */
@Service
@Command(scope = "osd", name = "discovered", description = "Lists the OSDs this node has heard announce themselves"
        + " by multicast lately, claimed or not.",
        detailedDescription = "One row per OSD long id, from its latest announcement: kind, node, the addresses and"
                + " port it accepts connections on, bytes used and total, its software, when it was first and last"
                + " heard, and the address the announcement came from. OSDs not heard for 'expiry.intervals'"
                + " intervals are forgotten. Announcements are not authenticated: this list proposes OSDs, it does"
                + " not vouch for them. Configuration: etc/io.albireo.discovery.cfg; format: docs/DISCOVERY.md.\n"
                + "Exit status: 0, also when no OSD is heard, and when a new configuration could not be applied but"
                + " the previous one runs (a warning says so); 1 when discovery is not running.")
public class DiscoveredCommand implements Action {

    // Optional, so that the command is there to say why when discovery is not running.
    @Reference(optional = true)
    OsdDiscovery discovery;

    @Option(name = "--json", aliases = "-j", description = "Print the list as JSON, for scripts")
    boolean json;

    @Override
    public Object execute() throws Exception {
        if (discovery == null) {
            throw new CommandException("OSD discovery is not running: component io.albireo.discovery is not active."
                    + " 'log:display' says why (often the interface in etc/io.albireo.discovery.cfg);"
                    + " 'feature:install albireo-discovery' installs it.");
        }
        MulticastDiscovery.Status status = discovery instanceof MulticastDiscovery m ? m.status() : null;
        if (json) {
            System.out.println(DiscoveredFormat.json(discovery.discovered(), Instant.now()));
        } else {
            DiscoveredFormat.table(discovery.discovered(), status, Instant.now(), System.out);
        }
        if (status != null && !status.bound()) {
            throw new CommandException("OSD discovery is not running: " + status.problem()
                    + ". Fix etc/io.albireo.discovery.cfg; a missing interface is tried again every interval.");
        }
        return null;
    }
}
