package io.albireo.maintenance.internal.command;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.support.CommandException;

import io.albireo.api.StorageException;
import io.albireo.api.maintenance.Maintenance;

/** What the maintenance commands share: the Maintenance service, and refusals turned into command errors. */
abstract class MaintenanceAction implements Action {

    @Reference(optional = true)
    Maintenance maintenance;

    @Override
    public final Object execute() throws Exception {
        if (maintenance == null) {
            throw new CommandException("maintenance is not running: 'scr:list' shows why (feature:install"
                    + " albireo-maintenance; it needs the ALBA manager, the NSM and the codecs)");
        }
        try {
            run();
        } catch (StorageException | IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
        return null;
    }

    abstract void run() throws Exception;
}
