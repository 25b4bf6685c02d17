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
import java.util.EnumSet;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

import io.albireo.api.maintenance.Maintenance;
import io.albireo.api.maintenance.MaintenanceStatus;
import io.albireo.api.maintenance.OsdHealth;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.Policy;
import io.albireo.api.object.ObjectStore;
import io.albireo.api.object.Overwrite;

/**
 * The default appliance loses a disk for real, and heals on its own: objects go in through the proxy at the default
 * preset's (4,2,5,6) on its six ASDs; then one ASD's configuration is deleted (the daemon stops, its port closes) and
 * its data directory with it, as a dead disk would leave things. The maintenance agent that every appliance runs
 * finds the OSD silent (suspect), marks it dead once it has been silent for {@code deadAfterSeconds} (set to 5 s
 * through ConfigAdmin once the appliance is up; 15 minutes by default), and rewrites every object to the best
 * fallback the five live OSDs can hold, (3,2,4,5). At the end the agent is idle, the lost OSD holds nothing, every
 * object reads back byte for byte, and the console ({@code maintenance:status}, {@code osd:list},
 * {@code namespace:verify}) says so.
 */
public class MaintenanceIT extends ApplianceTestSupport {
    private static final String NS = "maintenance-ns";
    private static final String ASD_PID = "io.albireo.asd";
    private static final String MAINTENANCE_PID = "io.albireo.maintenance";
    private static final Policy FULL = new Policy(4, 2, 5, 6);
    private static final Policy FALLBACK = new Policy(3, 2, 4, 5);
    /** CI runs on two loaded cores: waits are in minutes, and a wait that ends early costs nothing. */
    private static final long MINUTES = 4;

    @Inject
    AlbaManager abm;

    @Inject
    NamespaceManager nsm;

    @Inject
    ObjectStore proxy;

    /** The agent the appliance boots with, on the image's defaults (the test waits for it to be there). */
    @Inject
    Maintenance bootAgent;

    @Inject
    ConfigurationAdmin configurations;

    private ServiceTracker<Maintenance, Maintenance> tracker;

    @Configuration
    public Option[] configuration() {
        return Appliance.boot();
    }

