package io.albireo.asd.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.OsdAnnouncement;
import io.albireo.api.osd.OsdAnnouncer;
import io.albireo.api.AlbireoName;
import io.albireo.asd.protocol.AsdEndpoint;
import io.albireo.asd.protocol.Limits;
import io.albireo.asd.protocol.Message;
import io.albireo.framing.FrameServer;

/**
 * One ASD: a disk (a directory on it) served on a port. One instance per factory configuration
 * ({@code etc/io.albireo.asd-NAME.cfg}); it announces itself through the {@link OsdAnnouncer} when one is present.
 */
@Component(configurationPid = Asd.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = LocalAsd.class)
@Designate(ocd = Asd.Config.class, factory = true)
public final class Asd implements LocalAsd {
    static final String PID = "io.albireo.asd";
    private static final Logger LOG = LoggerFactory.getLogger(Asd.class);

    /** One ASD's configuration. */
    @ObjectClassDefinition(name = "Albireo ASD", description = "A storage daemon serving one disk")
    public @interface Config {
        @AttributeDefinition(description = "The directory on the disk where the ASD keeps its data")
        String path();

        @AttributeDefinition(description = "The address to listen on; 127.0.0.1 keeps it on this machine")
        String bindAddress() default "127.0.0.1";

        @AttributeDefinition(description = "The TCP port (ASDs use 8600 and up)")
        int port();

        @AttributeDefinition(description = "The node id it announces; empty: this machine's host name")
        String nodeId() default "";

        @AttributeDefinition(description = "The bytes it may hold; 0: the size of its file system")
        long capacity() default 0;

        @AttributeDefinition(description = "Values longer than this many bytes are kept as files, the others in"
                + " RocksDB")
        int blobThreshold() default 65536;

        @AttributeDefinition(description = "How a commit makes new files durable: fsync (each file) or syncfs (the"
                + " whole file system at once)")
        String sync() default "fsync";

        @AttributeDefinition(description = "The largest frame it accepts, in bytes")
        int maxFrame() default Limits.DEFAULT_MAX_FRAME;

        @AttributeDefinition(description = "The most client connections open at once; more are refused with a reason")
        int maxConnections() default AsdServer.Bounds.MAX_CONNECTIONS;

        @AttributeDefinition(description = "The most bytes one connection may hold in flight (requests not yet"
                + " answered, answers not yet read by the client); at least maxFrame. Past it the connection is not"
                + " read until it falls")
        long maxConnectionBytes() default AsdServer.Bounds.MAX_CONNECTION_BYTES;

        @AttributeDefinition(description = "The most bytes all connections together may hold in flight; at least"
                + " maxConnectionBytes")
        long maxBytes() default AsdServer.Bounds.MAX_BYTES;

        @AttributeDefinition(description = "The most requests one connection may have unanswered; callers in this"
                + " JVM together may have as many, and wait their turn past it")
        int maxRequests() default AsdServer.Bounds.MAX_REQUESTS;

        @AttributeDefinition(description = "Event-loop threads that read and write all connections")
        int loops() default AsdServer.Bounds.LOOPS;

        @AttributeDefinition(description = "Threads serving reads")
        int readThreads() default 8;

        @AttributeDefinition(description = "Threads writing the values of applies over blobThreshold (and with fsync"
                + " syncing their blob files)")
        int writeThreads() default 8;

        @AttributeDefinition(description = "Write blob and segment files with direct I/O (O_DIRECT), past the page"
                + " cache, where the file system allows it")
        boolean directIo() default true;

        @AttributeDefinition(description = "Values over blobThreshold and up to this many bytes are appended to shared"
                + " segment files, synced once per commit; larger ones get a file each. 0: every one a file")
        int segmentValueMax() default AsdStore.Settings.SEGMENT_VALUE_MAX;

        @AttributeDefinition(description = "The size in bytes at which a segment file is left for a new one")
        long segmentBytes() default AsdStore.Settings.SEGMENT_BYTES;
    }

    private final Config config;
    private final AsdStore store;
    private final AsdServer server;
    private final String nodeId;
    private final String software;
    private final ServiceRegistration<AsdEndpoint> endpoint;
    private OsdAnnouncer.Registration announcement;

    /** DS constructor: open the store, then serve it. */
    @Activate
    public Asd(Config config, BundleContext context) throws IOException {
        this.config = config;
        this.software = "albireo-asd " + context.getBundle().getVersion();
        this.nodeId = config.nodeId().isEmpty() ? hostName() : config.nodeId();
        this.store = AsdStore.open(Path.of(config.path()), new AsdStore.Settings(config.capacity(),
                config.blobThreshold(), config.sync(), 1024, config.directIo(), config.segmentValueMax(),
                config.segmentBytes()));
        try {
            this.server = new AsdServer(store, nodeId, new FrameServer.Settings("asd-" + store.longId().substring(0,
                    8), new InetSocketAddress(config.bindAddress(), config.port()), config.maxFrame(),
                    config.maxConnections(), config.maxConnectionBytes(), config.maxBytes(),
                    config.maxRequests(), config.loops()), config.readThreads(), config.writeThreads());
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        // For the driver in this JVM: the same requests without the socket (AsdEndpoint), bounded together as one
        // connection's are (maxRequests).
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(AlbireoName.PROPERTY, store.longId());
        AsdEndpoint endpoint = new AsdEndpoint() {
            @Override
            public String longId() {
                return store.longId();
            }

            @Override
            public CompletableFuture<Message.Response> handle(Message.Request request) {
                return server.handleInProcess(request);
            }
        };
        this.endpoint = context.registerService(AsdEndpoint.class, endpoint, properties);
        LOG.info("ASD {} serves {} on {}", store.longId(), config.path(), address());
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    synchronized void bindAnnouncer(OsdAnnouncer announcer) {
        announcement = announcer.announce(this::announcement);
    }

    synchronized void unbindAnnouncer(OsdAnnouncer announcer) {
        stopAnnouncing();
    }

    private void stopAnnouncing() {
        if (announcement != null) {
            announcement.close();
            announcement = null;
        }
    }

    OsdAnnouncement announcement() {
        DiskUsage usage = store.diskUsage();
        InetSocketAddress address = server.address();
        return new OsdAnnouncement(OsdAnnouncement.VERSION, "asd", store.longId(), nodeId,
                List.of(address.getAddress().getHostAddress()), address.getPort(), usage.used(), usage.capacity(),
                software);
    }

    @Deactivate
    synchronized void deactivate() {
        stopAnnouncing();
        try {
            endpoint.unregister();
        } catch (IllegalStateException e) {
            // the bundle is stopping: the framework unregistered it already
        }
        server.close();
        store.close();
        LOG.info("ASD {} stopped", store.longId());
    }

    @Override
    public String longId() {
        return store.longId();
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public String path() {
        return config.path();
    }

    @Override
    public String address() {
        InetSocketAddress a = server.address();
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    @Override
    public DiskUsage diskUsage() {
        return store.diskUsage();
    }

    @Override
    public int connections() {
        return server.connections();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
