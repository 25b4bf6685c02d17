package io.albireo.console.support;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;

import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Preset;

/**
 * Completes the names of the backend's presets, as the ALBA manager lists them (preset:*, namespace:create --preset,
 * proxy:bench --preset). Shared here because the ABM's commands and the object console's both name presets; the
 * reference is optional, so that without an ABM it offers nothing instead of hiding this bundle's commands.
 */
@Service
public class PresetCompleter implements Completer {

    @Reference(optional = true)
    AlbaManager abm;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        AlbaManager a = abm;
        return Completions.complete(session, commandLine, candidates,
                () -> a == null ? List.of() : a.presets().stream().map(Preset::name).toList());
    }
}
