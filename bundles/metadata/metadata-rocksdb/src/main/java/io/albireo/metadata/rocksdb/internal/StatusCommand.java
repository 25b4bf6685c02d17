package io.albireo.metadata.rocksdb.internal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.apache.karaf.shell.support.table.ShellTable;

import com.google.gson.GsonBuilder;

/** {@code metadata:status}: the embedded metadata store's size, its group commits and its operations. */
@Service
@Command(scope = "metadata", name = "status", description = "Shows the embedded metadata store: its path, keys"
        + " (RocksDB's estimate), live SST size, group commits and commands committed, and the operations registered.",
        detailedDescription = "Counters start at zero when the store opens. Mean commands per commit above 1 means"
                + " concurrent callers shared an fsync.")
public class StatusCommand implements Action {

    @Reference(optional = true)
    LocalMetadata metadata;

    @Option(name = "--json", aliases = "-j", description = "Print the status as JSON, for scripts")
    boolean json;

    @Override
    public Object execute() throws Exception {
        if (metadata == null) {
            throw new CommandException("no embedded metadata store runs here: is bundle io.albireo.metadata.rocksdb"
                    + " active? albireo:status shows why not");
        }
        RocksMetadataStore.Status s = metadata.status();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("path", s.path());
        row.put("estimatedKeys", s.estimatedKeys());
        row.put("liveSstBytes", s.liveSstBytes());
        row.put("commits", s.commits());
        row.put("commands", s.commands());
        row.put("meanCommandsPerCommit", Math.round(s.meanBatch() * 100) / 100.0);
        row.put("operations", metadata.operationNames());
        if (json) {
            System.out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(row));
            return null;
        }
        ShellTable table = new ShellTable().noHeaders();
        table.column("Field");
        table.column("Value");
        for (Map.Entry<String, Object> e : row.entrySet()) {
            Object v = e.getKey().equals("liveSstBytes") ? bytes(s.liveSstBytes()) : e.getValue();
            table.addRow().addContent(e.getKey(), v);
        }
        table.print(System.out);
        return null;
    }

    static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
