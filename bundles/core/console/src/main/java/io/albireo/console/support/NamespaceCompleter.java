package io.albireo.console.support;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;

import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.object.ObjectStore;

/**
 * Completes the names of the backend's namespaces: the ALBA manager's where this node runs one (namespace:*, and the
 * proxy's ObjectStore reads the same list), else the ObjectStore's (a ProxyClient's, on a node that uses a proxy
 * elsewhere). It lives here, not in the ABM or the object console, because both bundles' commands complete namespaces
 * and a node with the object console may have no ABM. Both references are optional: a completer with a mandatory one
 * would hide every command of this bundle while that service is away.
 */
@Service
public class NamespaceCompleter implements Completer {

    @Reference(optional = true)
    AlbaManager abm;

    @Reference(optional = true)
    ObjectStore store;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return Completions.complete(session, commandLine, candidates, this::names);
    }

    private List<String> names() {
        AlbaManager a = abm;
        if (a != null) {
            return a.namespaces().stream().map(Namespace::name).toList();
        }
        ObjectStore s = store;
        return s != null ? s.listNamespaces() : List.of();
    }
}
