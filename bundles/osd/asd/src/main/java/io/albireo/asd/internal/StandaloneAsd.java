package io.albireo.asd.internal;

import java.net.InetSocketAddress;
import java.nio.file.Path;

import io.albireo.asd.protocol.Limits;

/**
 * An ASD outside OSGi, in a JVM of its own: what the crash tests kill with SIGKILL while clients write. Usage:
 * {@code StandaloneAsd PATH PORT [fsync|syncfs]}. It prints {@code READY port longId} once it serves.
 */
public final class StandaloneAsd {

    private StandaloneAsd() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: StandaloneAsd PATH PORT [fsync|syncfs]");
            System.exit(2);
        }
        AsdStore store = AsdStore.open(Path.of(args[0]), new AsdStore.Settings(0, 64 * 1024,
                args.length > 2 ? args[2] : "fsync", 1024));
        AsdServer server = new AsdServer(store, "standalone", AsdServer.settings(new InetSocketAddress(
                "127.0.0.1", Integer.parseInt(args[1])), Limits.DEFAULT), 8, 8);
        System.out.println("READY " + server.address().getPort() + " " + store.longId());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            store.close();
        }));
        Thread.currentThread().join();
    }
}
