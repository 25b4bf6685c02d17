package io.albireo.abm.internal.command;

import java.util.List;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

import io.albireo.api.metadata.ClaimedOsd;

/** {@code osd:list}: the OSDs this backend owns. */
@Service
@Command(scope = "osd", name = "list", description = "Lists the OSDs of this backend: number, long id, node, kind,"
        + " address and state. osd:discovered lists what is announced, claimed or not.")
public class OsdListCommand extends AbmAction {

    @Override
    void run() {
        List<ClaimedOsd> osds = abm.osds();
        if (json) {
            printJson(osds);
            return;
        }
        ShellTable table = new ShellTable();
        table.column("#").alignRight();
        table.column("long id");
        table.column("node");
        table.column("kind");
        table.column("address");
        table.column("state");
        for (ClaimedOsd o : osds) {
            table.addRow().addContent(o.number(), o.longId(), o.nodeId(), o.kind(),
                    String.join(",", o.addresses()) + ":" + o.port(), o.state().name().toLowerCase());
        }
        table.print(System.out);
    }
}
