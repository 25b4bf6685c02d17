package io.albireo.object.console.internal;

import java.util.Map;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.api.object.ObjectStore;
import io.albireo.console.support.NamespaceCompleter;

/** {@code object:list [--prefix P] [--after A] [--limit N] NS}: a page of object names. */
@Service
@Command(scope = "object", name = "list", description = "Lists object names in order, a page at a time.")
public class ObjectListCommand extends ObjectAction {

    @Argument(index = 0, name = "namespace", required = true, description = "The namespace")
    @Completion(NamespaceCompleter.class)
    String namespace;

    @Option(name = "--prefix", description = "Only names that start with this")
    String prefix = "";

    @Option(name = "--after", description = "Only names after this one (the last name of the previous page)")
    String after;

    @Option(name = "--limit", description = "The most names (default 100)")
    int limit = 100;

    @Override
    void run() {
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must not be negative; got " + limit);
        }
        ObjectStore.ObjectListing page = store.list(namespace, prefix, after, limit);
        if (json) {
            printJson(Map.of("names", page.names(), "more", page.more()));
            return;
        }
        page.names().forEach(System.out::println);
        if (page.more()) {
            String last = page.names().isEmpty() ? after : page.names().get(page.names().size() - 1);
            System.out.println("... more: object:list --after '" + last + "' " + namespace);
        }
    }
}
