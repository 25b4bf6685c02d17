package io.albireo.codec.registry.internal.command;

import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

import com.google.gson.GsonBuilder;

import io.albireo.api.codec.CodecRegistry;
import io.albireo.api.codec.CodecRegistry.AlgorithmInfo;

/** {@code codec:list}: every algorithm by family, with its implementation, its bundle, and whether it is active. */
@Service
@Command(scope = "codec", name = "list", description = "Lists every codec algorithm by family with its"
        + " implementation, bundle and feature, and whether it is active now.",
        detailedDescription = "An algorithm is active when its bundle is installed and its service registered."
                + " Where several implementations provide one algorithm (rs: java and isal), the data path uses the"
                + " first active one listed as 'preferred'. An inactive algorithm names the feature that installs it.")
public class ListCommand implements Action {

    @Reference
    CodecRegistry registry;

    @Argument(index = 0, name = "family", required = false,
            description = "Only this family: checksum, compressor, cipher or erasure-codec")
    @Completion(FamilyCompleter.class)
    String family;

    @Option(name = "--json", aliases = "-j", description = "Print the list as JSON, for scripts")
    boolean json;

    @Override
    public Object execute() {
        List<AlgorithmInfo> algorithms = registry.algorithms().stream()
                .filter(a -> family == null || a.family().equalsIgnoreCase(family)).toList();
        if (json) {
            System.out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(algorithms));
            return null;
        }
        ShellTable table = new ShellTable().emptyTableText(family == null ? "no codecs known"
                : "no codecs of family '" + family + "': families are checksum, compressor, cipher, erasure-codec");
        table.column("Family");
        table.column("Name");
        table.column("Implementation");
        table.column("State");
        table.column("Details");
        table.column("Bundle");
        table.column("Feature");
        for (AlgorithmInfo a : algorithms) {
            table.addRow().addContent(a.family(), a.name(), a.implementation(), state(a, algorithms), a.details(),
                    a.bundle(), a.feature() == null ? "-" : a.feature());
        }
        table.print(System.out);
        return null;
    }

    /** @return "preferred" for the implementation the registry hands out, "active" for others, else "inactive" */
    private String state(AlgorithmInfo a, List<AlgorithmInfo> all) {
        if (!a.active()) {
            return "inactive";
        }
        boolean several = all.stream().filter(o -> o.active() && o.family().equals(a.family())
                && o.name().equals(a.name())).count() > 1;
        if (!several) {
            return "active";
        }
        String preferred = preferredImplementation(a);
        return a.implementation().equals(preferred) ? "preferred" : "active";
    }

    private String preferredImplementation(AlgorithmInfo a) {
        return switch (a.family()) {
            case "erasure-codec" -> registry.erasureCodec(a.name()).implementation();
            default -> a.implementation();
        };
    }
}
