package io.albireo.abm.internal.command;

import java.util.List;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

import io.albireo.api.metadata.Preset;

/** {@code preset:list}: every preset, the default marked. */
@Service
@Command(scope = "preset", name = "list", description = "Lists the presets; * marks the default.")
public class PresetListCommand extends AbmAction {

    @Override
    void run() {
        List<Preset> presets = abm.presets();
        String standard = abm.defaultPreset().orElse("");
        if (json) {
            printJson(presets);
            return;
        }
        ShellTable table = new ShellTable();
        table.column("name");
        table.column("policies");
        table.column("max fragment").alignRight();
        table.column("compressor");
        table.column("cipher");
        table.column("checksum");
        table.column("erasure");
        table.column("object checksum");
        for (Preset p : presets) {
            table.addRow().addContent(p.name() + (p.name().equals(standard) ? " *" : ""), Presets.policies(p),
                    p.maxFragmentSize(), p.compressor(), p.cipher(), p.fragmentChecksum(), p.erasureCodec(),
                    p.objectChecksum());
        }
        table.print(System.out);
    }
}
