package io.albireo.volumedriver.internal.command;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code vpool:list}. */
@Service
@Command(scope = "vpool", name = "list", description = "Lists the vPools")
public class VPoolListCommand extends VolumeAction {

    @Override
    void run() {
        Tables.rows(VolumeText.poolHeader(), volumes.listVPools().stream().map(VolumeText::poolRow).toList());
    }
}
