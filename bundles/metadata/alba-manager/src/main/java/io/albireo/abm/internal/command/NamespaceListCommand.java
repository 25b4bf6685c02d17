package io.albireo.abm.internal.command;

import java.util.List;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;

/** {@code namespace:list}: every namespace with its preset, NSM host and, where the NSM runs, its statistics. */
@Service
@Command(scope = "namespace", name = "list", description = "Lists the namespaces: id, preset, NSM host, objects and"
        + " bytes.")
public class NamespaceListCommand extends AbmAction {

    @Reference(optional = true)
    NamespaceManager nsm;

    @Override
    void run() {
        List<Namespace> namespaces = abm.namespaces();
        if (json) {
            printJson(namespaces);
            return;
        }
        ShellTable table = new ShellTable();
        table.column("name");
        table.column("id").alignRight();
        table.column("preset");
        table.column("NSM host");
        table.column("objects").alignRight();
        table.column("bytes").alignRight();
        table.column("stored").alignRight();
        for (Namespace ns : namespaces) {
            NamespaceManager.NamespaceStatistics s = nsm == null ? null : nsm.statistics(ns.name());
            table.addRow().addContent(ns.name(), ns.id(), ns.preset(), ns.nsmHost(), s == null ? "-" : s.objects(),
                    s == null ? "-" : s.logicalBytes(), s == null ? "-" : s.storedBytes());
        }
        table.print(System.out);
    }
}
