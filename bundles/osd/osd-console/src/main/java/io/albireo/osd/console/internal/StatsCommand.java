package io.albireo.osd.console.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.apache.karaf.shell.support.table.ShellTable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdStatistics;
import io.albireo.console.support.OsdCompleter;

/**
 * {@code osd:stats [ID...]}: what each OSD has served since it started, by its own counters (ALBA's asd-statistics):
 * per operation the count, the bytes, and the mean and largest latency the OSD measured.
 */
@Service
@Command(scope = "osd", name = "stats", description = "Shows what OSDs have served since they started, by their own"
        + " counters: per operation (apply, get, getSlices, range) the count, MB (10^6 bytes) moved, mean and max"
        + " latency in microseconds. Without ids: every registered OSD.")
public class StatsCommand implements Action {

    @Reference
    BundleContext context;

    @Argument(index = 0, name = "ids", required = false, multiValued = true, description = "OSD long ids (default:"
            + " all registered)")
    @Completion(OsdCompleter.class)
    List<String> ids;

    @Option(name = "--timeout", description = "Seconds to wait for each OSD's answer (default 5)")
    double timeout = 5;

    @Override
    public Object execute() throws Exception {
        if (!(timeout > 0)) {
            throw new CommandException("--timeout must be positive; got " + timeout);
        }
        List<String> names = ids == null || ids.isEmpty() ? Osds.names(context) : ids;
        if (names.isEmpty()) {
            throw new CommandException("no OSD is registered (configure an ASD: feature albireo-osd-asd,"
                    + " etc/io.albireo.osd.asd-NAME.cfg)");
        }
        ShellTable table = new ShellTable();
        table.column("osd");
        table.column("operation");
        table.column("count").alignRight();
        table.column("MB").alignRight();
        table.column("mean us").alignRight();
        table.column("max us").alignRight();
        List<String> failed = new ArrayList<>();
        for (String name : names) {
            for (List<String> row : rows(name, statistics(name, failed))) {
                table.addRow().addContent(row.toArray());
            }
        }
        table.print(System.out);
        if (!failed.isEmpty()) {
            throw new CommandException("no statistics from " + String.join("; ", failed));
        }
        return null;
    }

    /** @return the OSD's statistics, or null (with why in {@code failed}) if it is not registered or did not answer */
    private OsdStatistics statistics(String name, List<String> failed) {
        ServiceReference<Osd> ref;
        try {
            ref = Osds.find(context, name);
        } catch (IllegalArgumentException e) {
            failed.add(name + ": " + e.getMessage());
            return null;
        }
        Osd osd = ref == null ? null : context.getService(ref);
        if (osd == null) {
            failed.add(name + ": not registered");
            return null;
        }
        try {
            return osd.statistics().get((long) (timeout * 1000), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            failed.add(name + ": " + OsdBench.describe(e.getCause()));
        } catch (TimeoutException e) {
            failed.add(name + ": no answer within " + timeout + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed.add(name + ": interrupted");
        } finally {
            context.ungetService(ref);
        }
        return null;
    }

    /** @return the table rows of one OSD, operations by name; one row saying so if it has none or did not answer */
    static List<List<String>> rows(String osd, OsdStatistics statistics) {
        List<List<String>> rows = new ArrayList<>();
        if (statistics == null) {
            rows.add(List.of(osd, "(no answer)", "", "", "", ""));
            return rows;
        }
        Map<String, OsdStatistics.Operation> sorted = new TreeMap<>(statistics.operations());
        if (sorted.isEmpty()) {
            rows.add(List.of(osd, "(nothing served yet)", "", "", "", ""));
        }
        sorted.forEach((operation, o) -> rows.add(List.of(osd, operation, Long.toString(o.count()),
                String.format(Locale.ROOT, "%.1f", o.bytes() / 1e6), String.format(Locale.ROOT, "%.0f",
                        o.meanMicros()), String.format(Locale.ROOT, "%.0f", o.maxMicros()))));
        return rows;
    }
}
