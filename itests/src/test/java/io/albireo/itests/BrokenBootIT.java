package io.albireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFileExtend;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import org.junit.Test;
import org.junit.runner.JUnitCore;
import org.junit.runner.Result;
import org.junit.runner.notification.Failure;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;

/**
 * A container whose boot features cannot install fails its tests at once, with the feature's own error: here a
 * feature names a bundle that is in no repository the container reaches, as {@code albireo-proxy-client} once was
 * (its bundle was in ~/.m2, not in the image). This runs such a test class, {@link Broken}, and checks how it failed.
 */
public class BrokenBootIT {
    /** The bundle that the broken feature names, and that no repository holds. */
    static final String MISSING_BUNDLE = "io.albireo.itests.not-in-the-image";

    @Test
    public void aFeatureThatCannotInstallFailsTheTestWithItsError() {
        long start = System.nanoTime();
        Result result = new JUnitCore().run(Broken.class);
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;

        assertEquals("the broken container's one test ran and failed", 1, result.getFailureCount());
        Failure failure = result.getFailures().get(0);
        String trace = failure.getTrace();
        // For the report: how long it took, and what an operator reading the failure sees, without stack frames.
        System.out.println("the broken container failed its test after " + seconds + " s with:\n"
                + trace.lines().filter(l -> !BootCheck.isStackFrame(l))
                        .collect(java.util.stream.Collectors.joining("\n")));
        assertTrue("the failure names the boot features:\n" + trace,
                trace.contains("the appliance's boot features did not install"));
        assertTrue("the failure gives Karaf's error, naming the missing bundle:\n" + trace,
                trace.contains(MISSING_BUNDLE));
        assertFalse("the test was not left waiting for the container:\n" + trace,
                trace.contains("Cannot get the remote bundle context"));
    }

    /** Boots the image with one more boot feature, whose bundle is nowhere: the test must never run. */
    public static class Broken extends ApplianceTestSupport {
        @Configuration
        public Option[] configuration() throws IOException {
            File repository = File.createTempFile("broken-features", ".xml");
            repository.deleteOnExit();
            Files.writeString(repository.toPath(), """
                    <features name="itests-broken" xmlns="http://karaf.apache.org/xmlns/features/v1.6.0">
                      <feature name="albireo-broken" version="1.0.0">
                        <bundle>mvn:io.albireo/%s/1.0.0</bundle>
                      </feature>
                    </features>
                    """.formatted(MISSING_BUNDLE), StandardCharsets.UTF_8);
            List<String> boot = new ArrayList<>(Appliance.imageBootFeatures());
            boot.add("albireo-broken");
            return Appliance.boot(Appliance.Ports.free(), boot, editConfigurationFileExtend(
                    "etc/org.apache.karaf.features.cfg", "featuresRepositories", repository.toURI().toString()));
        }

        @Test
        public void neverRuns() {
            throw new UncheckedIOException(new IOException("the test ran although its boot features failed"));
        }
    }
}
