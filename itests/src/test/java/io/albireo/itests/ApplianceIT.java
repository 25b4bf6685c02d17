package io.albireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.inject.Inject;

import org.apache.karaf.features.FeaturesService;
import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * The appliance image boots whole: every bundle active, every DS component satisfied, the Albireo features installed
 * at boot, and {@code albireo:status} answering in the console and through {@code bin/client}, with a non-zero exit
 * when a component is faulty.
 */
public class ApplianceIT extends ApplianceTestSupport {

    @Inject
    ServiceComponentRuntime scr;

    @Inject
    FeaturesService features;

    @Configuration
    public Option[] configuration() {
        return Appliance.boot();
    }

    @Test
    public void everyBundleIsActive() {
        List<String> inactive = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            boolean fragment = bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            if (!fragment && bundle.getState() != Bundle.ACTIVE) {
                inactive.add(bundle.getSymbolicName() + " (state " + bundle.getState() + ")");
            }
        }
        assertEquals("bundles that are not active", List.of(), inactive);
        for (String albireo : List.of("io.albireo.api", "io.albireo.console", "io.albireo.codec.registry",
                "io.albireo.checksum.crc32c")) {
            assertTrue(albireo + " is installed", Arrays.stream(context.getBundles())
                    .anyMatch(b -> b.getSymbolicName().equals(albireo)));
        }
    }

    @Test
    public void everyComponentIsSatisfied() {
        List<String> faulty = new ArrayList<>();
        int albireoComponents = 0;
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
            if (!scr.isComponentEnabled(description)) {
                continue;
            }
            for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                if (configuration.state != ComponentConfigurationDTO.ACTIVE
                        && configuration.state != ComponentConfigurationDTO.SATISFIED) {
                    faulty.add(description.name + " in " + description.bundle.symbolicName + " (state "
                            + configuration.state + ")");
                }
            }
            if (description.bundle.symbolicName.startsWith("io.albireo.")) {
                albireoComponents++;
            }
        }
        assertEquals("components that are neither active nor satisfied", List.of(), faulty);
        assertTrue("Albireo registers DS components, found " + albireoComponents, albireoComponents >= 3);
    }

    @Test
    public void theAlbireoFeaturesAreInstalledAtBoot() throws Exception {
        for (String name : List.of("albireo-core", "albireo-codecs", "albireo-checksum-crc32c")) {
            assertTrue(name + " is installed", features.isInstalled(features.getFeature(name)));
        }
    }

    @Test
    public void statusAnswersInTheConsole() throws Exception {
        // Once, right after boot, the command ran while Karaf's FeaturesService was not bound to it yet (an empty
        // feature table): the features are what this waits for, the assertions below are about the output.
        Appliance.await("albireo:status lists the features", () -> {
            try {
                return console("albireo:status").contains("albireo-core");
            } catch (Exception e) {
                return false;
            }
        });
        String out = console("albireo:status");
        assertTrue(out, out.startsWith("Albireo " + System.getProperty(Appliance.VERSION).replace('-', '.')));
        assertTrue(out, out.contains("albireo-core"));
        assertTrue(out, out.matches("(?s).*Checksum\\s+\\|\\s+crc32c\\s+\\|\\s+java\\s+\\|\\s+io\\.albireo\\.checksum\\.crc32c.*"));
        assertTrue(out, out.contains("CodecRegistry"));
        assertTrue(out, out.contains("Status: OK"));

        String filtered = console("albireo:status checksum");
        assertTrue(filtered, filtered.contains("crc32c"));
        assertTrue(filtered, !filtered.contains("CodecRegistry"));

        String json = console("albireo:status --json");
        assertTrue(json, json.contains("\"name\": \"crc32c\""));
    }

    @Test
    public void statusExitsZeroThroughBinClientWhenHealthy() throws Exception {
        Appliance.ClientRun run = Appliance.binClient("albireo:status");
        assertEquals(run.output(), 0, run.exit());
        assertTrue(run.output(), run.output().contains("Status: OK"));
    }

    @Test
    public void aFaultyComponentFailsStatusAndNamesWhatItNeeds() throws Exception {
        Bundle faulty = context.installBundle("itest:faulty", FaultyBundle.jar());
        try {
            faulty.start();

            Exception e = assertThrows(Exception.class, () -> console("albireo:status"));
            assertTrue(e.getMessage(), e.getMessage().contains("1 Albireo component(s) faulty"));
            assertTrue(e.getMessage(), e.getMessage().contains(FaultyBundle.MISSING));

            Appliance.ClientRun run = Appliance.binClient("albireo:status");
            assertEquals(run.output(), 1, run.exit());
            assertTrue(run.output(), run.output().contains("Status: DEGRADED"));
            assertTrue(run.output(), run.output().contains(FaultyBundle.COMPONENT));
            assertTrue(run.output(), run.output().contains("needs " + FaultyBundle.MISSING));
        } finally {
            faulty.uninstall();
        }
        assertTrue(console("albireo:status").contains("Status: OK"));
    }
}
