package io.albireo.console.support;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

import io.albireo.api.AlbireoName;
import io.albireo.api.osd.Osd;

/**
 * Completes the long ids ({@code albireo.name}) of the Osd services registered now, whatever their driver (osd:bench,
 * osd:stats, osd:claim). It reads the service registry's properties only: no Osd is got, so completing activates no
 * driver and opens no connection.
 */
@Service
public class OsdCompleter implements Completer {

    @Reference
    BundleContext context;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return Completions.complete(session, commandLine, candidates, () -> names(context));
    }

    /** @return the long ids of every registered Osd, sorted */
    public static List<String> names(BundleContext context) {
        TreeSet<String> names = new TreeSet<>();
        try {
            for (ServiceReference<Osd> ref : context.getServiceReferences(Osd.class, null)) {
                Object name = ref.getProperty(AlbireoName.PROPERTY);
                if (name != null) {
                    names.add(name.toString());
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException("no filter was given", e);
        }
        return new ArrayList<>(names);
    }
}
