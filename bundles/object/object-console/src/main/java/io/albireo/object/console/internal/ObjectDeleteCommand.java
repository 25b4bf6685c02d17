package io.albireo.object.console.internal;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;

import io.albireo.console.support.NamespaceCompleter;

/** {@code object:delete NS NAME}. */
@Service
@Command(scope = "object", name = "delete", description = "Deletes an object.")
public class ObjectDeleteCommand extends ObjectAction {

    @Argument(index = 0, name = "namespace", required = true, description = "The namespace")
    @Completion(NamespaceCompleter.class)
    String namespace;

    @Argument(index = 1, name = "name", required = true, description = "The object's name")
    String name;

    @Override
    void run() throws Exception {
        if (!store.delete(namespace, name)) {
            throw new CommandException("no object " + name + " in namespace " + namespace);
        }
        System.out.println("deleted " + namespace + "/" + name);
    }
}
