package io.albireo.proxy.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.object.ObjectStore;
import io.albireo.framing.FrameServer;
import io.albireo.proxy.protocol.Limits;

/**
 * The proxy's network front (PID {@code io.albireo.proxy.server}): listens on port 10000 and serves the highest-ranked
 * ObjectStore service. The reference is dynamic, optional and greedy, so the proxy can be updated or swapped while
 * clients stay connected: while there is none, requests get UNAVAILABLE, and the next one goes to the new proxy.
 */
@Component(configurationPid = "io.albireo.proxy.server", configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true, service = {})
@Designate(ocd = ProxyServerComponent.Config.class)
public class ProxyServerComponent {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServerComponent.class);

    /** The server's settings. */
    @ObjectClassDefinition(name = "Albireo proxy server", description = "The proxy protocol on the network.")
    public @interface Config {
        /** @return the address to listen on */
        @AttributeDefinition(description = "The address to listen on (loopback unless set).")
        String bindAddress() default "127.0.0.1";

        /** @return the port */
        @AttributeDefinition(description = "The TCP port.")
        int port() default 10000;

        /** @return the largest frame accepted */
        @AttributeDefinition(description = "The largest frame accepted, in bytes (objects stream in frames of this"
                + " size; applies must fit one).")
        int maxFrame() default Limits.DEFAULT_MAX_FRAME;

        /** @return the request pool's size */
        @AttributeDefinition(description = "Threads that run requests (streamed puts have their own).")
        int threads() default 16;

        /** @return the most puts streaming at once */
        @AttributeDefinition(description = "The most puts streaming at once, a thread each; a put begun past it is"
                + " answered UNAVAILABLE.")
        int putThreads() default ProxyServer.Bounds.PUT_THREADS;

        /** @return the most gets streaming at once */
        @AttributeDefinition(description = "The most gets streaming at once, a thread each; a get past it is answered"
                + " UNAVAILABLE. A client that reads nothing of its get for 60 s is disconnected.")
        int getThreads() default ProxyServer.Bounds.GET_THREADS;

        /** @return the most connections */
        @AttributeDefinition(description = "The most client connections open at once; more are refused with a"
                + " reason.")
        int maxConnections() default ProxyServer.Bounds.MAX_CONNECTIONS;

        /** @return the most bytes one connection holds */
        @AttributeDefinition(description = "The most bytes one connection may hold in flight (frames not yet handled,"
                + " answers not yet read by the client); at least maxFrame. Past it the connection is not read until"
                + " it falls.")
        long maxConnectionBytes() default ProxyServer.Bounds.MAX_CONNECTION_BYTES;

        /** @return the most bytes all connections hold */
        @AttributeDefinition(description = "The most bytes all connections together may hold in flight; at least"
                + " maxConnectionBytes.")
        long maxBytes() default ProxyServer.Bounds.MAX_BYTES;

        /** @return the most unanswered requests per connection */
        @AttributeDefinition(description = "The most frames one connection may have in flight (requests unanswered,"
                + " DATA frames not yet stored).")
        int maxRequests() default ProxyServer.Bounds.MAX_REQUESTS;

        /** @return the event loops */
        @AttributeDefinition(description = "Event-loop threads that read and write all connections.")
        int loops() default ProxyServer.Bounds.LOOPS;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ObjectStore store;

    private ProxyServer server;

    @Activate
    void activate(Config config) throws IOException {
        server = new ProxyServer(() -> store, new FrameServer.Settings("proxy", new InetSocketAddress(
                config.bindAddress(), config.port()), config.maxFrame(), config.maxConnections(),
                config.maxConnectionBytes(), config.maxBytes(), config.maxRequests(), config.loops()),
                Math.max(1, config.threads()), Math.max(1, config.putThreads()), Math.max(1, config.getThreads()));
        LOG.info("proxy server listening on {}", server.address());
    }

    @Deactivate
    void deactivate() {
        server.close();
    }
}
