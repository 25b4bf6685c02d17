package io.albireo.maintenance.internal.command;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.api.maintenance.MaintenanceStatus;

/** {@code maintenance:watch}: maintenance:status again and again, with live progress bars, until Ctrl-C. */
@Service
@Command(scope = "maintenance", name = "watch", description = "Shows maintenance's jobs with live progress bars,"
        + " refreshed every interval, until Ctrl-C (or --count refreshes).")
public class WatchCommand extends MaintenanceAction {

    @Option(name = "--interval", aliases = "-i", description = "Seconds between refreshes (default 1)")
    double interval = 1;

    @Option(name = "--count", aliases = "-n", description = "Stop after this many refreshes (default: until Ctrl-C)")
    int count = 0;

    @Override
    void run() throws InterruptedException {
        for (int i = 0; count == 0 || i < count; i++) {
            MaintenanceStatus s = maintenance.status();
            // ANSI: home and clear, so the bars redraw in place on a terminal.
            System.out.print("\u001b[H\u001b[2J");
            System.out.print(StatusText.summary(s));
            System.out.flush();
            Thread.sleep((long) (interval * 1000));
        }
    }
}
