package io.albireo.volumedriver.internal.command;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.support.CommandException;

import io.albireo.api.StorageException;
import io.albireo.api.volume.VolumeService;

/** What the vpool:* and vdisk:* commands share: the VolumeService, and refusals turned into command errors. */
abstract class VolumeAction implements Action {

    @Reference(optional = true)
    VolumeService volumes;

    @Override
    public final Object execute() throws Exception {
        if (volumes == null) {
            throw new CommandException("the volume driver is not running: 'scr:list' shows why (feature:install"
                    + " albireo-volumes; it needs the ObjectStore and the metadata store)");
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
