package io.albireo.maintenance.internal.command;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import com.google.gson.GsonBuilder;

/** {@code maintenance:status}: every job with its progress, the queue, lost objects; or that it is idle. */
@Service
@Command(scope = "maintenance", name = "status", description = "Shows every maintenance job of the backend with"
        + " what it has done and has left, its rate and ETA, the items queued and any lost object; or that it is idle.")
public class StatusCommand extends MaintenanceAction {

    @Option(name = "--json", aliases = "-j", description = "Print the status as JSON, for scripts")
    boolean json;

    @Override
    void run() {
        var s = maintenance.status();
        if (json) {
            System.out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(s));
        } else {
            System.out.print(StatusText.summary(s));
        }
    }
}
