package io.albireo.volumedriver.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.console.support.Sizes;

/** {@code vdisk:resize}. */
@Service
@Command(scope = "vdisk", name = "resize", description = "Grows a vDisk (it never shrinks: that would lose data); the"
        + " new bytes read as zeros")
public class VDiskResizeCommand extends VolumeAction {

    @Argument(index = 0, name = "name", required = true, description = "The vDisk")
    @Completion(VDiskCompleter.class)
    String name;

    @Argument(index = 1, name = "size", required = true, description = "Its new size, e.g. 20G")
    String size;

    @Override
    void run() {
        Tables.details(VolumeText.diskDetails(volumes.resizeVDisk(name, Sizes.parse(size, "the size"))));
    }
}
