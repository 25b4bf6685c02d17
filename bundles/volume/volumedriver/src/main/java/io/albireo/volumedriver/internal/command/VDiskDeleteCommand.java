package io.albireo.volumedriver.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code vdisk:delete}. */
@Service
@Command(scope = "vdisk", name = "delete", description = "Deletes a vDisk that is not open, and its namespace (whose"
        + " SCOs maintenance frees)")
public class VDiskDeleteCommand extends VolumeAction {

    @Argument(index = 0, name = "name", required = true, description = "The vDisk")
    @Completion(VDiskCompleter.class)
    String name;

    @Override
    void run() {
        volumes.deleteVDisk(name);
        System.out.println("vDisk " + name + " deleted");
    }
}
