package io.albireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import io.albireo.api.codec.AlgorithmUnavailableException;
import io.albireo.api.codec.CodecRegistry;

/**
 * Hot swap: a provider bundle leaves and comes back while its consumer runs. The consumer here is the codec registry,
 * which every data path asks for its algorithms; the provider is the crc32c checksum bundle. With the provider gone the
 * registry answers with an error naming the algorithm, its bundle and the feature to install; with it back, the same
 * registry (same service, same component instance) resolves it again, and no other bundle was stopped on the way.
 */
public class HotSwapIT extends ApplianceTestSupport {
    private static final String PROVIDER = "io.albireo.checksum.crc32c";
    private static final String CONSUMER_COMPONENT = "io.albireo.codec.registry.internal.LiveCodecRegistry";
    /** The CRC-32C check value: crc32c("123456789"). */
    private static final String CHECK = "e3069283";

    @Inject
    ServiceComponentRuntime scr;

    @Inject
    CodecRegistry registry;

    @Configuration
    public Option[] configuration() {
        return Appliance.boot();
    }

    @Test
    public void theConsumerNamesTheMissingProviderAndWorksAgainWhenItReturns() throws Exception {
        assertEquals(CHECK, crc32cOfCheckString());
        long registryService = serviceId(context.getServiceReference(CodecRegistry.class));
        long registryComponent = consumerConfiguration().id;

        List<String> stoppedElsewhere = new ArrayList<>();
        BundleListener watcher = event -> {
            String name = event.getBundle().getSymbolicName();
            if (event.getType() == BundleEvent.STOPPED && !PROVIDER.equals(name)) {
                stoppedElsewhere.add(name);
            }
        };
        context.addBundleListener(watcher);
        try {
            Bundle provider = Appliance.bundle(context, PROVIDER);
            String location = provider.getLocation();
            provider.stop();
            provider.uninstall();

            AlgorithmUnavailableException missing = assertThrows(AlgorithmUnavailableException.class,
                    this::crc32cOfCheckString);
            assertEquals("checksum 'crc32c' is not available: bundle io.albireo.checksum.crc32c is not active."
                    + " Install it with 'feature:install albireo-checksum-crc32c'", missing.getMessage());
            String status = console("albireo:status Checksum");
            assertTrue(status, !status.matches("(?s).*Checksum\\s+\\|\\s+crc32c.*") && status.contains("Status: OK"));

            Bundle again = context.installBundle(location);
            again.start();
            Appliance.await("crc32c resolves again", () -> registry.algorithms().stream()
                    .anyMatch(a -> a.name().equals("crc32c") && a.active()));
            assertEquals(CHECK, crc32cOfCheckString());
        } finally {
            context.removeBundleListener(watcher);
        }

        assertEquals("the registry's service was not replaced", registryService,
                serviceId(context.getServiceReference(CodecRegistry.class)));
        assertEquals("the registry's component was not reactivated", registryComponent, consumerConfiguration().id);
        assertEquals("bundles stopped besides the provider", List.of(), stoppedElsewhere);
    }

    private String crc32cOfCheckString() {
        return registry.checksum("crc32c").compute(ByteBuffer.wrap("123456789".getBytes(StandardCharsets.US_ASCII)))
                .hex();
    }

    private ComponentConfigurationDTO consumerConfiguration() {
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
            if (description.name.equals(CONSUMER_COMPONENT)) {
                ComponentConfigurationDTO[] configurations = scr.getComponentConfigurationDTOs(description)
                        .toArray(ComponentConfigurationDTO[]::new);
                assertEquals(1, configurations.length);
                return configurations[0];
            }
        }
        throw new AssertionError("no component " + CONSUMER_COMPONENT);
    }

    private static long serviceId(ServiceReference<?> reference) {
        return (Long) reference.getProperty(Constants.SERVICE_ID);
    }
}
