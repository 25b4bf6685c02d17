package io.albireo.abm.internal.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

import io.albireo.api.maintenance.Maintenance;
import io.albireo.api.maintenance.OsdHealth;
import io.albireo.api.metadata.ClaimedOsd;

/**
 * {@code osd:list}: the OSDs this backend owns and, where a maintenance agent runs here, the health its failure
 * detector sees (the ABM's state says what was decided; the health says what is happening now).
 */
@Service
@Command(scope = "osd", name = "list", description = "Lists the OSDs of this backend: number, long id, node, kind,"
        + " address, state (claimed, decommissioned, or dead: stopped answering, its fragments being rebuilt"
        + " elsewhere) and, where maintenance runs, health (alive, suspect for how long, dead or decommissioned while"
        + " fragments remain, empty once it holds none and can be purged). osd:discovered lists what is announced,"
        + " claimed or not.")
public class OsdListCommand extends AbmAction {

    @Reference(optional = true)
    Maintenance maintenance;

    /** One line of the listing. */
    record Row(ClaimedOsd osd, OsdHealth health) {
    }

    /** The work: the OSDs, each with its health if an agent runs here (else null). */
    List<Row> rows() {
        Map<Integer, OsdHealth> health = maintenance == null ? Map.of()
                : maintenance.osds().stream().collect(Collectors.toMap(OsdHealth::number, Function.identity(),
                        (a, b) -> a));
        List<Row> rows = new ArrayList<>();
        for (ClaimedOsd o : abm.osds()) {
            rows.add(new Row(o, health.get(o.number())));
        }
        return rows;
    }

    static String health(OsdHealth h) {
        if (h == null) {
            return "-";
        }
        String s = h.state().name().toLowerCase();
        return h.state() == OsdHealth.State.SUSPECT ? s + " (silent " + h.silentSeconds() + " s)" : s;
    }

    @Override
    void run() {
        List<Row> rows = rows();
        if (json) {
            printJson(rows.stream().map(Row::osd).toList());
            return;
        }
        ShellTable table = new ShellTable();
        table.column("#").alignRight();
        table.column("long id");
        table.column("node");
        table.column("kind");
        table.column("address");
        table.column("state");
        if (maintenance != null) {
            table.column("health");
        }
        for (Row r : rows) {
            ClaimedOsd o = r.osd();
            List<Object> cells = new ArrayList<>(List.of(o.number(), o.longId(), o.nodeId(), o.kind(),
                    String.join(",", o.addresses()) + ":" + o.port(), o.state().name().toLowerCase()));
            if (maintenance != null) {
                cells.add(health(r.health()));
            }
            table.addRow().addContent(cells);
        }
        table.print(System.out);
    }
}
