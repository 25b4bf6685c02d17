package io.albireo.asd.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

import com.google.gson.GsonBuilder;

import io.albireo.api.osd.DiskUsage;

/** {@code asd:list}: the ASDs of this appliance, with their usage and state. */
@Service
@Command(scope = "asd", name = "list", description = "Lists the ASDs running in this appliance: long id, node,"
        + " address, data directory, used and capacity, and open client connections.",
        detailedDescription = "An ASD runs for each etc/io.albireo.asd-NAME.cfg. One that is configured but missing"
                + " here failed to start: albireo:status shows why. An ASD refuses new data at 99% of its capacity"
                + " and still accepts deletes.")
public class ListCommand implements Action {

    @Reference(optional = true)
    List<LocalAsd> asds;

    @Option(name = "--json", aliases = "-j", description = "Print the list as JSON, for scripts")
    boolean json;

    @Override
    public Object execute() {
        List<LocalAsd> sorted = new ArrayList<>(asds == null ? List.of() : asds);
        sorted.sort(Comparator.comparing(LocalAsd::address));
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (LocalAsd a : sorted) {
                Map<String, Object> row = new TreeMap<>();
                row.put("longId", a.longId());
                row.put("nodeId", a.nodeId());
                row.put("address", a.address());
                row.put("path", a.path());
                row.put("used", a.diskUsage().used());
                row.put("capacity", a.diskUsage().capacity());
                row.put("connections", a.connections());
                row.put("state", state(a.diskUsage()));
                rows.add(row);
            }
            System.out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(rows));
            return null;
        }
        ShellTable table = new ShellTable().emptyTableText("no ASD runs here: configure one in etc/io.albireo.asd-NAME.cfg");
        for (String column : List.of("Long id", "Node", "Address", "Path", "Used", "Capacity", "Fill", "Connections",
                "State")) {
            table.column(column);
        }
        for (LocalAsd a : sorted) {
            DiskUsage u = a.diskUsage();
            table.addRow().addContent(a.longId(), a.nodeId(), a.address(), a.path(), bytes(u.used()),
                    bytes(u.capacity()), String.format(Locale.ROOT, "%.1f%%", 100 * u.fill()), a.connections(),
                    state(u));
        }
        table.print(System.out);
        return null;
    }

    private static String state(DiskUsage usage) {
        return usage.fill() >= AsdStore.FULL ? "full" : "serving";
    }

    static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
