package io.albireo.abm.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.console.support.NamespaceCompleter;

/** {@code namespace:delete}: the name is free at once; maintenance removes the objects. */
@Service
@Command(scope = "namespace", name = "delete", description = "Deletes a namespace: its name is free at once, its"
        + " objects are removed in the background by maintenance.")
public class NamespaceDeleteCommand extends AbmAction {

    @Argument(index = 0, name = "name", required = true, description = "The namespace's name")
    @Completion(NamespaceCompleter.class)
    String name;

    @Override
    void run() {
        abm.deleteNamespace(name);
        System.out.println("Namespace " + name + " deleted; its objects are removed in the background");
    }
}
