package io.albireo.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.junit.After;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

import io.albireo.api.maintenance.Maintenance;
import io.albireo.api.maintenance.OsdHealth;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.Policy;
import io.albireo.api.object.ObjectStore;
import io.albireo.api.object.Overwrite;

/**
 * What the maintenance integration tests share: the appliance's metadata, proxy and agent; the agent reconfigured
 * through ConfigAdmin as an operator would; ASDs added and lost for real (configuration deleted, daemon stopped, data
 * directory gone); and the checks every test makes of the manifests afterwards.
 */
public abstract class MaintenanceTestSupport extends ApplianceTestSupport {
    static final String ASD_PID = "io.albireo.asd";
    static final String OSD_ASD_PID = "io.albireo.osd.asd";
    static final String MAINTENANCE_PID = "io.albireo.maintenance";
    /** The default preset's first policy, and its best fallback on five OSDs. */
    static final Policy FULL = new Policy(4, 2, 5, 6);
    static final Policy FALLBACK = new Policy(3, 2, 4, 5);
    /** CI runs on two loaded cores: waits are in minutes, and a wait that ends early costs nothing. */
    private static final long MINUTES = 4;

    @Inject
    protected AlbaManager abm;

    @Inject
    protected NamespaceManager nsm;

    @Inject
    protected ObjectStore proxy;

    /** The agent the appliance boots with, on the image's defaults (the test waits for it to be there). */
    @Inject
    protected Maintenance bootAgent;

    @Inject
    protected ConfigurationAdmin configurations;

    private ServiceTracker<Maintenance, Maintenance> tracker;

    @After
    public void closeTracker() {
        if (tracker != null) {
            tracker.close();
        }
    }

    /** Waits until the proxy has claimed the embedded default's six ASDs and made the default preset. */
    protected void awaitDefaultBackend() throws InterruptedException {
        await("the proxy claims the six ASDs and makes the default preset", () -> abm.defaultPreset().isPresent()
                && abm.osds().size() == Appliance.ASDS
                && abm.osds().stream().allMatch(o -> o.state() == ClaimedOsd.State.CLAIMED)
                && osdNames().size() == Appliance.ASDS);
    }

    /**
     * Sets properties of the agent's configuration (the typed Config of PID io.albireo.maintenance, whose file is
     * etc/io.albireo.maintenance.cfg) through ConfigAdmin, as strings the way config:property-set puts them, and waits
     * for the agent to restart with them: DS registers the Maintenance service anew, with the configuration among its
     * properties.
     */
    protected void configureAgent(Map<String, String> changes) throws Exception {
        ServiceReference<Maintenance> before = context.getServiceReference(Maintenance.class);
        org.osgi.service.cm.Configuration[] existing = configurations.listConfigurations("(" + Constants.SERVICE_PID
                + "=" + MAINTENANCE_PID + ")");
        org.osgi.service.cm.Configuration config = existing != null ? existing[0]
                : configurations.getConfiguration(MAINTENANCE_PID, "?");
        Dictionary<String, Object> properties = config.getProperties() != null ? config.getProperties()
                : new Hashtable<>();
        changes.forEach(properties::put);
        config.update(properties);
        if (tracker == null) {
            tracker = new ServiceTracker<>(context, Maintenance.class, null);
            tracker.open();
        }
        await("the agent restarts with " + changes, () -> {
            ServiceReference<Maintenance> now = context.getServiceReference(Maintenance.class);
            return now != null && (before == null || !now.getProperty(Constants.SERVICE_ID).equals(
                    before.getProperty(Constants.SERVICE_ID)))
                    && changes.entrySet().stream().allMatch(e -> e.getValue().equals(String.valueOf(now.getProperty(
                            e.getKey()))));
        });
    }

