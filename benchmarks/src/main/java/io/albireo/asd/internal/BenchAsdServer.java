package io.albireo.asd.internal;

import java.io.IOException;
import java.net.InetSocketAddress;

import io.albireo.asd.protocol.Limits;

/**
 * Opens the ASD's package-private server for the benchmarks, which run outside OSGi; it lives in the ASD's package in
 * the benchmark jar only, as a test would.
 */
public final class BenchAsdServer implements AutoCloseable {
    private final AsdServer server;

    /** Serves {@code store} on 127.0.0.1 at an ephemeral port with the ASD's default thread counts. */
    public BenchAsdServer(AsdStore store) throws IOException {
        this.server = new AsdServer(store, "bench", AsdServer.settings(new InetSocketAddress("127.0.0.1", 0),
                Limits.DEFAULT), 8, 8);
    }

    public int port() {
        return server.address().getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
