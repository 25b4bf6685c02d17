package io.albireo.nbd.internal.command;

import java.util.Map;
import java.util.stream.Collectors;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.apache.karaf.shell.support.table.ShellTable;

import io.albireo.api.volume.VDiskInfo;
import io.albireo.api.volume.VolumeService;
import io.albireo.console.support.Sizes;
import io.albireo.nbd.internal.NbdServer;

/** {@code nbd:exports}: every vDisk is an export of its name. */
@Service
@Command(scope = "nbd", name = "exports", description = "Lists the NBD exports (every vDisk, by its name), with the"
        + " address to give a client: qemu-io -f raw nbd://127.0.0.1:10809/NAME")
public class ExportsCommand implements Action {

    @Reference(optional = true)
    NbdServer server;

    @Reference(optional = true)
    VolumeService volumes;

    @Override
    public Object execute() throws Exception {
        if (server == null || volumes == null) {
            throw new CommandException("the NBD server is not running: 'scr:list' shows why (feature:install"
                    + " albireo-nbd; it needs the volume driver)");
        }
        Map<String, Long> connected = server.connections().stream()
                .collect(Collectors.groupingBy(NbdServer.ConnectionInfo::export, Collectors.counting()));
        String base = "nbd://" + server.address().getHostString() + ":" + server.address().getPort() + "/";
        ShellTable table = new ShellTable();
        table.column("export");
        table.column("size");
        table.column("connections");
        table.column("uri");
        for (VDiskInfo d : volumes.listVDisks()) {
            table.addRow().addContent(d.name(), Sizes.format(d.size()), connected.getOrDefault(d.name(), 0L),
                    base + d.name());
        }
        table.print(System.out);
        return null;
    }
}
