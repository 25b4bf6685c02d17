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
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;

/**
 * How the integration tests boot the appliance, and how they talk to it. Every test class boots the real image built
 * by karaf-assembly (its tar.gz), with its own boot features and etc/ defaults. Only the ports change: every port the
 * appliance listens on is chosen free, so tests never clash with an appliance running on this machine. The
 * container resolves Maven artifacts from its own system repository and from the build's copy of Pax Exam's bundles
 * only: never online and never from ~/.m2, so a feature that the image lacks fails here as it would on an appliance.
 */
final class Appliance {
    /** The system property through which the container learns its ssh port, for {@code bin/client}. */
    static final String SSH_PORT = "albireo.itests.sshPort";
    /** The system property through which the container learns the proxy protocol's port. */
    static final String PROXY_PORT = "albireo.itests.proxyPort";
    /** The system property that tells a test the NBD port the container serves vDisks on. */
    static final String NBD_PORT = "albireo.itests.nbdPort";
    /** The system property that holds the Maven version of the appliance under test. */
    static final String VERSION = "albireo.version";
    /** Whether libisal must be there (CI): the tests of the accelerated codec then fail rather than skip. */
    static final String REQUIRE_ISAL = "albireo.require.isal";
    /** The ASDs of the embedded default: etc/io.albireo.asd-1.cfg to -6.cfg, and a driver for each. */
    static final int ASDS = 6;

    private Appliance() {
    }

    /** @return the options that boot the appliance image with its own boot features, on free ports */
    static Option[] boot(Option... extra) {
        return boot(Ports.free(), imageBootFeatures(), extra);
    }

    /** @return the options that boot the appliance image with its own boot features on these ports */
    static Option[] boot(Ports ports, Option... extra) {
        return boot(ports, imageBootFeatures(), extra);
    }

    /**
     * The options that boot the appliance image with these boot features on these ports, followed by {@code extra}.
     *
     * <p>The boot features are installed in a stage after Pax Exam's own {@code exam} feature, which alone comes
     * first. So when a feature cannot install, the container still comes up, and {@link BootCheck} fails the test at
     * once with the feature's error, instead of Pax Exam waiting minutes for a container that never answers.
     */
    static Option[] boot(Ports ports, List<String> bootFeatures, Option... extra) {
        String archive = required("albireo.appliance.archive");
        if (!new File(archive).isFile()) {
            throw new IllegalStateException("no appliance image at " + archive + ": build karaf-assembly first");
        }
        List<Option> options = new ArrayList<>(List.of(
                karafDistributionConfiguration()
                        .frameworkUrl(new File(archive).toURI().toString())
                        .karafVersion("4.4.10")
                        .name("Albireo")
                        .unpackDirectory(new File(required("albireo.itests.work")))
                        .useDeployFolder(false),
                configureConsole().ignoreLocalConsole(),
                logLevel(LogLevel.INFO),
                editConfigurationFilePut("etc/org.apache.karaf.features.cfg", "featuresBoot",
                        "(exam), (" + String.join(", ", bootFeatures) + ")"),
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.localRepository",
                        required("albireo.itests.repository")),
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.repositories", ""),
                // What bin/setenv gives the appliance's JVM; Pax Exam starts the JVM itself.
                vmOption("--add-modules=jdk.incubator.vector"),
                systemProperty(VERSION).value(required(VERSION)),
                systemProperty(REQUIRE_ISAL).value(System.getProperty(REQUIRE_ISAL, "false"))));
        options.addAll(ports.options());
        options.addAll(Arrays.asList(extra));
        return options.toArray(Option[]::new);
    }

    /** @return the boot features of the image under test, as its etc/org.apache.karaf.features.cfg lists them */
    static List<String> imageBootFeatures() {
        Properties features = new Properties();
        try (InputStream file = Files.newInputStream(Path.of(required("albireo.appliance.archive")));
                TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(file))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (entry.getName().endsWith("/etc/org.apache.karaf.features.cfg")) {
                    features.load(tar);
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the boot features of the image", e);
        }
        String boot = features.getProperty("featuresBoot");
        if (boot == null) {
            throw new IllegalStateException("the image has no featuresBoot in etc/org.apache.karaf.features.cfg");
        }
        return Arrays.stream(boot.split("[\\s,()]+")).filter(f -> !f.isEmpty()).collect(Collectors.toList());
    }

    /**
     * Every port the appliance listens on, chosen free a moment before the container starts. The sockets that find
     * them stay open until all are chosen, so no two coincide.
     *
     * @param ssh the Karaf console over ssh (etc/org.apache.karaf.shell.cfg)
     * @param http Jetty (etc/org.ops4j.pax.web.cfg)
     * @param proxy the proxy protocol (etc/io.albireo.proxy.server.cfg)
     * @param nbd the NBD server (etc/io.albireo.nbd.cfg)
     * @param discovery the UDP port of OSD discovery's multicast group (etc/io.albireo.discovery.cfg), so that the
     *        container neither hears nor is heard by an appliance running on this machine
     * @param asds the six ASDs of the embedded default, ASD 1 first, each with its driver
     */
    record Ports(int ssh, int http, int proxy, int nbd, int discovery, List<Integer> asds) {
        static Ports free() {
            List<ServerSocket> held = new ArrayList<>();
            try (DatagramSocket udp = new DatagramSocket(0)) {
                List<Integer> tcp = new ArrayList<>();
                for (int i = 0; i < 4 + ASDS; i++) {
                    ServerSocket socket = new ServerSocket(0);
                    held.add(socket);
                    tcp.add(socket.getLocalPort());
                }
                return new Ports(tcp.get(0), tcp.get(1), tcp.get(2), tcp.get(3), udp.getLocalPort(),
                        List.copyOf(tcp.subList(4, 4 + ASDS)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                for (ServerSocket socket : held) {
                    try {
                        socket.close();
                    } catch (IOException e) {
                        // It was only held to keep the port from being chosen twice.
                    }
                }
            }
        }

        List<Option> options() {
            List<Option> options = new ArrayList<>(List.of(
                    editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", Integer.toString(ssh)),
                    editConfigurationFilePut("etc/org.ops4j.pax.web.cfg", "org.osgi.service.http.port",
                            Integer.toString(http)),
                    editConfigurationFilePut("etc/io.albireo.proxy.server.cfg", "port", Integer.toString(proxy)),
                    editConfigurationFilePut("etc/io.albireo.nbd.cfg", "port", Integer.toString(nbd)),
                    editConfigurationFilePut("etc/io.albireo.discovery.cfg", "port", Integer.toString(discovery)),
                    systemProperty(SSH_PORT).value(Integer.toString(ssh)),
                    systemProperty(PROXY_PORT).value(Integer.toString(proxy)),
                    systemProperty(NBD_PORT).value(Integer.toString(nbd))));
            for (int i = 1; i <= ASDS; i++) {
                String port = Integer.toString(asds.get(i - 1));
                options.add(editConfigurationFilePut("etc/io.albireo.asd-" + i + ".cfg", "port", port));
                options.add(editConfigurationFilePut("etc/io.albireo.osd.asd-" + i + ".cfg", "port", port));
            }
            return options;
        }
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

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set: run the tests with Maven");
        }
        return value;
    }
}
