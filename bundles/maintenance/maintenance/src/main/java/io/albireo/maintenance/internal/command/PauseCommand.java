package io.albireo.maintenance.internal.command;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code maintenance:pause}. */
@Service
@Command(scope = "maintenance", name = "pause", description = "Pauses this appliance's maintenance agent: running"
        + " jobs stop at their next object and keep their progress; maintenance:resume takes them up again.")
public class PauseCommand extends MaintenanceAction {
    @Override
    void run() {
        maintenance.pause();
        System.out.println("maintenance paused");
    }
}
