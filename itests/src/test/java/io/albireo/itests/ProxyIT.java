package io.albireo.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.Command;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.parsing.CommandLineImpl;
import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;

import io.albireo.api.AssertFailedException;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectStore;
import io.albireo.api.object.Overwrite;
import io.albireo.proxy.client.ProxyClient;

/**
 * The object store of the default appliance, as an operator and a remote volume driver meet it: right after boot the
 * proxy has claimed the six ASDs and made the default preset, objects go in and out through the console (bin/client)
 * and through the proxy protocol with the Java client, byte ranges read back exactly, conditions hold, and the
 * default preset's key is in the backend, wrapped under the KEK in etc/, and rotates.
 */
public class ProxyIT extends ApplianceTestSupport {
    @Inject
    AlbaManager abm;

    @Inject
    ObjectStore proxy;

    @Configuration
    public Option[] configuration() {
        // The client is not part of a proxy node; it boots here too, from the image, to talk to the proxy as a remote
        // node would.
        List<String> boot = new ArrayList<>(Appliance.imageBootFeatures());
        boot.add("albireo-proxy-client");
        return Appliance.boot(Appliance.Ports.free(), boot);
    }

    @Test
    public void theDefaultApplianceStoresObjectsRightAfterBoot() throws Exception {
        Appliance.await("the proxy claims the six ASDs", () -> abm.osds().size() == 6);
        assertTrue(abm.osds().stream().allMatch(o -> o.state() == ClaimedOsd.State.CLAIMED));
        assertEquals(Optional.of("default"), abm.defaultPreset());
        assertEquals("aes-256-gcm", abm.preset("default").orElseThrow().cipher());

        File in = File.createTempFile("itest-object", ".bin");
        byte[] bytes = new byte[3_000_000];
        new Random(7).nextBytes(bytes);
        Files.write(in.toPath(), bytes);
        File out = new File(in.getPath() + ".out");
        assertEquals(0, Appliance.binClient("namespace:create console-ns").exit());
        Appliance.ClientRun put = Appliance.binClient("object:put console-ns big " + in.getPath());
        assertEquals(put.output(), 0, put.exit());
        Appliance.ClientRun get = Appliance.binClient("object:get console-ns big " + out.getPath());
        assertEquals(get.output(), 0, get.exit());
        assertArrayEquals(bytes, Files.readAllBytes(out.toPath()));

        String stat = console("object:stat console-ns big");
        assertTrue(stat, stat.contains("3000000") && stat.contains("aes-256-gcm") && stat.contains("lz4"));
        Manifest manifest = proxy.manifest("console-ns", "big").orElseThrow();
        for (Manifest.Chunk chunk : manifest.chunks()) {
            assertEquals("every fragment on its own OSD", chunk.fragments().size(),
                    chunk.fragments().stream().mapToInt(Manifest.Fragment::osd).distinct().count());
        }
        Appliance.ClientRun missing = Appliance.binClient("object:get console-ns nothing " + out.getPath());
        assertEquals(missing.output(), 1, missing.exit());
    }

    @Test
    public void aRemoteClientPutsStreamsReadsRangesAndDeletes() throws Exception {
        Appliance.await("the default preset", () -> abm.defaultPreset().isPresent() && abm.osds().size() == 6);
        try (ProxyClient client = ProxyClient.connect("127.0.0.1",
                Integer.getInteger(Appliance.PROXY_PORT), ProxyClient.Settings.DEFAULT)) {
            client.createNamespace("remote-ns", null);
            assertTrue(client.listNamespaces().contains("remote-ns"));
            byte[] bytes = new byte[9_500_000]; // streamed in many protocol frames
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i % 251 < 200 ? 'a' + i % 7 : i * 31); // compressible, not trivially
            }
            ObjectInfo info = client.put("remote-ns", "stream", new ByteArrayInputStream(bytes), Overwrite.NONE);
            assertEquals(bytes.length, info.size());
            assertEquals(ByteBuffer.wrap(bytes), client.get("remote-ns", "stream").orElseThrow());

