package io.albireo.console.internal;

import java.io.PrintStream;
import java.time.Duration;

import org.apache.karaf.shell.support.table.ShellTable;

import com.google.gson.GsonBuilder;

/** Renders a {@link StatusReport} as tables for people or as JSON for scripts. */
final class StatusFormat {

    private StatusFormat() {
    }

    static void table(StatusReport report, String typeFilter, PrintStream out) {
        out.printf("Albireo %s on Karaf %s, Java %s, up %s%n%n", report.version(), report.karafVersion(),
                report.javaVersion(), uptime(report.uptimeMillis()));

        ShellTable features = new ShellTable().emptyTableText("no Albireo features installed");
        features.column("Feature");
        features.column("Version");
        features.column("State");
        report.features().forEach(f -> features.addRow().addContent(f.name(), f.version(), f.state()));
        features.print(out);
        out.println();

        ShellTable services = new ShellTable().emptyTableText("no Albireo services registered");
        services.column("Type");
        services.column("Name");
        services.column("Implementation");
        services.column("Bundle");
        report.services().stream().filter(s -> typeFilter == null || s.type().equalsIgnoreCase(typeFilter))
                .forEach(s -> services.addRow().addContent(s.type(), s.name(), s.implementation(),
                        s.bundle() + " " + s.bundleVersion() + " [" + s.bundleId() + "]"));
        services.print(out);
        out.println();

        if (!report.components().isEmpty()) {
            ShellTable components = new ShellTable();
            components.column("Component");
            components.column("Bundle");
            components.column("State");
            components.column("Detail");
            report.components().forEach(c -> components.addRow().addContent(c.name(), c.bundle(), c.state(),
                    c.detail()));
            components.print(out);
            out.println();
        }
        if (report.lastStartMillis() >= 0) {
            out.printf("Bundles: %d installed, %d not active; the last one started %s after JVM start%n",
                    report.bundles(), report.inactiveBundles(), uptime(report.lastStartMillis()));
        }
        out.printf("Components: %d running, %d faulty%n", report.activeComponents(), report.faults().size());
        out.println("Status: " + (report.healthy() ? "OK" : "DEGRADED"));
    }

    static void json(StatusReport report, PrintStream out) {
        out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(report));
    }

    static String uptime(long millis) {
        Duration d = Duration.ofMillis(millis);
        if (d.toHours() > 0) {
            return d.toHours() + " h " + d.toMinutesPart() + " min";
        }
        if (d.toMinutes() > 0) {
            return d.toMinutes() + " min " + d.toSecondsPart() + " s";
        }
        return String.format("%d.%02d s", d.toSeconds(), d.toMillisPart() / 10);
    }
}
