package io.albireo.abm.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.api.metadata.MetadataException;
import io.albireo.api.metadata.Preset;
import io.albireo.console.support.PresetCompleter;

/** {@code preset:show}: one preset, whole, and the namespaces that use it. */
@Service
@Command(scope = "preset", name = "show", description = "Shows one preset and the namespaces that use it.")
public class PresetShowCommand extends AbmAction {

    @Argument(index = 0, name = "name", required = true, description = "The preset's name")
    @Completion(PresetCompleter.class)
    String name;

    @Override
    void run() {
        Preset p = abm.preset(name).orElseThrow(() -> new MetadataException("no preset named " + name));
        if (json) {
            printJson(p);
            return;
        }
        System.out.println("Preset " + p.name() + (abm.defaultPreset().filter(name::equals).isPresent()
                ? " (the default)" : ""));
        System.out.println("  policies (k,m,c,x), best first: " + Presets.policies(p));
        System.out.println("  max fragment size: " + p.maxFragmentSize() + " bytes");
        System.out.println("  compressor: " + p.compressor() + ", cipher: " + p.cipher() + ", fragment checksum: "
                + p.fragmentChecksum() + ", erasure codec: " + p.erasureCodec());
        System.out.println("  object checksum: " + p.objectChecksum());
        System.out.println("  used by: " + String.join(", ", abm.namespaces().stream()
                .filter(n -> n.preset().equals(name)).map(n -> n.name()).toList()));
    }
}
