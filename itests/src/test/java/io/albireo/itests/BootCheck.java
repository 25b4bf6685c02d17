package io.albireo.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.apache.karaf.features.BootFinished;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * The activator of the test probe: the probe starts only once the appliance's boot features are in, and fails at
 * once, with the feature's own error, when they could not be installed.
 *
 * <p>{@link Appliance#boot} installs Pax Exam's bundles in a boot stage of their own, before the appliance's, so the
 * probe reaches the container even when a later stage fails. Karaf then logs "Error installing boot features" and never
 * registers {@link BootFinished}; this waits for one or the other. It runs before the test class is loaded, whose
 * field types (the appliance's services) would not load without the failed features. It needs only the framework and
 * Karaf's features core, which start before any boot feature.
 */
public final class BootCheck implements BundleActivator {
    /** How long a boot may take on a loaded machine before the test gives up. */
    private static final long BOOT_TIMEOUT_MINUTES = 10;
    private static final String BOOT_ERROR = "Error installing boot features";

    @Override
    public void start(BundleContext context) throws Exception {
        Path log = Path.of(System.getProperty("karaf.data"), "log", "karaf.log");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(BOOT_TIMEOUT_MINUTES);
        while (context.getServiceReference(BootFinished.class) == null) {
            Optional<String> error = bootError(log);
            if (error.isPresent()) {
                throw new IllegalStateException("the appliance's boot features did not install: " + error.get());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the appliance's boot features were not installed after "
                        + BOOT_TIMEOUT_MINUTES + " minutes; see " + log);
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void stop(BundleContext context) {
    }

    /**
     * @return the error that Karaf logged when its boot features failed: the message and the messages of its causes,
     *         without the stack frames; empty while there is none
     */
    static Optional<String> bootError(Path log) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(BOOT_ERROR)) {
                List<String> error = new ArrayList<>();
                for (int j = i + 1; j < lines.size() && error.size() < 20; j++) {
                    String line = lines.get(j);
                    if (line.contains(" | ")) {
                        break; // the next log record
                    }
                    if (!isStackFrame(line)) {
                        error.add(line.strip());
                    }
                }
                return Optional.of(String.join("\n", error));
            }
        }
        return Optional.empty();
    }

    /** @return whether this line of a logged exception is a stack frame ("at ..." or "... 3 more"), at any depth */
    static boolean isStackFrame(String line) {
        String stripped = line.strip();
        return stripped.startsWith("at ") || stripped.startsWith("... ");
    }
}
