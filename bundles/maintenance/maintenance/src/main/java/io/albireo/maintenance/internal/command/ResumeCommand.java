package io.albireo.maintenance.internal.command;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code maintenance:resume}. */
@Service
@Command(scope = "maintenance", name = "resume", description = "Resumes this appliance's maintenance agent after"
        + " maintenance:pause.")
public class ResumeCommand extends MaintenanceAction {
    @Override
    void run() {
        maintenance.resume();
        System.out.println("maintenance resumed");
    }
}
