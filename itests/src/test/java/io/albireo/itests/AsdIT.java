package io.albireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;

import io.albireo.api.Assert;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdDiscovery;

/**
 * The embedded default appliance's storage tier, as an operator meets it: six ASDs on directories under the data
 * folder, an Osd service for each through the driver, discovery hearing all six over loopback multicast, and the
 * console commands (asd:list, osd:discovered, osd:bench). A driver pointed at the right port but configured with
 * another disk's long id is refused by the ASD and offers no service. The ports are moved to free ones so the test
 * never meets an appliance running on this machine.
 */
public class AsdIT extends ApplianceTestSupport {
    private static final int ASDS = Appliance.ASDS;
    private static final String WRONG_ID = "00000000-0000-4000-8000-000000000000";
    private static final Pattern LONG_ID = Pattern.compile("\"longId\"\\s*:\\s*\"([0-9a-f-]{36})\"");

    @Inject
    OsdDiscovery discovery;

    @Configuration
    public Option[] configuration() {
        Appliance.Ports ports = Appliance.Ports.free();
        // A seventh driver, at ASD 1's port, expecting a disk that is not there.
        String first = Integer.toString(ports.asds().get(0));
        return Appliance.boot(ports,
                editConfigurationFilePut("etc/io.albireo.osd.asd-wrong.cfg", "host", "127.0.0.1"),
                editConfigurationFilePut("etc/io.albireo.osd.asd-wrong.cfg", "port", first),
                editConfigurationFilePut("etc/io.albireo.osd.asd-wrong.cfg", "longId", WRONG_ID));
    }

    @Test
    public void sixAsdsServeAsOsdServicesAndAreDiscovered() throws Exception {
        Set<String> local = localLongIds();
        assertEquals("asd:list shows six ASDs: " + local, ASDS, local.size());

        Appliance.await("an Osd service for each of the six ASDs", () -> new TreeSet<>(osdNames()).containsAll(local));
        assertEquals("no Osd service but the six", local, new TreeSet<>(osdNames()));

        Appliance.await("discovery hears all six ASDs", () -> discovery.discovered().stream()
                .map(d -> d.announcement().longId()).collect(Collectors.toSet()).containsAll(local));
        String discovered = console("osd:discovered");
        for (String id : local) {
            assertTrue("osd:discovered shows " + id + ":\n" + discovered, discovered.contains(id));
        }
        for (OsdDiscovery.Discovered d : discovery.discovered()) {
            if (local.contains(d.announcement().longId())) {
                assertTrue("an announcement carries the capacity: " + d, d.announcement().total() > 0);
                assertEquals("asd", d.announcement().kind());
            }
        }

        File data = new File(System.getProperty("karaf.data"), "asd");
        assertEquals("six data directories under data/asd", ASDS, data.list().length);
    }

    @Test
    public void anOsdServiceAppliesAndReadsWithCompareAndSet() throws Exception {
        Osd osd = anyOsd();
        Bytes key = Bytes.utf8("itest/" + System.nanoTime());
        ByteBuffer big = ByteBuffer.wrap(new byte[300_000]); // a blob file, not a RocksDB value
        big.put(123_456, (byte) 7);
        osd.apply(List.of(Assert.absent(key)), List.of(Update.set(key, big.duplicate()))).get(30, TimeUnit.SECONDS);
        assertEquals(big, osd.get(List.of(key)).get(30, TimeUnit.SECONDS).get(0).orElseThrow());
        ByteBuffer slice = osd.getSlices(List.of(new Osd.Slice(key, 123_450, 10))).get(30, TimeUnit.SECONDS).get(0)
                .orElseThrow();
        assertEquals(7, slice.get(6));

        // The same assert again fails, names the key, and changes nothing.
        Throwable failure = null;
        try {
            osd.apply(List.of(Assert.absent(key)), List.of(Update.set(key, Bytes.utf8("lost").asReadOnlyBuffer())))
                    .get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            failure = e.getCause();
        }
        assertTrue("the second apply fails its assert: " + failure, failure instanceof AssertFailedException);
        assertEquals(key, ((AssertFailedException) failure).key());
        assertEquals(big, osd.get(List.of(key)).get(30, TimeUnit.SECONDS).get(0).orElseThrow());

        osd.apply(List.of(), List.of(Update.delete(key))).get(30, TimeUnit.SECONDS);
        assertEquals(Optional.empty(), osd.get(List.of(key)).get(30, TimeUnit.SECONDS).get(0));
        assertTrue(osd.diskUsage().get(30, TimeUnit.SECONDS).capacity() > 0);
    }

