package io.albireo.osd.asd.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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

import io.albireo.api.osd.Osd;
import io.albireo.asd.protocol.AsdEndpoint;
import io.albireo.asd.protocol.Limits;

/**
 * One configured ASD (a factory configuration {@code etc/io.albireo.osd.asd-NAME.cfg}) as an {@link Osd} service. The
 * service is registered by hand rather than by DS because its name, the ASD's long id, and its node are known only
 * after the first handshake; it stays registered while the ASD is unreachable, and goes when the configuration or the
 * bundle does.
 */
@Component(configurationPid = AsdDriver.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {},
        immediate = true)
@Designate(ocd = AsdDriver.Config.class, factory = true)
public final class AsdDriver {
    static final String PID = "io.albireo.osd.asd";
    private static final Logger LOG = LoggerFactory.getLogger(AsdDriver.class);

    /** Where an ASD is and how to talk to it. */
    @ObjectClassDefinition(name = "Albireo ASD driver", description = "One ASD (a storage daemon, one per disk),"
            + " reached over the ASD protocol and offered to the appliance as an Osd service")
    public @interface Config {
        @AttributeDefinition(description = "The ASD's host name or address")
        String host() default "127.0.0.1";

        @AttributeDefinition(description = "The ASD's TCP port (required)", min = "1", max = "65535")
        int port();

        @AttributeDefinition(required = false, description = "The long id the ASD must have; empty accepts whichever"
                + " ASD answers first, logs its id and accepts no other afterwards")
        String longId() default "";

        @AttributeDefinition(description = "The most connections to keep to the ASD; requests are pipelined on each",
                min = "1", max = "64")
        int connections() default 4;

        @AttributeDefinition(description = "How long connecting, and then the handshake, may each take", min = "1")
        int connectTimeoutMillis() default 2000;

        @AttributeDefinition(description = "How long a request may wait for its answer; past it the request fails and"
                + " its connection is closed", min = "1")
        int requestTimeoutMillis() default 30000;

        @AttributeDefinition(description = "The largest frame accepted from the ASD, in bytes (the smaller of this"
                + " and the ASD's own limit bounds what is sent)", min = "65536")
        int maxFrame() default Limits.DEFAULT_MAX_FRAME;

        @AttributeDefinition(description = "When the ASD runs in this appliance, send it the requests in process,"
                + " without a socket (the connection still makes the handshake)")
        boolean inProcess() default true;
    }

    /** The ASDs of this JVM, by long id (AsdEndpoint). */
    private final Map<String, AsdEndpoint> endpoints = new ConcurrentHashMap<>();

    private final OsdPublisher publisher;
    private final AsdOsd osd;

    /**
     * DS constructor: checks the configuration and starts connecting in the background; the service follows the first
     * handshake.
     *
     * @throws IllegalArgumentException if the configuration is invalid; SCR logs it and the component stays inactive
     */
    @Activate
    public AsdDriver(BundleContext context, Config config) {
        Settings settings;
        try {
            settings = Settings.of(config);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("etc/" + PID + "-*.cfg: " + e.getMessage(), e);
        }
        OsdPublisher.Registrar registrar = properties -> {
            ServiceRegistration<Osd> r = context.registerService(Osd.class, this.osd(), properties);
            return new OsdPublisher.Registration() {
                @Override
                public void update(java.util.Dictionary<String, Object> p) {
                    r.setProperties(p);
                }

                @Override
                public void unregister() {
                    r.unregister();
                }
            };
        };
        this.publisher = new OsdPublisher(registrar, settings);
        this.osd = new AsdOsd(settings, System::nanoTime, publisher::identityKnown,
                config.inProcess() ? endpoints::get : id -> null);
        LOG.info("ASD driver for {}{}: connecting", settings.address(),
                settings.longId().isEmpty() ? "" : " (ASD " + settings.longId() + ")");
        osd.start();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindEndpoint(AsdEndpoint endpoint) {
        endpoints.put(endpoint.longId(), endpoint);
    }

    void unbindEndpoint(AsdEndpoint endpoint) {
        endpoints.remove(endpoint.longId(), endpoint);
    }

    private Osd osd() {
        return osd;
    }

    /** Withdraws the service, then closes every connection: requests in flight fail with "driver stopped". */
    @Deactivate
    void deactivate() {
        publisher.close();
        osd.close();
    }
}