    @Test
    public void aLostAsdIsFoundDeadAndEveryObjectIsRewrittenToTheFallbackOnTheOthers() throws Exception {
        await("the proxy claims the six ASDs and makes the default preset", () -> abm.defaultPreset().isPresent()
                && abm.osds().size() == Appliance.ASDS
                && abm.osds().stream().allMatch(o -> o.state() == ClaimedOsd.State.CLAIMED)
                && osdNames().size() == Appliance.ASDS);
        assertEquals("one agent runs on the appliance", 1, bootAgent.status().agents().size());
        assertFalse(bootAgent.status().paused());
        // The failure detector as a test can wait for it: a probe a second, dead after 5 s of silence (15 minutes by
        // default). Set once the appliance is up, as an operator would: at boot, while bundles still start and
        // restart, an ASD can be silent for seconds.
        fastFailureDetector();
        await("maintenance sees six live OSDs", () -> maintenance().osds().size() == Appliance.ASDS
                && maintenance().osds().stream().allMatch(h -> h.state() == OsdHealth.State.ALIVE));

        proxy.createNamespace(NS, null);
        Map<String, byte[]> objects = putObjects();
        for (String name : objects.keySet()) {
            assertEquals(name, FULL, nsm.get(NS, name).orElseThrow().policy());
        }

        // The ASD to lose, and its OSD in the backend: they share the port.
        org.osgi.service.cm.Configuration asd = asdConfiguration(3);
        int port = Integer.parseInt(asd.getProperties().get("port").toString());
        Path data = Path.of(asd.getProperties().get("path").toString().replace("${karaf.data}",
                System.getProperty("karaf.data")));
        ClaimedOsd lost = abm.osds().stream().filter(o -> o.port() == port).findFirst()
                .orElseThrow(() -> new AssertionError("no claimed OSD on port " + port + ": " + abm.osds()));
        assertTrue("the ASD to lose holds fragments", nsm.osdStatistics(NS, lost.number()).fragments() > 0);
        assertTrue("its data directory " + data, Files.isDirectory(data));

        // The disk dies: the daemon stops, and what it held is gone. Its driver stays, and finds nobody there. (The
        // ASD may have stopped before, when its bundle restarted at boot: this waits for one more stop.)
        File log = new File(System.getProperty("karaf.data"), "log/karaf.log");
        String stopped = "ASD " + lost.longId() + " stopped";
        int stopsBefore = occurrences(read(log), stopped);
        asd.delete();
        await("ASD " + lost.longId() + " stops", () -> occurrences(read(log), stopped) > stopsBefore
                && !listening(port));
        deleteTree(data);

        // Suspect from its first silent probe, dead after 5 s of silence; the ABM queues its repair.
        Set<OsdHealth.State> seen = EnumSet.noneOf(OsdHealth.State.class);
        await("the failure detector marks OSD " + lost.number() + " dead", () -> {
            OsdHealth.State state = health(lost.number()).state();
            seen.add(state);
            return abm.osd(lost.longId()).orElseThrow().state() == ClaimedOsd.State.DEAD
                    && (state == OsdHealth.State.DEAD || state == OsdHealth.State.EMPTY);
        });
        assertTrue("it was suspect before it was dead: " + seen, seen.contains(OsdHealth.State.SUSPECT));
        for (OsdHealth h : maintenance().osds()) {
            if (h.number() != lost.number()) {
                assertEquals("a live OSD: " + h, OsdHealth.State.ALIVE, h.state());
            }
        }

        // Maintenance rewrites everything the lost OSD held, collects what the rewrites left, and goes idle.
        await("maintenance repairs everything and goes idle", () -> {
            MaintenanceStatus s = maintenance().status();
            return s.idle() && s.lost().isEmpty() && nsm.osdStatistics(NS, lost.number()).fragments() == 0
                    && health(lost.number()).state() == OsdHealth.State.EMPTY;
        }, () -> "status " + maintenance().status() + ", OSD " + lost.number() + " holds "
                + nsm.osdStatistics(NS, lost.number()) + ", health " + maintenance().osds() + ", work "
                + abm.work(20));
        MaintenanceStatus status = maintenance().status();
        assertEquals(List.of(), status.jobs());
        assertTrue("nothing queued: " + status.queued(), status.queued().values().stream().allMatch(n -> n == 0));
        assertEquals(List.of(), status.lost());
        assertEquals(ClaimedOsd.State.DEAD, abm.osd(lost.longId()).orElseThrow().state());

        for (Map.Entry<String, byte[]> o : objects.entrySet()) {
            String name = o.getKey();
            Manifest manifest = nsm.get(NS, name).orElseThrow(() -> new AssertionError("no manifest for " + name));
            assertEquals(name + " is at the best fallback five OSDs hold", FALLBACK, manifest.policy());
            for (Manifest.Chunk chunk : manifest.chunks()) {
                List<Integer> osds = chunk.fragments().stream().map(Manifest.Fragment::osd).toList();
                assertFalse(name + " has every fragment written: " + osds,
                        osds.contains(Manifest.Fragment.NOT_WRITTEN));
                assertFalse(name + " has nothing on the lost OSD " + lost.number() + ": " + osds,
                        osds.contains(lost.number()));
                assertEquals(name + " has each fragment of a chunk on its own OSD: " + osds, osds.size(),
                        osds.stream().distinct().count());
            }
            assertArrayEquals(name + " reads back", o.getValue(), bytes(proxy.get(NS, name).orElseThrow()));
        }

        // The operator's view.
        String text = console("maintenance:status");
        assertTrue(text, text.contains("idle"));
        assertTrue(text, text.startsWith("agents " + status.agents().get(0)));
        assertFalse(text, text.contains("LOST"));
        String list = console("osd:list");
        String row = list.lines().filter(l -> l.contains(lost.longId())).findFirst()
                .orElseThrow(() -> new AssertionError("osd:list shows the lost OSD:\n" + list));
        assertTrue(list, row.contains("dead") && row.contains("empty"));
        List<String> others = list.lines().filter(l -> !l.contains(lost.longId()))
                .filter(l -> abm.osds().stream().anyMatch(o -> l.contains(o.longId()))).toList();
        assertEquals(list, Appliance.ASDS - 1, others.size());
        for (String other : others) {
            assertTrue(list, other.contains("claimed") && other.contains("alive"));
        }
        String verify = console("namespace:verify " + NS);
        assertTrue(verify, verify.contains(NS + ": " + objects.size() + " objects"));
        assertTrue(verify, verify.contains("0 missing, 0 corrupt; 0 objects repaired, 0 lost"));
    }

