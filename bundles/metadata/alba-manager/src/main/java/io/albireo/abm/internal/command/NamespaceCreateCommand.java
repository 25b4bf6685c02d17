package io.albireo.abm.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.api.metadata.Namespace;
import io.albireo.console.support.PresetCompleter;

/** {@code namespace:create}: a namespace with a preset, on the least loaded NSM host. */
@Service
@Command(scope = "namespace", name = "create", description = "Creates a namespace with a preset (default: the default"
        + " preset), assigned to the namespace manager host with the fewest namespaces.")
public class NamespaceCreateCommand extends AbmAction {

    @Argument(index = 0, name = "name", required = true, description = "The namespace's name")
    String name;

    @Option(name = "--preset", description = "The preset (default: the default preset)")
    @Completion(PresetCompleter.class)
    String preset;

    @Override
    void run() {
        Namespace ns = abm.createNamespace(name, preset);
        if (json) {
            printJson(ns);
        } else {
            System.out.println("Namespace " + ns.name() + " created: id " + ns.id() + ", preset " + ns.preset()
                    + ", NSM host " + ns.nsmHost());
        }
    }
}
