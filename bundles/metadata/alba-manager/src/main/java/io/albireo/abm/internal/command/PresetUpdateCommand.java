package io.albireo.abm.internal.command;

import java.util.List;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.api.metadata.MetadataException;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.console.support.PresetCompleter;

/** {@code preset:update}: new policies or max fragment size; objects written already keep theirs. */
@Service
@Command(scope = "preset", name = "update", description = "Changes a preset's policies and max fragment size. Objects"
        + " written already keep the policy they were written with.")
public class PresetUpdateCommand extends AbmAction {

    @Argument(index = 0, name = "name", required = true, description = "The preset's name")
    @Completion(PresetCompleter.class)
    String name;

    @Option(name = "--policy", multiValued = true, description = "A policy k,m,c,x; repeat it, best first"
            + " (default: unchanged)")
    List<String> policies;

    @Option(name = "--max-fragment-size", description = "The largest fragment in bytes (default: unchanged)")
    int maxFragmentSize;

    @Override
    void run() {
        Preset now = abm.preset(name).orElseThrow(() -> new MetadataException("no preset named " + name));
        List<Policy> newPolicies = policies == null || policies.isEmpty() ? now.policies()
                : policies.stream().map(Policy::parse).toList();
        Preset updated = abm.updatePreset(name, newPolicies, maxFragmentSize == 0 ? now.maxFragmentSize()
                : maxFragmentSize);
        if (json) {
            printJson(updated);
        } else {
            System.out.println("Preset " + name + " updated: " + Presets.describe(updated));
        }
    }
}
