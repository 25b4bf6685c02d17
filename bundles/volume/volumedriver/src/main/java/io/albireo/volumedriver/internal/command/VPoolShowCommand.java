package io.albireo.volumedriver.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.api.volume.VolumeException;

/** {@code vpool:show}. */
@Service
@Command(scope = "vpool", name = "show", description = "Shows what a vPool is")
public class VPoolShowCommand extends VolumeAction {

    @Argument(index = 0, name = "name", required = true, description = "The vPool")
    @Completion(VPoolCompleter.class)
    String name;

    @Override
    void run() {
        Tables.details(VolumeText.poolDetails(volumes.vPool(name).orElseThrow(() -> new VolumeException("no vPool "
                + name))));
    }
}
