package io.albireo.volumedriver.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.console.support.Sizes;

/** {@code vdisk:create}. */
@Service
@Command(scope = "vdisk", name = "create", description = "Creates a vDisk, all zeros, in a vPool: vdisk:create pool"
        + " disk1 10G. It is an NBD export of its name at once.")
public class VDiskCreateCommand extends VolumeAction {

    @Argument(index = 0, name = "vpool", required = true, description = "The vPool")
    @Completion(VPoolCompleter.class)
    String vPool;

    @Argument(index = 1, name = "name", required = true, description = "The vDisk's name, unique across vPools")
    String name;

    @Argument(index = 2, name = "size", required = true, description = "Its size, e.g. 10G")
    String size;

    @Override
    void run() {
        Tables.details(VolumeText.diskDetails(volumes.createVDisk(vPool, name, Sizes.parse(size, "the size"))));
    }
}
