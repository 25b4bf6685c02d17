package io.albireo.nbd.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.StorageException;
import io.albireo.api.volume.VolumeService;
import io.albireo.framing.DaemonThreads;

/**
 * The NBD server: every vDisk is an export of its name. One thread per connection reads its requests; replies come
 * from the vDisk's completions. Stopping the server (or updating its bundle) closes every connection after its
 * requests in flight, and each connection's handle, whose close flushes the vDisk: a reconnecting client sees every
 * write it was acknowledged. Multi-conn is offered: every connection to a vDisk shares its one write path, so a
 * flush on any of them makes the writes acknowledged on all of them durable.
 */
@Component(configurationPid = NbdServer.PID, service = NbdServer.class, immediate = true)
@Designate(ocd = NbdServer.Config.class)
public final class NbdServer implements AutoCloseable {
    static final String PID = "io.albireo.nbd";
    private static final Logger LOG = LoggerFactory.getLogger(NbdServer.class);

    /** The server's configuration. */
    @ObjectClassDefinition(name = "Albireo NBD server", description = "vDisks over the Network Block Device protocol")
    public @interface Config {
        @AttributeDefinition(description = "The address to listen on; loopback unless an operator opens it")
        String host() default "127.0.0.1";

        @AttributeDefinition(description = "The port (10809 is NBD's); 0: any free one")
        int port() default 10809;

        @AttributeDefinition(description = "Connections served at once; more are closed at once")
        int maxConnections() default 64;

        @AttributeDefinition(description = "The most bytes of one read or write (the maximum block size announced)")
        int maxPayload() default 32 << 20;

        @AttributeDefinition(description = "Requests in flight per connection")
        int maxRequests() default 128;

        @AttributeDefinition(description = "Bytes of reads and writes in flight per connection")
        long maxBytesInFlight() default 128L << 20;
    }

    /**
     * A connection as the console shows it.
     *
     * @param peer the client's address
     * @param export the vDisk, or "" during the handshake
     * @param requests the requests answered
     */
    public record ConnectionInfo(String peer, String export, long requests) {
    }

    private final VolumeService volumes;
    private final ServerSocketChannel server;
    private final NbdConnection.Limits limits;
    private final int maxConnections;
    private final Set<NbdConnection> connections = ConcurrentHashMap.newKeySet();
    private final ThreadFactory threads = DaemonThreads.named("albireo-nbd");
    private final Thread acceptor;

    /** For DS. */
    @Activate
    public NbdServer(@Reference VolumeService volumes, Config config) throws IOException {
        this(volumes, new InetSocketAddress(config.host(), config.port()), config.maxConnections(),
                new NbdConnection.Limits(64 << 10, config.maxPayload(), config.maxRequests(),
                        config.maxBytesInFlight()));
    }

    NbdServer(VolumeService volumes, InetSocketAddress address, int maxConnections, NbdConnection.Limits limits)
            throws IOException {
        this.volumes = volumes;
        this.limits = limits;
        this.maxConnections = maxConnections;
        this.server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(address);
        } catch (IOException e) {
            server.close();
            throw new StorageException("NBD: cannot listen on " + address + ": " + e.getMessage(), e);
        }
        acceptor = threads.newThread(this::accept);
        acceptor.start();
        LOG.info("NBD server listening on {}", server.getLocalAddress());
    }

    /** @return where it listens */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new StorageException("NBD: the server socket is closed", e);
        }
    }

    /** @return the connections now */
    public List<ConnectionInfo> connections() {
        return connections.stream().map(c -> new ConnectionInfo(c.peer(), c.export().orElse(""), c.served()))
                .toList();
    }

    private void accept() {
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.warn("NBD: accept failed", e);
                }
                continue;
            }
            try {
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (connections.size() >= maxConnections) {
                    LOG.warn("NBD: {} refused: {} connections are open, the limit", client.getRemoteAddress(),
                            connections.size());
                    client.close();
                    continue;
                }
                NbdConnection[] self = new NbdConnection[1];
                self[0] = new NbdConnection(client, volumes, limits, () -> connections.remove(self[0]));
                connections.add(self[0]);
                threads.newThread(self[0]).start();
            } catch (IOException e) {
                LOG.warn("NBD: a connection failed at once", e);
            }
        }
    }

    @Deactivate
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.warn("NBD: closing the server socket failed", e);
        }
        acceptor.interrupt();
        for (NbdConnection c : List.copyOf(connections)) {
            c.close();
        }
        LOG.info("NBD server stopped");
    }
}
