package io.albireo.abm.internal.command;

import java.util.List;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;

/** {@code preset:create}: a new preset, checked against every rule before anything is stored. */
@Service
@Command(scope = "preset", name = "create", description = "Creates a preset: the policies (k,m,c,x) to try in order,"
        + " the max fragment size and the algorithms. The first preset becomes the default.",
        detailedDescription = "Rules: 0 < k <= c <= k + m, x >= 1, max fragment size >= 4096, and every algorithm"
                + " known to this appliance (codec:list). Example: preset:create --policy 4,2,5,1 --policy 2,1,3,1"
                + " --compressor lz4 --cipher aes-256-gcm default")
public class PresetCreateCommand extends AbmAction {

    @Argument(index = 0, name = "name", required = true, description = "The preset's name")
    String name;

    @Option(name = "--policy", multiValued = true, description = "A policy k,m,c,x; repeat it for fallbacks, best"
            + " first (default 4,2,5,1)")
    List<String> policies;

    @Option(name = "--max-fragment-size", description = "The largest fragment in bytes (default 4194304)")
    int maxFragmentSize = 4 << 20;

    @Option(name = "--compressor", description = "The compressor (default lz4)")
    String compressor = "lz4";

    @Option(name = "--cipher", description = "The cipher (default none)")
    String cipher = "none";

    @Option(name = "--checksum", description = "The fragments' checksum (default crc32c, as in ALBA)")
    String checksum = "crc32c";

    @Option(name = "--object-checksum", description = "The checksum of whole objects, which gets verify and"
            + " hasChecksum asserts compare (default crc32c, as in ALBA; sha-256 where asserts must resist collisions)")
    String objectChecksum = "crc32c";

    @Option(name = "--erasure-codec", description = "The erasure codec (default rs)")
    String erasureCodec = "rs";

    @Override
    void run() {
        List<Policy> parsed = (policies == null || policies.isEmpty() ? List.of("4,2,5,1") : policies).stream()
                .map(Policy::parse).toList();
        Preset preset = new Preset(name, parsed, maxFragmentSize, compressor, cipher, checksum, erasureCodec,
                objectChecksum);
        abm.createPreset(preset);
        if (json) {
            printJson(preset);
        } else {
            System.out.println("Preset " + name + " created: " + Presets.describe(preset));
        }
    }
}