            Random random = new Random(11);
            List<ObjectStore.ObjectRange> ranges = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int length = 1 + random.nextInt(20_000);
                ranges.add(new ObjectStore.ObjectRange("remote-ns", "stream", random.nextInt(bytes.length - length),
                        length));
            }
            List<ByteBuffer> read = client.read(ranges);
            for (int i = 0; i < ranges.size(); i++) {
                ObjectStore.ObjectRange r = ranges.get(i);
                assertEquals("range " + r, ByteBuffer.wrap(bytes, (int) r.offset(), r.length()), read.get(i));
            }

            assertThrows(AssertFailedException.class, () -> client.put("remote-ns", "stream",
                    ByteBuffer.wrap(new byte[10]), Overwrite.NONE));
            ObjectInfo replaced = client.put("remote-ns", "stream", ByteBuffer.wrap(new byte[10]),
                    Overwrite.previous(info.objectId()));
            assertFalse(replaced.objectId().equals(info.objectId()));
            assertEquals(10, client.stat("remote-ns", "stream").orElseThrow().size());
            assertEquals(List.of("stream"), client.list("remote-ns", "", null, 10).names());
            assertTrue(client.delete("remote-ns", "stream"));
            assertEquals(Optional.empty(), client.stat("remote-ns", "stream"));
        }
    }

    /**
     * The default preset's key is in the ABM, wrapped under the KEK the proxy made in etc/ (owner-only) at the first
     * encrypted put; key:rotate through bin/client gives new writes a new version and the old objects read on.
     */
    @Test
    public void keysLiveInTheBackendWrappedUnderTheKekAndRotate() throws Exception {
        Appliance.await("the default preset", () -> abm.defaultPreset().isPresent() && abm.osds().size() == 6);
        proxy.createNamespace("keys-ns", null);
        byte[] before = new byte[200_000];
        new Random(3).nextBytes(before);
        proxy.put("keys-ns", "before", ByteBuffer.wrap(before), Overwrite.NONE);
        assertEquals("preset-default", abm.currentKey("preset-default").orElseThrow().id());
        Path kek = Path.of(System.getProperty("karaf.etc"), "io.albireo.proxy.kek");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kek)));
        assertFalse(Files.exists(kek.resolveSibling("io.albireo.proxy.keys")));

        Appliance.ClientRun list = Appliance.binClient("key:list");
        assertEquals(list.output(), 0, list.exit());
        assertTrue(list.output(), list.output().contains("preset-default") && list.output().contains("256"));
        Appliance.ClientRun rotate = Appliance.binClient("key:rotate default");
        assertEquals(rotate.output(), 0, rotate.exit());
        assertTrue(rotate.output(), rotate.output().contains("preset-default@v2"));
        byte[] after = new byte[200_000];
        new Random(4).nextBytes(after);
        proxy.put("keys-ns", "after", ByteBuffer.wrap(after), Overwrite.NONE);
        assertEquals("preset-default", proxy.manifest("keys-ns", "before").orElseThrow().keyId());
        assertEquals("preset-default@v2", proxy.manifest("keys-ns", "after").orElseThrow().keyId());
        assertEquals(ByteBuffer.wrap(before), proxy.get("keys-ns", "before").orElseThrow());
        assertEquals(ByteBuffer.wrap(after), proxy.get("keys-ns", "after").orElseThrow());
        String json = console("key:list --json");
        assertTrue(json, json.contains("\"preset-default@v2\""));

        assertEquals(0, Appliance.binClient("preset:create plain-preset").exit());
        Appliance.ClientRun plain = Appliance.binClient("key:rotate plain-preset");
        assertEquals(plain.output(), 1, plain.exit());
        assertTrue(plain.output(), plain.output().contains("preset plain-preset has no cipher"));
    }

    /**
     * proxy:stats --json counts exactly what happened: one put of 100,000 bytes moves puts by one and bytesWritten by
     * 100,000 and no read counter; one get moves gets by one and bytesRead by 100,000 and no write counter.
     */
    @Test
    public void proxyStatsCountsWhatHappened() throws Exception {
        Appliance.await("the default preset", () -> abm.defaultPreset().isPresent() && abm.osds().size() == 6);
        proxy.createNamespace("stats-ns", null);
        Map<String, Long> before = proxyStats();
        proxy.put("stats-ns", "a", ByteBuffer.wrap(new byte[100_000]), Overwrite.NONE);
        Map<String, Long> afterPut = proxyStats();
        proxy.get("stats-ns", "a").orElseThrow();
        Map<String, Long> afterGet = proxyStats();

        assertEquals("the put", new TreeMap<>(Map.of("puts", 1L, "bytesWritten", 100_000L, "putFailures", 0L,
                "gets", 0L, "bytesRead", 0L, "partialReads", 0L, "deletes", 0L)), moved(before, afterPut));
        assertEquals("the get", new TreeMap<>(Map.of("puts", 0L, "bytesWritten", 0L, "putFailures", 0L,
                "gets", 1L, "bytesRead", 100_000L, "partialReads", 0L, "deletes", 0L)), moved(afterPut, afterGet));
    }

    /** @return how far each operation counter moved from {@code from} to {@code to} */
    private static Map<String, Long> moved(Map<String, Long> from, Map<String, Long> to) {
        Map<String, Long> delta = new TreeMap<>();
        for (String counter : List.of("puts", "bytesWritten", "putFailures", "gets", "bytesRead", "partialReads",
                "deletes")) {
            assertTrue("proxy:stats reports " + counter + ": " + to,
                    from.containsKey(counter) && to.containsKey(counter));
            delta.put(counter, to.get(counter) - from.get(counter));
        }
        return delta;
    }

    private static final Pattern STATS_MEMBER = Pattern.compile("\"(\\w+)\"\\s*:\\s*(-?\\d+)");

    /**
     * @return the counters of {@code proxy:stats --json}: one flat JSON object of numbers (the probe has no JSON
     *         library, and the object is simple enough to read whole with a pattern; every member must match)
     */
    private Map<String, Long> proxyStats() throws Exception {
        String json = console("proxy:stats --json").strip();
        assertTrue(json, json.startsWith("{") && json.endsWith("}"));
        String body = json.substring(1, json.length() - 1).strip();
        Map<String, Long> counters = new LinkedHashMap<>();
        for (String member : body.split(",")) {
            Matcher m = STATS_MEMBER.matcher(member.strip());
            assertTrue("not a counter: '" + member + "' in " + json, m.matches());
            counters.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return counters;
    }

    /**
     * The console completes the names commands take, through completers most of which live in another bundle than the
     * commands (io.albireo.console.support, registered by the console bundle): namespaces for object:* and
     * namespace:*, presets for preset:* and --preset, the Osd services for osd:bench and osd:claim, this backend's
     * claimed OSDs for osd:purge. It asks each command's own completer, as the tab key does.
     */
    @Test
    public void namesCompleteAtTheConsole() throws Exception {
        Appliance.await("the default preset", () -> abm.defaultPreset().isPresent() && abm.osds().size() == 6);
        proxy.createNamespace("completion-ns", null);
        Appliance.await("object:get completes namespaces",
                () -> completions("object:get completion-").equals(List.of("completion-ns")));
        assertEquals(List.of("completion-ns"), completions("object:put complet"));
        assertTrue(completions("namespace:show ").contains("completion-ns"));
        assertEquals(List.of("default"), completions("preset:show defa"));
        assertTrue(completions("namespace:create --preset ").contains("default"));
        assertTrue(completions("proxy:bench --preset ").contains("default"));
        List<String> osds = osdNames();
        assertEquals(6, osds.size());
        assertEquals(osds, completions("osd:bench "));
        assertEquals(osds, completions("osd:claim "));
        assertEquals(abm.osds().stream().map(ClaimedOsd::longId).sorted().toList(), completions("osd:purge "));
    }

    /**
     * @return the values the console offers at the end of {@code line} (option names aside), sorted: the command's
     *         completer asked in a new session with Karaf's own parsed command line, as the tab key asks it
     */
    private List<String> completions(String line) {
        String[] words = line.split(" ", -1);
        String[] scopeAndName = words[0].split(":");
        try (Session session = sessions.create(new ByteArrayInputStream(new byte[0]), System.out, System.out)) {
            Command command = session.getRegistry().getCommands().stream()
                    .filter(c -> c.getScope().equals(scopeAndName[0]) && c.getName().equals(scopeAndName[1]))
                    .findFirst().orElseThrow(() -> new AssertionError("no command " + words[0]));
            int last = words.length - 1;
            List<Candidate> candidates = new ArrayList<>();
            command.getCompleter(true).completeCandidates(session,
                    new CommandLineImpl(words, last, words[last].length(), line.length(), line), candidates);
            return candidates.stream().map(c -> c.value().strip()).filter(v -> !v.startsWith("-")).distinct()
                    .sorted().toList();
        }
    }
}
