package io.albireo.itests;

import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.vmOption;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;

/**
 * How the integration tests boot the appliance, and how they talk to it. Every test class boots the real image built
 * by karaf-assembly (its tar.gz), with its own boot features and etc/ defaults; only the ports change, so tests never
 * clash with an appliance running on this machine, and the Maven resolver is pointed at the local repository, so the
 * container never goes online.
 */
final class Appliance {
    /** The system property through which the container learns its ssh port, for {@code bin/client}. */
    static final String SSH_PORT = "albireo.itests.sshPort";
    /** The system property that holds the Maven version of the appliance under test. */
    static final String VERSION = "albireo.version";
    /** Whether libisal must be there (CI): the tests of the accelerated codec then fail rather than skip. */
    static final String REQUIRE_ISAL = "albireo.require.isal";

    private Appliance() {
    }

    /** @return the options that boot the appliance image, followed by {@code extra} */
    static Option[] boot(Option... extra) {
        String archive = required("albireo.appliance.archive");
        if (!new File(archive).isFile()) {
            throw new IllegalStateException("no appliance image at " + archive + ": build karaf-assembly first");
        }
        String ssh = Integer.toString(freePort());
        String http = Integer.toString(freePort());
        String repository = required("maven.repo.local");
        List<Option> options = new ArrayList<>(List.of(
                karafDistributionConfiguration()
                        .frameworkUrl(new File(archive).toURI().toString())
                        .karafVersion("4.4.10")
                        .name("Albireo")
                        .unpackDirectory(new File(required("albireo.itests.work")))
                        .useDeployFolder(false),
                configureConsole().ignoreLocalConsole(),
                logLevel(LogLevel.INFO),
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.localRepository",
                        repository),
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.repositories", ""),
                editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", ssh),
                editConfigurationFilePut("etc/org.ops4j.pax.web.cfg", "org.osgi.service.http.port", http),
                // What bin/setenv gives the appliance's JVM; Pax Exam starts the JVM itself.
                vmOption("--add-modules=jdk.incubator.vector"),
                systemProperty(SSH_PORT).value(ssh),
                systemProperty(VERSION).value(required(VERSION)),
                systemProperty(REQUIRE_ISAL).value(System.getProperty(REQUIRE_ISAL, "false"))));
        options.addAll(Arrays.asList(extra));
        return options.toArray(Option[]::new);
    }

    /**
     * Runs a console command in a session of the container, as a user at the console would.
     *
     * @return what the command printed
     * @throws Exception what the command threw
     */
    static String execute(SessionFactory sessions, String command) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Session session = sessions.create(new ByteArrayInputStream(new byte[0]), out, out)) {
            session.execute(command);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * Runs {@code bin/client COMMAND} of the running container, the way an operator's script would.
     *
     * @return its exit status and everything it printed
     */
    static ClientRun binClient(String command) throws IOException, InterruptedException {
        File home = new File(required("karaf.home"));
        ProcessBuilder builder = new ProcessBuilder("sh", new File(home, "bin/client").getPath(), "-h", "127.0.0.1",
                "-a", required(SSH_PORT), "-r", "3", command).directory(home).redirectErrorStream(true);
        Process process = builder.start();
        // The client needs its standard input open until the command's output has come back: at end of file it
        // closes the session at once and prints only "Closed" (PLATFORM.md). So stdin stays open until it exits.
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("bin/client '" + command + "' did not finish: " + output);
        }
        process.getOutputStream().close();
        return new ClientRun(process.exitValue(), output);
    }

    /**
     * What a {@code bin/client} run returned.
     *
     * @param exit its exit status
     * @param output its standard output and error, interleaved
     */
    record ClientRun(int exit, String output) {
    }

    /** @return the bundle of this symbolic name */
    static org.osgi.framework.Bundle bundle(org.osgi.framework.BundleContext context, String symbolicName) {
        return java.util.Arrays.stream(context.getBundles()).filter(b -> b.getSymbolicName().equals(symbolicName))
                .findFirst().orElseThrow(() -> new AssertionError("no bundle " + symbolicName));
    }

    /** Polls {@code condition} until it holds, for at most 30 s: DS (de)activates components asynchronously. */
    static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Moves the six ASDs of the embedded default, and their drivers, to free ports, so a test never meets an
     * appliance running on this machine.
     *
     * @return the options, and in {@code ports} the ports chosen, ASD 1 first
     */
    static List<Option> asdsOnFreePorts(List<Integer> ports) {
        List<Option> options = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            int port = freePort();
            ports.add(port);
            options.add(editConfigurationFilePut("etc/io.albireo.asd-" + i + ".cfg", "port", Integer.toString(port)));
            options.add(editConfigurationFilePut("etc/io.albireo.osd.asd-" + i + ".cfg", "port",
                    Integer.toString(port)));
        }
        return options;
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set: run the tests with Maven");
        }
        return value;
    }

    /** @return a TCP port that was free a moment ago */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
