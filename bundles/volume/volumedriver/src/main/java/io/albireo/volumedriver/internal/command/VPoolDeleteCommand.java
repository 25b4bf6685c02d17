package io.albireo.volumedriver.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code vpool:delete}. */
@Service
@Command(scope = "vpool", name = "delete", description = "Deletes a vPool that holds no vDisk")
public class VPoolDeleteCommand extends VolumeAction {

    @Argument(index = 0, name = "name", required = true, description = "The vPool")
    @Completion(VPoolCompleter.class)
    String name;

    @Override
    void run() {
        volumes.deleteVPool(name);
        System.out.println("vPool " + name + " deleted");
    }
}
