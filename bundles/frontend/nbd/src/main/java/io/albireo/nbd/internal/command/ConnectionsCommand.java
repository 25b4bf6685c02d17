package io.albireo.nbd.internal.command;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.apache.karaf.shell.support.table.ShellTable;

import io.albireo.nbd.internal.NbdServer;

/** {@code nbd:connections}. */
@Service
@Command(scope = "nbd", name = "connections", description = "Lists the NBD clients connected now: their address,"
        + " the export they use (empty while they negotiate) and the requests answered")
public class ConnectionsCommand implements Action {

    @Reference(optional = true)
    NbdServer server;

    @Override
    public Object execute() throws Exception {
        if (server == null) {
            throw new CommandException("the NBD server is not running: 'scr:list' shows why (feature:install"
                    + " albireo-nbd)");
        }
        ShellTable table = new ShellTable();
        table.column("client");
        table.column("export");
        table.column("requests");
        for (NbdServer.ConnectionInfo c : server.connections()) {
            table.addRow().addContent(c.peer(), c.export(), c.requests());
        }
        table.print(System.out);
        System.out.println("listening on " + server.address());
        return null;
    }
}