    @Test
    public void aDriverExpectingAnotherDiskIsRefusedAndOffersNoService() throws Exception {
        File log = new File(System.getProperty("karaf.data"), "log/karaf.log");
        Appliance.await("the ASD's refusal is logged", () -> read(log).contains("not " + WRONG_ID));
        assertFalse("no Osd service for the wrong long id", osdNames().contains(WRONG_ID));
        assertEquals("the driver adopted nothing else either", localLongIds(), new TreeSet<>(osdNames()));
    }

    @Test
    public void osdBenchMeasuresAnOsdAndCleansUp() throws Exception {
        String id = localLongIds().iterator().next();
        Appliance.await("the Osd service of " + id, () -> osdNames().contains(id));
        String out = console("osd:bench --clients 2 --size 65536 --seconds 1 " + id);
        for (String phase : new String[] {"write", "get", "get-slices", "delete"}) {
            Matcher row = Pattern.compile("(?m)^\\s+" + phase + "\\s+(\\d+)\\s+.*\\s(\\d+)$").matcher(out);
            assertTrue("a " + phase + " row:\n" + out, row.find());
            assertTrue(phase + " did some operations:\n" + out, Long.parseLong(row.group(1)) > 0);
            assertEquals(phase + " had no errors:\n" + out, "0", row.group(2));
        }
        assertTrue(out, out.contains("is deleted"));
        // The ASD's own counters, through the driver: the bench's applies and slice reads are among them.
        String stats = console("osd:stats " + id);
        for (String operation : new String[] {"apply", "getSlices"}) {
            Matcher row = Pattern.compile("(?m)^" + Pattern.quote(id) + "\\s+\\|?\\s*" + operation
                    + "\\s+\\|?\\s*(\\d+)").matcher(stats);
            assertTrue("an " + operation + " row:\n" + stats, row.find());
            assertTrue(operation + " counted:\n" + stats, Long.parseLong(row.group(1)) > 0);
        }
    }

    @Test
    public void asdListAnswersThroughBinClient() throws Exception {
        Appliance.ClientRun run = Appliance.binClient("asd:list");
        assertEquals(run.output(), 0, run.exit());
        for (String id : localLongIds()) {
            assertTrue(run.output(), run.output().contains(id));
        }
    }

    /** The RocksDB bundle carries only the native library of the one platform the appliance runs on. */
    @Test
    public void theRocksDbBundleCarriesOnlyLinux64() {
        Bundle rocksdb = Appliance.bundle(context, "io.albireo.thirdparty.rocksdb");
        Enumeration<java.net.URL> libraries = rocksdb.findEntries("/", "*.so", true);
        List<String> names = new ArrayList<>();
        if (libraries != null) {
            Collections.list(libraries).forEach(u -> names.add(new File(u.getPath()).getName()));
        }
        assertEquals(List.of("librocksdbjni-linux64.so"), names);
        assertNotNull(rocksdb.getHeaders().get("Bundle-NativeCode"));
    }

    private Set<String> localLongIds() throws Exception {
        Matcher m = LONG_ID.matcher(console("asd:list --json"));
        Set<String> ids = new TreeSet<>();
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }


    private Osd anyOsd() throws Exception {
        Appliance.await("an Osd service", () -> !osdNames().isEmpty());
        return context.getService(context.getServiceReferences(Osd.class, null).iterator().next());
    }

    private static String read(File file) {
        try {
            return file.isFile() ? Files.readString(file.toPath(), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