    /**
     * @return 40 objects of mixed sizes and kinds, put through the proxy: small and large, random and compressible,
     *         one over a chunk (16 MiB at (4,2,5,6) and 4 MiB fragments), by name
     */
    private Map<String, byte[]> putObjects() {
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
            proxy.put(NS, name, ByteBuffer.wrap(data), Overwrite.NONE);
            objects.put(name, data);
        }
        return objects;
    }

    /**
     * Sets the agent's probe to 1 s and its timeout to 5 s (and turns off the sweep for leftovers) through ConfigAdmin
     * (the typed Config of PID io.albireo.maintenance, whose file is etc/io.albireo.maintenance.cfg), and waits for the
     * agent to restart with them: DS registers the Maintenance service anew, with the configuration among its
     * properties.
     */
    private void fastFailureDetector() throws Exception {
        ServiceReference<Maintenance> before = context.getServiceReference(Maintenance.class);
        org.osgi.service.cm.Configuration[] existing = configurations.listConfigurations("(" + Constants.SERVICE_PID
                + "=" + MAINTENANCE_PID + ")");
        org.osgi.service.cm.Configuration config = existing != null ? existing[0]
                : configurations.getConfiguration(MAINTENANCE_PID, "?");
        Dictionary<String, Object> properties = config.getProperties() != null ? config.getProperties()
                : new Hashtable<>();
        // As config:property-set would put them: strings, which DS converts to the Config's types.
        properties.put("probeSeconds", "1");
        properties.put("deadAfterSeconds", "5");
        // No sweep for leftovers of dead proxies: one that runs while the repair writes would park the repair's
        // fragments in flight as candidates for the 24 h grace, and status() counts that item as queued until then.
        properties.put("sweepIntervalHours", "0");
        config.update(properties);
        tracker = new ServiceTracker<>(context, Maintenance.class, null);
        tracker.open();
        await("the agent restarts with the new configuration", () -> {
            ServiceReference<Maintenance> now = context.getServiceReference(Maintenance.class);
            return now != null && !now.getProperty(Constants.SERVICE_ID).equals(before.getProperty(
                    Constants.SERVICE_ID)) && "5".equals(String.valueOf(now.getProperty("deadAfterSeconds")));
        });
    }

    /** @return the agent's Maintenance service now (the injected one is the agent's before its restart) */
    private Maintenance maintenance() {
        Maintenance m = tracker.getService();
        if (m == null) {
            throw new AssertionError("no Maintenance service");
        }
        return m;
    }

    @After
    public void closeTracker() {
        if (tracker != null) {
            tracker.close();
        }
    }

    /** @return the configuration of the embedded default's ASD {@code n} (etc/io.albireo.asd-N.cfg) */
    private org.osgi.service.cm.Configuration asdConfiguration(int n) throws Exception {
        org.osgi.service.cm.Configuration[] found = configurations.listConfigurations("(service.factoryPid="
                + ASD_PID + ")");
        List<String> paths = new ArrayList<>();
        for (org.osgi.service.cm.Configuration c : found == null ? new org.osgi.service.cm.Configuration[0] : found) {
            Object path = c.getProperties().get("path");
            paths.add(String.valueOf(path));
            if (path != null && Path.of(path.toString()).getFileName().toString().equals(Integer.toString(n))) {
                return c;
            }
        }
        throw new AssertionError("no configuration of ASD " + n + " among " + paths);
    }

    private OsdHealth health(int number) {
        return maintenance().osds().stream().filter(h -> h.number() == number).findFirst()
                .orElseThrow(() -> new AssertionError("maintenance does not know OSD " + number));
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.get(b);
        return b;
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    private static String read(File file) {
        try {
            return file.isFile() ? Files.readString(file.toPath(), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls {@code condition} every 100 ms until it holds, for minutes: repair on two loaded cores takes its time. */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, condition, () -> "");
    }

    /** As {@link #await(String, BooleanSupplier)}, and says {@code state} when it times out. */
    private static void await(String what, BooleanSupplier condition, Supplier<String> state)
            throws InterruptedException {
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
