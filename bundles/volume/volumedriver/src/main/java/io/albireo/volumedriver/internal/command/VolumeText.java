package io.albireo.volumedriver.internal.command;

import java.util.ArrayList;
import java.util.List;

import io.albireo.api.volume.VDiskInfo;
import io.albireo.api.volume.VPool;
import io.albireo.api.volume.VPoolConfig;
import io.albireo.console.support.Sizes;

/** The console's text of vPools and vDisks: rows and label-value lines, apart from the commands that fetch them. */
final class VolumeText {
    private VolumeText() {
    }

    static List<String> poolHeader() {
        return List.of("vPool", "vDisks", "preset", "SCO", "cluster", "write buffer", "read cache");
    }

    static List<String> poolRow(VPool p) {
        VPoolConfig c = p.config();
        return List.of(c.name(), Integer.toString(p.vDisks()), c.preset() == null ? "(default)" : c.preset(),
                Sizes.format(c.scoSize()), Sizes.format(c.clusterSize()), Sizes.format(c.writeBufferBytes()),
                Sizes.format(c.readCacheBytes()));
    }

    static List<String[]> poolDetails(VPool p) {
        VPoolConfig c = p.config();
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"vPool", c.name()});
        lines.add(new String[] {"vDisks", Integer.toString(p.vDisks())});
        lines.add(new String[] {"preset", c.preset() == null ? "(the backend's default)" : c.preset()});
        lines.add(new String[] {"namespaces", c.namespacePrefix() + "VDISK"});
        lines.add(new String[] {"SCO size", Sizes.format(c.scoSize())});
        lines.add(new String[] {"cluster size", Sizes.format(c.clusterSize())});
        lines.add(new String[] {"write buffer", Sizes.format(c.writeBufferBytes()) + " in "
                + (c.writeBufferDirectory() == null ? "the volume driver's data directory" : c.writeBufferDirectory())});
        lines.add(new String[] {"read cache", Sizes.format(c.readCacheBytes())});
        return lines;
    }

    static List<String> diskHeader() {
        return List.of("vDisk", "vPool", "size", "owner", "open", "write buffer", "backend");
    }

    static List<String> diskRow(VDiskInfo d) {
        return List.of(d.name(), d.vPool(), Sizes.format(d.size()), d.owner().isEmpty() ? "-" : d.owner(),
                d.open() ? "yes" : "no", d.open() ? Sizes.format(d.writeBufferBytes()) : "-",
                d.open() ? Sizes.format(d.backendBytes()) : "-");
    }

    static List<String[]> diskDetails(VDiskInfo d) {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"vDisk", d.name()});
        lines.add(new String[] {"vPool", d.vPool()});
        lines.add(new String[] {"namespace", d.namespace()});
        lines.add(new String[] {"size", Sizes.format(d.size()) + " (" + d.size() + " bytes)"});
        lines.add(new String[] {"cluster size", Sizes.format(d.clusterSize())});
        lines.add(new String[] {"owner", d.owner().isEmpty() ? "none (not open on any appliance)" : d.owner()});
        if (d.open()) {
            lines.add(new String[] {"in the write buffer", Sizes.format(d.writeBufferBytes())
                    + " of SCOs not yet on the backend"});
            lines.add(new String[] {"on the backend", Sizes.format(d.backendBytes()) + " in SCOs"});
            lines.add(new String[] {"SCOs written", Long.toString(d.scos())});
        } else {
            lines.add(new String[] {"data", "not open here (its last close put its SCOs to the backend)"});
        }
        return lines;
    }
}
