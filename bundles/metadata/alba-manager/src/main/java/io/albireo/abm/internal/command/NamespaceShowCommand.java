package io.albireo.abm.internal.command;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.api.metadata.MetadataException;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.console.support.NamespaceCompleter;

/** {@code namespace:show}: one namespace, with its statistics when the NSM runs. */
@Service
@Command(scope = "namespace", name = "show", description = "Shows one namespace: id, preset, NSM host and statistics.")
public class NamespaceShowCommand extends AbmAction {

    @Argument(index = 0, name = "name", required = true, description = "The namespace's name")
    @Completion(NamespaceCompleter.class)
    String name;

    @Reference(optional = true)
    NamespaceManager nsm;

    @Override
    void run() {
        Namespace ns = abm.namespace(name).orElseThrow(() -> new MetadataException("no namespace named " + name));
        NamespaceManager.NamespaceStatistics s = nsm == null ? null : nsm.statistics(name);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("namespace", ns);
            out.put("statistics", s);
            printJson(out);
            return;
        }
        System.out.println("Namespace " + ns.name() + " (id " + ns.id() + ")");
        System.out.println("  preset: " + ns.preset() + ", NSM host: " + ns.nsmHost());
        System.out.println(s == null ? "  statistics: the namespace manager is not running"
                : "  objects: " + s.objects() + ", bytes: " + s.logicalBytes() + ", stored: " + s.storedBytes());
    }
}
