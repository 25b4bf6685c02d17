package io.albireo.console.internal;

import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * {@code albireo:status}: the appliance at a glance. Exits non-zero (through {@code bin/client}) when an Albireo
 * component is faulty, so it doubles as a health check.
 */
@Service
@Command(scope = "albireo", name = "status", description = "Shows the Albireo version, its features, every Albireo"
        + " service with its bundle, and any component that is not running. Fails when a component is faulty.",
        detailedDescription = "Lists the installed albireo features and their state, then every registered service"
                + " of an Albireo API type (Checksum, Compressor, Osd, ...) with its name, implementation and bundle,"
                + " then the Albireo components that are not running: 'unsatisfied' and 'failed' are faults,"
                + " 'waiting' means a factory component has no configuration yet, which is normal.\n"
                + "Exit status: 0 when healthy, 1 when a component is faulty.")
public class StatusCommand implements Action {

    @Reference
    BundleContext context;

    @Reference(optional = true)
    FeaturesService features;

    @Reference(optional = true)
    ServiceComponentRuntime scr;

    @Reference(optional = true)
    BootClock clock;

    @Option(name = "--json", aliases = "-j", description = "Print the report as JSON, for scripts")
    boolean json;

    @Argument(index = 0, name = "type", description = "Only list services of this API type, e.g. Checksum",
            required = false)
    @Completion(ServiceTypeCompleter.class)
    String type;

    @Override
    public Object execute() throws Exception {
        StatusReport report = new StatusCollector(context, features, scr, clock).collect();
        if (json) {
            StatusFormat.json(report, System.out);
        } else {
            StatusFormat.table(report, type, System.out);
        }
        if (!report.healthy()) {
            throw new CommandException(report.faults().size() + " Albireo component(s) faulty: "
                    + String.join(", ", report.faults().stream().map(f -> f.name() + " " + f.detail()).toList()));
        }
        return null;
    }
}
