package io.albireo.console.internal;

import java.util.List;
import java.util.TreeSet;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.osgi.framework.BundleContext;

/** Completes the API types of the Albireo services registered now: Checksum, CodecRegistry, Osd, ... */
@Service
public class ServiceTypeCompleter implements Completer {

    @Reference
    BundleContext context;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> types = new TreeSet<>();
        try {
            new StatusCollector(context, null, null, null).services().forEach(s -> types.add(s.type()));
        } catch (Exception e) {
            return -1; // nothing to offer; completion must never fail the console
        }
        return new StringsCompleter(types).complete(session, commandLine, candidates);
    }
}
