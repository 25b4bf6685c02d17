package io.albireo.volumedriver.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.api.volume.VolumeException;

/** {@code vdisk:show}. */
@Service
@Command(scope = "vdisk", name = "show", description = "Shows a vDisk: its size and owner, and how much of it is in"
        + " the write buffer and on the backend")
public class VDiskShowCommand extends VolumeAction {

    @Argument(index = 0, name = "name", required = true, description = "The vDisk")
    @Completion(VDiskCompleter.class)
    String name;

    @Override
    void run() {
        Tables.details(VolumeText.diskDetails(volumes.vDisk(name).orElseThrow(() -> new VolumeException("no vDisk "
                + name))));
    }
}
