package io.albireo.discovery.internal;

import static io.albireo.discovery.internal.TestNet.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.albireo.api.osd.OsdDiscovery.Discovered;

/**
 * Discovery across network namespaces, over a veth pair: what two nodes on one link do. This host's side (in the
 * test's namespace) listens on its veth end, named by address; the other node runs in a namespace of its own, as a
 * child JVM ({@link NetnsNode}), sending on its end, named by interface. Every datagram stays on this machine. Needs
 * root (ip netns); skipped otherwise.
 */
class NetnsDiscoveryTest {
    private static String namespace;
    private static String here;
    private static String there;
    private static String hereAddress;
    private static String thereAddress;
    private static String late;
    private static String lateAddress;

    @BeforeAll
    static void createVethPairAcrossNamespaces() throws Exception {
        Assumptions.assumeTrue(run("ip", "netns", "list") == 0, "needs ip netns (root): skipped");
        String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
        namespace = "albireo-disc-" + tag;
        here = "ad" + tag + "h";
        there = "ad" + tag + "t";
        // A random /30 of 10.250.0.0/16 for the pair: only its two ends use it, in two namespaces of this machine.
        int base = ThreadLocalRandom.current().nextInt(1 << 14) * 4;
        String prefix = "10.250." + (base >> 8) + ".";
        hereAddress = prefix + ((base & 0xff) + 1);
        thereAddress = prefix + ((base & 0xff) + 2);
        late = "ad" + tag + "l";
        lateAddress = "10.251." + (base >> 8) + "." + ((base & 0xff) + 1);
        for (String[] command : List.of(
                new String[] {"ip", "netns", "add", namespace},
                new String[] {"ip", "link", "add", here, "type", "veth", "peer", "name", there, "netns", namespace},
                new String[] {"ip", "addr", "add", hereAddress + "/30", "dev", here},
                new String[] {"ip", "link", "set", here, "up"},
                new String[] {"ip", "-n", namespace, "addr", "add", thereAddress + "/30", "dev", there},
                new String[] {"ip", "-n", namespace, "link", "set", there, "up"},
                new String[] {"ip", "-n", namespace, "link", "set", "lo", "up"})) {
            assertEquals(0, run(command), String.join(" ", command));
        }
    }

    @AfterAll
    static void deleteThem() throws Exception {
        if (namespace != null) {
            run("ip", "link", "del", late);
            // Our end first: deleting it removes the pair at once, while a namespace is torn down asynchronously.
            run("ip", "link", "del", here);
            run("ip", "netns", "del", namespace);
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(10, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    /** The other node: announces {@code longId} from the namespace with this TTL, and listens there too. */
    private static final class OtherNode implements AutoCloseable {
        final Process process;
        final List<String> lines = new ArrayList<>();

        OtherNode(Inet4Address group, int port, int ttl, String longId) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder("ip", "netns", "exec", namespace, java, "-cp",
                    System.getProperty("java.class.path"), NetnsNode.class.getName(), there,
                    group.getHostAddress(), Integer.toString(port), Integer.toString(ttl), longId)
                    .redirectErrorStream(true).start();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null;) {
                        synchronized (lines) {
                            lines.add(line);
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        /** Awaits the condition while this node runs; a failure shows what it printed. */
        void await(String what, java.util.function.BooleanSupplier condition) {
            try {
                TestNet.await(what, () -> condition.getAsBoolean() || !process.isAlive());
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; the other node printed:\n" + output(), e);
            }
            assertTrue(condition.getAsBoolean(), "the other node ended; it printed:\n" + output());
        }

        boolean said(String line) {
            synchronized (lines) {
                return lines.contains(line);
            }
        }

        String output() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private MulticastDiscovery listenHere(Inet4Address group, int port) {
        return TestNet.started(new Settings(group, port, hereAddress, TestNet.INTERVAL, TestNet.EXPIRY_INTERVALS, 1,
                true, false));
    }

    @Test
    void ttlOneCrossesTheLink() throws Exception {
        Inet4Address group = TestNet.randomGroup();
        int port = TestNet.freePort();
        try (MulticastDiscovery listener = listenHere(group, port);
                OtherNode other = new OtherNode(group, port, 1, "osd-across")) {
            other.await("the other namespace's OSD heard here", () -> find(listener, "osd-across").isPresent());
            Discovered heard = find(listener, "osd-across").orElseThrow();
            assertEquals(thereAddress, heard.source(), "sent from the configured interface's address");
            assertEquals("netns-node", heard.announcement().nodeId());
        }
    }

    @Test
    void anInterfaceThatComesUpLaterIsUsedOnceItIs() throws Exception {
        // Configured before the interface exists, as when the appliance starts before the storage network is up.
        Settings settings = new Settings(TestNet.randomGroup(), TestNet.freePort(), late, TestNet.INTERVAL,
                TestNet.EXPIRY_INTERVALS, 1, true, true);
        try (MulticastDiscovery node = new MulticastDiscovery(() -> settings)) {
            assertFalse(node.status().bound());
            assertTrue(node.status().problem().contains(late + " does not exist"), node.status().problem());
            node.announce(() -> TestNet.announcement("osd-on-late-nic", 1));
            for (String[] command : List.of(
                    new String[] {"ip", "link", "add", late, "type", "veth", "peer", "name", late + "p", "netns",
                        namespace},
                    new String[] {"ip", "addr", "add", lateAddress + "/30", "dev", late},
                    new String[] {"ip", "link", "set", late, "up"},
                    new String[] {"ip", "-n", namespace, "link", "set", late + "p", "up"})) {
                assertEquals(0, run(command), String.join(" ", command));
            }
            TestNet.await("bound once the interface is up", () -> node.status().bound());
            assertEquals(late + " (" + lateAddress + ")", node.status().nic());
            TestNet.await("its OSD heard on the new interface", () -> find(node, "osd-on-late-nic").isPresent());
            assertEquals(lateAddress, find(node, "osd-on-late-nic").orElseThrow().source());
        } finally {
            run("ip", "link", "del", late);
        }
    }

    @Test
    void ttlZeroStaysOnTheSendingHost() throws Exception {
        Inet4Address group = TestNet.randomGroup();
        int port = TestNet.freePort();
        try (MulticastDiscovery listener = listenHere(group, port);
                OtherNode other = new OtherNode(group, port, 0, "osd-host-only")) {
            // The other node hears itself five times: its datagrams went out, with TTL 0, and looped back locally.
            other.await("the other node hearing itself", () -> other.said("heard-own 5"));
            assertTrue(find(listener, "osd-host-only").isEmpty(), "a TTL 0 datagram crossed the link");
            assertEquals(0, listener.counters().acceptedCount());
        }
    }
}
