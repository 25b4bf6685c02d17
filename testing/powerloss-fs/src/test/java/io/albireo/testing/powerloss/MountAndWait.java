package io.albireo.testing.powerloss;

import java.io.IOException;
import java.nio.file.Path;

/** A JVM that mounts and waits to be killed: LifecycleTest's child. Arguments: backing, mount point, cache. */
public final class MountAndWait {
    private MountAndWait() {
    }

    public static void main(String[] args) throws IOException {
        PowerLossFileSystem fs = PowerLossFileSystem.mount(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]));
        System.out.println("mounted " + fs.daemonPid());
        System.out.flush();
        System.in.read(); // until killed, or stdin ends
    }
}
