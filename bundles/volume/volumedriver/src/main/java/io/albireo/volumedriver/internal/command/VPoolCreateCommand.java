package io.albireo.volumedriver.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import io.albireo.api.volume.VPoolConfig;
import io.albireo.console.support.PresetCompleter;
import io.albireo.console.support.Sizes;

/** {@code vpool:create}. */
@Service
@Command(scope = "vpool", name = "create", description = "Creates a vPool: a set of vDisks on the backend, each in a"
        + " namespace of its own, with its SCO and cluster sizes and this appliance's write buffer and read cache."
        + " Sizes take K, M and G (powers of 1024).")
public class VPoolCreateCommand extends VolumeAction {

    @Argument(index = 0, name = "name", required = true, description = "The vPool's name")
    String name;

    @Option(name = "--preset", description = "The preset of its vDisks' namespaces (default: the backend's)")
    @Completion(PresetCompleter.class)
    String preset;

    @Option(name = "--sco-size", description = "The bytes of an SCO (default 64M)")
    String scoSize;

    @Option(name = "--cluster-size", description = "The LBA map's unit (default 4K)")
    String clusterSize;

    @Option(name = "--write-buffer", description = "The write buffer's directory (default: under the volume"
            + " driver's data directory)")
    String writeBuffer;

    @Option(name = "--write-buffer-size", description = "The write buffer's bound (default 1G)")
    String writeBufferSize;

    @Option(name = "--read-cache", description = "The read cache's bound (default 256M; 0 for none)")
    String readCache;

    @Override
    void run() {
        VPoolConfig c = VPoolConfig.of(name).withPreset(preset);
        if (clusterSize != null) {
            c = c.withClusterSize((int) Sizes.parse(clusterSize, "--cluster-size"));
        }
        if (scoSize != null) {
            c = c.withScoSize((int) Math.min(Integer.MAX_VALUE, Sizes.parse(scoSize, "--sco-size")));
        }
        if (writeBuffer != null || writeBufferSize != null) {
            c = c.withWriteBuffer(writeBuffer, writeBufferSize == null ? c.writeBufferBytes()
                    : Sizes.parse(writeBufferSize, "--write-buffer-size"));
        }
        if (readCache != null) {
            c = c.withReadCache(Sizes.parse(readCache, "--read-cache"));
        }
        Tables.details(VolumeText.poolDetails(volumes.createVPool(c)));
    }
}
