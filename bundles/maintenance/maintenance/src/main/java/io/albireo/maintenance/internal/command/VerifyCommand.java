package io.albireo.maintenance.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.api.maintenance.MaintenanceStatus;
import io.albireo.api.maintenance.VerifyReport;
import io.albireo.console.support.NamespaceCompleter;

/** {@code namespace:verify}: reads and checks every fragment of a namespace now, and repairs the bad ones. */
@Service
@Command(scope = "namespace", name = "verify", description = "Reads every fragment of every object of a namespace,"
        + " checks it against its checksum, and rebuilds the ones missing or corrupt; shows progress as it goes.")
public class VerifyCommand extends MaintenanceAction {

    @Argument(index = 0, name = "namespace", required = true, description = "The namespace")
    @Completion(NamespaceCompleter.class)
    String namespace;

    @Override
    void run() {
        long[] shown = {0};
        VerifyReport r = maintenance.verify(namespace, (done, total) -> {
            long now = System.nanoTime();
            if (now - shown[0] > 1_000_000_000L) {
                shown[0] = now;
                System.out.print("\r" + StatusText.bar(total > 0 ? (double) done / total : -1, 30) + " " + done
                        + " of " + total + " objects");
                System.out.flush();
            }
        });
        System.out.println("\r" + namespace + ": " + r.objects() + " objects, " + r.fragments() + " fragments ("
                + StatusText.bytes(r.bytes()) + ") checked; " + r.missing() + " missing, " + r.corrupt()
                + " corrupt; " + r.repaired() + " objects repaired, " + r.lost().size() + " lost");
        for (MaintenanceStatus.LostObject l : r.lost()) {
            System.out.println("LOST " + l.name() + " (" + l.objectId() + "): " + l.why());
        }
    }
}
