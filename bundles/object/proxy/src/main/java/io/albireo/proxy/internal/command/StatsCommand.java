package io.albireo.proxy.internal.command;

import java.util.Map;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

import com.google.gson.GsonBuilder;

import io.albireo.proxy.internal.ProxyObjectStore;

/** {@code proxy:stats}: the proxy's counters since it started. */
@Service
@Command(scope = "proxy", name = "stats", description = "Shows the proxy's counters since it started: puts, gets,"
        + " partial reads, bytes, manifest and fragment cache hits and misses, stale manifests, maintenance work"
        + " queued (repairs, rewrites, garbage).")
public class StatsCommand implements Action {

    @Reference
    ProxyObjectStore proxy;

    @Option(name = "--json", description = "Print JSON")
    boolean json;

    @Override
    public Object execute() {
        Map<String, Long> stats = proxy.statistics();
        if (json) {
            System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(stats));
            return null;
        }
        ShellTable table = new ShellTable();
        table.column("counter");
        table.column("value").alignRight();
        stats.forEach((k, v) -> table.addRow().addContent(k, v));
        table.print(System.out);
        return null;
    }
}