    /**
     * The failure detector as a test can wait for it: a probe a second, dead after 5 s of silence (15 minutes by
     * default), and no sweep for leftovers of dead proxies (one that runs while a repair writes would park the
     * repair's fragments in flight as candidates for the 24 h grace, and status() counts that item as queued until
     * then). Set once the appliance is up, as an operator would: at boot, while bundles still start and restart, an
     * ASD can be silent for seconds.
     */
    protected Map<String, String> fastFailureDetector() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("probeSeconds", "1");
        settings.put("deadAfterSeconds", "5");
        settings.put("sweepIntervalHours", "0");
        return settings;
    }

    /** @return the agent's Maintenance service now (the injected one is the agent's before its restart) */
    protected Maintenance maintenance() {
        Maintenance m = tracker == null ? bootAgent : tracker.getService();
        if (m == null) {
            throw new AssertionError("no Maintenance service");
        }
        return m;
    }

    protected OsdHealth health(int number) {
        return maintenance().osds().stream().filter(h -> h.number() == number).findFirst()
                .orElseThrow(() -> new AssertionError("maintenance does not know OSD " + number));
    }

    /**
     * @return 40 objects of mixed sizes and kinds, put through the proxy into {@code namespace}: small and large,
     *         random and compressible, one over a chunk (16 MiB at (4,2,5,6) and 4 MiB fragments), by name
     */
    protected Map<String, byte[]> putObjects(String namespace) {
        Random random = new Random(17);
        Map<String, byte[]> objects = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            int size = i == 0 ? 17 << 20 // two chunks
                    : i % 10 == 5 ? (2 << 20) + random.nextInt(4 << 20) // several MiB
                    : i % 3 == 0 ? 1 + random.nextInt(4096) // small
                    : 1 + random.nextInt(400_000);
            byte[] data = new byte[size];
            if (i % 2 == 0) {
                random.nextBytes(data);
            } else {
                for (int j = 0; j < size; j++) {
                    data[j] = (byte) (j % 253 < 180 ? 'a' + j % 11 : random.nextInt()); // compressible
                }
            }
            String name = "object-" + i;
            proxy.put(namespace, name, ByteBuffer.wrap(data), Overwrite.NONE);
            objects.put(name, data);
        }
        return objects;
    }

    /**
     * Asserts that every object is at {@code policy} with every fragment written, each fragment of a chunk on its own
     * OSD, none on {@code absent} (or any OSD, with -1), and that it reads back byte for byte.
     */
    protected void assertStoredAt(String namespace, Map<String, byte[]> objects, Policy policy, int absent) {
        for (Map.Entry<String, byte[]> o : objects.entrySet()) {
            String name = o.getKey();
            Manifest manifest = nsm.get(namespace, name).orElseThrow(() -> new AssertionError("no manifest for "
                    + name));
            assertEquals(name + "'s policy", policy, manifest.policy());
            for (Manifest.Chunk chunk : manifest.chunks()) {
                List<Integer> osds = chunk.fragments().stream().map(Manifest.Fragment::osd).toList();
                assertFalse(name + " has every fragment written: " + osds,
                        osds.contains(Manifest.Fragment.NOT_WRITTEN));
                assertFalse(name + " has nothing on the lost OSD " + absent + ": " + osds, osds.contains(absent));
                assertEquals(name + " has each fragment of a chunk on its own OSD: " + osds, osds.size(),
                        osds.stream().distinct().count());
            }
            assertArrayEquals(name + " reads back", o.getValue(), bytes(proxy.get(namespace, name).orElseThrow()));
        }
    }

    /**
     * A disk dies: the configuration of ASD {@code n} (etc/io.albireo.asd-N.cfg) is deleted, so the daemon stops and
     * its port closes, and then its data directory goes. Its driver stays, and finds nobody there.
     *
     * @return the OSD of the backend it was
     */
    protected ClaimedOsd loseAsd(String n) throws Exception {
        org.osgi.service.cm.Configuration asd = asdConfiguration(n);
        int port = Integer.parseInt(asd.getProperties().get("port").toString());
        Path data = Path.of(asd.getProperties().get("path").toString().replace("${karaf.data}",
                System.getProperty("karaf.data")));
        ClaimedOsd lost = abm.osds().stream().filter(o -> o.port() == port).findFirst()
                .orElseThrow(() -> new AssertionError("no claimed OSD on port " + port + ": " + abm.osds()));
        assertTrue("its data directory " + data, Files.isDirectory(data));
        // The ASD may have stopped before, when its bundle restarted at boot: this waits for one more stop.
        File log = new File(System.getProperty("karaf.data"), "log/karaf.log");
        String stopped = "ASD " + lost.longId() + " stopped";
        int stopsBefore = occurrences(read(log), stopped);
        asd.delete();
        await("ASD " + lost.longId() + " stops", () -> occurrences(read(log), stopped) > stopsBefore
                && !listening(port));
        deleteTree(data);
        return lost;
    }

    /**
     * A new disk: an ASD on a directory of its own under the data folder, on a free port of loopback, and its driver,
     * both as factory configurations an operator would add.
     *
     * @return its port
     */
    protected int addAsd(String n) throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Dictionary<String, Object> asd = new Hashtable<>();
        asd.put("path", System.getProperty("karaf.data") + "/asd/" + n);
        asd.put("bindAddress", "127.0.0.1");
        asd.put("port", Integer.toString(port));
        configurations.createFactoryConfiguration(ASD_PID, "?").update(asd);
        Dictionary<String, Object> driver = new Hashtable<>();
        driver.put("host", "127.0.0.1");
        driver.put("port", Integer.toString(port));
        configurations.createFactoryConfiguration(OSD_ASD_PID, "?").update(driver);
        return port;
    }

    /** @return the configuration of the ASD on directory {@code asd/N} (etc/io.albireo.asd-N.cfg for the default) */
    protected org.osgi.service.cm.Configuration asdConfiguration(String n) throws Exception {
        org.osgi.service.cm.Configuration[] found = configurations.listConfigurations("(service.factoryPid="
                + ASD_PID + ")");
        List<String> paths = new ArrayList<>();
        for (org.osgi.service.cm.Configuration c : found == null ? new org.osgi.service.cm.Configuration[0] : found) {
            Object path = c.getProperties().get("path");
            paths.add(String.valueOf(path));
            if (path != null && Path.of(path.toString()).getFileName().toString().equals(n)) {
                return c;
            }
        }
        throw new AssertionError("no configuration of ASD " + n + " among " + paths);
    }

    static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }

    static byte[] bytes(ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.get(b);
        return b;
    }

    static int occurrences(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    static String read(File file) {
        try {
            return file.isFile() ? Files.readString(file.toPath(), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls {@code condition} every 100 ms until it holds, for minutes: repair on two loaded cores takes its time. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, condition, () -> "");
    }

    /** As {@link #await(String, BooleanSupplier)}, and says {@code state} when it times out. */
    static void await(String what, BooleanSupplier condition, Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(MINUTES);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + MINUTES + " minutes waiting until " + what + ": "
                        + state.get());
            }
            Thread.sleep(100);
        }
    }
}
