package io.albireo.abm.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.console.support.PresetCompleter;

/** {@code preset:delete}: a preset no namespace uses and that is not the default. */
@Service
@Command(scope = "preset", name = "delete", description = "Deletes a preset that no namespace uses and that is not"
        + " the default.")
public class PresetDeleteCommand extends AbmAction {

    @Argument(index = 0, name = "name", required = true, description = "The preset's name")
    @Completion(PresetCompleter.class)
    String name;

    @Override
    void run() {
        abm.deletePreset(name);
        System.out.println("Preset " + name + " deleted");
    }
}
