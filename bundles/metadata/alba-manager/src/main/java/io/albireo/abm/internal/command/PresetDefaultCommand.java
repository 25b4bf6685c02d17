package io.albireo.abm.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.console.support.PresetCompleter;

/** {@code preset:default}: shows or sets the preset of namespaces created without one. */
@Service
@Command(scope = "preset", name = "default", description = "Shows the default preset, or makes NAME the default.")
public class PresetDefaultCommand extends AbmAction {

    @Argument(index = 0, name = "name", required = false, description = "The preset to make the default")
    @Completion(PresetCompleter.class)
    String name;

    @Override
    void run() {
        if (name != null) {
            abm.setDefaultPreset(name);
        }
        System.out.println(abm.defaultPreset().map(p -> "The default preset is " + p).orElse("No default preset"));
    }
}
