package io.albireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.nio.file.Files;
import java.nio.file.Path;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;

import io.albireo.api.codec.CodecRegistry;

/**
 * Where ISA-L cannot be loaded (here: configured to a library that does not exist), the accelerated bundle stays
 * active, registers nothing, says why in the log, and the appliance is healthy on the pure-Java codec.
 */
public class IsalAbsentIT extends ApplianceTestSupport {

    @Inject
    CodecRegistry registry;

    @Configuration
    public Option[] configuration() {
        return Appliance.boot(editConfigurationFilePut("etc/io.albireo.codec.rs.isal.cfg", "library",
                "/nonexistent/libisal.so.2"));
    }

    @Test
    public void theBundleStaysUpProvidesNothingAndSaysWhy() throws Exception {
        Bundle isal = Appliance.bundle(context, "io.albireo.codec.rs.isal");
        assertEquals(Bundle.ACTIVE, isal.getState());
        assertEquals("java", registry.erasureCodec("rs").implementation());
        assertTrue(registry.algorithms().stream().anyMatch(a -> a.implementation().equals("isal") && !a.active()));

        String status = console("albireo:status");
        assertTrue(status, status.contains("Status: OK"));
        Path log = Path.of(System.getProperty("karaf.data"), "log", "karaf.log");
        Appliance.await("the loader logs why", () -> {
            try {
                return Files.readString(log).contains("The accelerated rs erasure codec stays off, the pure-Java one"
                        + " serves: Intel ISA-L not found (tried /nonexistent/libisal.so.2)");
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }
}
