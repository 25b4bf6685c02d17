package io.albireo.volumedriver.internal.command;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code vdisk:list}. */
@Service
@Command(scope = "vdisk", name = "list", description = "Lists the vDisks: their vPool, size, owner and, where open"
        + " here, what is in the write buffer and on the backend")
public class VDiskListCommand extends VolumeAction {

    @Override
    void run() {
        Tables.rows(VolumeText.diskHeader(), volumes.listVDisks().stream().map(VolumeText::diskRow).toList());
    }
}
