package io.albireo.discovery.internal;

import static io.albireo.discovery.internal.TestNet.announcement;
import static io.albireo.discovery.internal.TestNet.await;
import static io.albireo.discovery.internal.TestNet.find;
import static io.albireo.discovery.internal.TestNet.loopback;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.albireo.api.osd.OsdAnnouncement;
import io.albireo.api.osd.OsdAnnouncer;
import io.albireo.api.osd.OsdDiscovery.Discovered;

/**
 * Announcers and listeners as separate instances on one machine, over real multicast on lo: what two appliances on one
 * host, or an ASD and the node's discovery, do.
 */
class LoopbackDiscoveryTest {
    private Inet4Address group;
    private int port;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void pickGroupAndPort() throws IOException {
        group = TestNet.randomGroup();
        port = TestNet.freePort();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
    }

    private MulticastDiscovery start(Settings settings) {
        MulticastDiscovery d = TestNet.started(settings);
        opened.add(d);
        return d;
    }

    private MulticastDiscovery sender() throws IOException {
        return start(loopback(group, port, false, true));
    }

    private MulticastDiscovery listener() throws IOException {
        return start(loopback(group, port, true, false));
    }

    @Test
    void aListenerHearsAnAnnouncerAndUpdatesAndForgetsIt() throws Exception {
        MulticastDiscovery sender = sender();
        MulticastDiscovery listener = listener();
        AtomicLong used = new AtomicLong(100);
        OsdAnnouncer.Registration registration = sender.announce(() -> announcement("osd-a", used.get()));

        await("osd-a heard", () -> find(listener, "osd-a").isPresent());
        Discovered heard = find(listener, "osd-a").orElseThrow();
        assertEquals(announcement("osd-a", 100), heard.announcement(), "every field as sent");
        assertEquals("127.0.0.1", heard.source(), "sent from lo's address");
        assertFalse(heard.lastSeen().isBefore(heard.firstSeen()));

        used.set(200);
        await("the new used bytes", () -> find(listener, "osd-a").map(d -> d.announcement().used() == 200)
                .orElse(false));
        assertEquals(1, listener.discovered().size(), "replaced, not added");
        assertEquals(heard.firstSeen(), find(listener, "osd-a").orElseThrow().firstSeen());

        registration.close();
        // If anything were still sent every 100 ms, osd-a would never be 1 s old.
        await("osd-a forgotten", () -> find(listener, "osd-a").isEmpty());
        long accepted = listener.counters().acceptedCount();
        Thread.sleep(3 * TestNet.INTERVAL.toMillis());
        assertEquals(accepted, listener.counters().acceptedCount(), "nothing heard after the registration closed");
        assertEquals(0, sender.status().registered());
    }

    @Test
    void oneInstanceHearsItsOwnOsdsWithTtlZeroToo() throws Exception {
        // The appliance's default: one node on lo, sending and listening. TTL 0 works on lo as well as 1.
        MulticastDiscovery both = start(new Settings(group, port, "lo", TestNet.INTERVAL, TestNet.EXPIRY_INTERVALS, 0,
                true, true));
        both.announce(() -> announcement("osd-self", 1));
        await("its own OSD heard", () -> find(both, "osd-self").isPresent());
        assertEquals("127.0.0.1", find(both, "osd-self").orElseThrow().source());
    }

    @Test
    void twoListenersHearSeveralOsds() throws Exception {
        MulticastDiscovery sender = sender();
        MulticastDiscovery first = listener();
        MulticastDiscovery second = listener();
        Set<String> ids = Set.of("osd-1", "osd-2", "osd-3", "osd-4", "osd-5");
        for (String id : ids) {
            sender.announce(() -> announcement(id, 1));
        }
        assertEquals(ids.size(), sender.status().registered());
        for (MulticastDiscovery listener : List.of(first, second)) {
            await("every OSD heard by both listeners", () -> longIds(listener).equals(ids));
        }
    }

    private static Set<String> longIds(MulticastDiscovery d) {
        return d.discovered().stream().map(x -> x.announcement().longId()).collect(Collectors.toSet());
    }

    @Test
    void dropsWhatIsNotAnAnnouncementAndGoesOn() throws Exception {
        MulticastDiscovery listener = listener();
        Counters counters = listener.counters();
        try (TestNet.RawSender raw = new TestNet.RawSender(group, port)) {
            raw.send(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}); // not UTF-8
            raw.send("not json".getBytes(StandardCharsets.UTF_8));
            raw.send(new byte[AnnouncementCodec.MAX_DATAGRAM + 1]);
            raw.send(new byte[65_507]); // the largest UDP datagram: truncated on receipt, still seen as too large
            raw.send("{\"version\":1,\"kind\":\"asd\"}".getBytes(StandardCharsets.UTF_8));
            raw.send("{\"version\":7,\"whatever\":[]}".getBytes(StandardCharsets.UTF_8));
            // One sender, one receiving socket: datagrams arrive in order, so the last one shows all were handled.
            raw.send(AnnouncementCodec.encode(announcement("osd-after-garbage", 1)));
            await("the valid announcement after the garbage", () -> find(listener, "osd-after-garbage").isPresent());
        }
        assertEquals(2, counters.droppedCount(Drop.MALFORMED));
        assertEquals(2, counters.droppedCount(Drop.OVERSIZED));
        assertEquals(1, counters.droppedCount(Drop.INVALID));
        assertEquals(1, counters.droppedCount(Drop.UNKNOWN_VERSION));
        assertEquals(1, counters.acceptedCount());
        assertEquals(List.of("osd-after-garbage"),
                listener.discovered().stream().map(d -> d.announcement().longId()).toList());
        assertEquals(1L, listener.status().dropped().get("unknown_version"));
    }

    @Test
    void aClosedRegistrationSendsNothingEvenWhenItsSendWasUnderWay() throws Exception {
        MulticastDiscovery sender = start(new Settings(group, port, "lo", java.time.Duration.ofHours(1), 3, 1, false,
                true));
        MulticastDiscovery listener = listener();
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        OsdAnnouncer.Registration slow = sender.announce(() -> {
            asked.countDown();
            try {
                answer.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return announcement("osd-closed", 1);
        });
        assertTrue(asked.await(10, TimeUnit.SECONDS), "the announcer asked for the announcement");
        slow.close(); // while the announcer waits for the announcement it is about to send
        sender.announce(() -> announcement("osd-sentinel", 1)); // queued behind it on the announcer's one thread
        answer.countDown();
        await("the sentinel heard", () -> find(listener, "osd-sentinel").isPresent());
        // Sent after it from the same socket, the closed OSD's datagram would have arrived first.
        assertEquals(List.of("osd-sentinel"), listener.discovered().stream().map(d -> d.announcement().longId())
                .toList());
    }

    @Test
    void aSupplierThatFailsOrGivesNullOrBadDataIsSkippedAndOthersGoOn() throws Exception {
        MulticastDiscovery sender = sender();
        MulticastDiscovery listener = listener();
        AtomicInteger calls = new AtomicInteger();
        sender.announce(() -> {
            if (calls.incrementAndGet() % 2 == 0) {
                throw new IllegalStateException("the OSD is busy");
            }
            return announcement("osd-flaky", 1);
        });
        sender.announce(() -> null);
        sender.announce(() -> new OsdAnnouncement(1, "asd", "osd-bad\u001b[2J", "node", List.of("127.0.0.1"), 1, 0, 0,
                ""));
        sender.announce(() -> announcement("osd-good", 1));
        await("the good and the flaky OSD heard", () -> longIds(listener).equals(Set.of("osd-flaky", "osd-good")));
        await("the flaky supplier asked again after failing", () -> calls.get() >= 4);
        assertEquals(Set.of("osd-flaky", "osd-good"), longIds(listener));
        assertEquals(0, listener.counters().droppedCount(Drop.INVALID), "the bad one was never sent");
    }

    @Test
    void reconfigurationRebindsAndKeepsTheRegistrations() throws Exception {
        int otherPort = TestNet.freePort();
        MulticastDiscovery node = start(loopback(group, port, true, true));
        MulticastDiscovery onFirstPort = listener();
        MulticastDiscovery onOtherPort = start(loopback(group, otherPort, true, false));
        node.announce(() -> announcement("osd-moving", 1));
        await("heard on the first port", () -> find(onFirstPort, "osd-moving").isPresent());

        node.reconfigure(loopback(group, otherPort, true, true));
        await("heard on the other port", () -> find(onOtherPort, "osd-moving").isPresent());
        assertEquals(1, node.status().registered(), "the registration survived the rebind");
        assertEquals(otherPort, node.status().port());

        // The node's listener moved too: it hears the other port, and no longer the first.
        try (TestNet.RawSender first = new TestNet.RawSender(group, port);
                TestNet.RawSender other = new TestNet.RawSender(group, otherPort)) {
            other.send(AnnouncementCodec.encode(announcement("osd-on-other-port", 1)));
            await("the node hears the other port", () -> find(node, "osd-on-other-port").isPresent());
            first.send(AnnouncementCodec.encode(announcement("osd-on-first-port", 1)));
            await("the first port still carries announcements",
                    () -> find(onFirstPort, "osd-on-first-port").isPresent());
        }
        assertTrue(find(node, "osd-on-first-port").isEmpty(), "the old socket was closed before reconfigure returned");
    }

    @Test
    void registrationsWaitWhileSendingIsOffAndGoOutWhenItIsOn() throws Exception {
        MulticastDiscovery node = start(loopback(group, port, false, false));
        MulticastDiscovery listener = listener();
        AtomicInteger calls = new AtomicInteger();
        node.announce(() -> {
            calls.incrementAndGet();
            return announcement("osd-waiting", 1);
        });
        Thread.sleep(3 * TestNet.INTERVAL.toMillis());
        assertEquals(0, calls.get(), "not even asked while sending is off");
        node.reconfigure(loopback(group, port, false, true));
        await("announced once sending is on", () -> find(listener, "osd-waiting").isPresent());
    }

    @Test
    void closingStopsEveryRegistrationAndRefusesNewOnes() throws Exception {
        MulticastDiscovery sender = sender();
        MulticastDiscovery listener = listener();
        sender.announce(() -> announcement("osd-of-a-closed-node", 1));
        await("heard", () -> find(listener, "osd-of-a-closed-node").isPresent());
        sender.close();
        await("forgotten once its node closed", () -> find(listener, "osd-of-a-closed-node").isEmpty());
        assertThrows(IllegalStateException.class, () -> sender.announce(() -> announcement("late", 1)));
    }

    @Test
    void aConfigurationThatCannotApplyLeavesThePreviousRunningAndSaysWhy() throws Exception {
        Map<String, Object> good = Map.of("group", group.getHostAddress(), "port", port, "listen", false,
                "interval.seconds", 1);
        MulticastDiscovery node = new MulticastDiscovery(TestNet.config(good));
        opened.add(node);
        MulticastDiscovery listener = listener();
        node.announce(() -> announcement("osd-steady", 1));
        await("announced", () -> find(listener, "osd-steady").isPresent());

        node.modified(TestNet.config(Map.of("group", group.getHostAddress(), "port", port, "interface", "nic-gone9")));
        MulticastDiscovery.Status status = node.status();
        assertTrue(status.bound());
        assertEquals("lo (127.0.0.1)", status.nic(), "the previous interface stays");
        assertTrue(status.problem().contains("nic-gone9"), status.problem());
        long before = listener.counters().acceptedCount();
        await("still announced", () -> listener.counters().acceptedCount() > before);

        node.modified(TestNet.config(Map.of("group", "239.1.2", "port", port)));
        assertTrue(node.status().problem().startsWith("the configuration is invalid: group "),
                node.status().problem());
        node.modified(TestNet.config(good));
        assertEquals(null, node.status().problem(), "back to a configuration that applies");
    }

    @Test
    void withoutANetworkAtStartItTakesRegistrationsAndSendsThemOnceConfigured() throws Exception {
        MulticastDiscovery node = new MulticastDiscovery(
                TestNet.config(Map.of("group", group.getHostAddress(), "port", port, "interface", "nic-late9")));
        opened.add(node);
        assertFalse(node.status().bound());
        assertTrue(node.status().problem().contains("nic-late9"), node.status().problem());
        MulticastDiscovery listener = listener();
        node.announce(() -> announcement("osd-early", 1));
        assertEquals(1, node.status().registered());

        node.modified(TestNet.config(Map.of("group", group.getHostAddress(), "port", port)));
        assertTrue(node.status().bound(), node.status().problem());
        await("the early registration announced", () -> find(listener, "osd-early").isPresent());
    }

    @Test
    void anInvalidConfigurationAtStartIsAProblemNotAFailure() {
        MulticastDiscovery node = new MulticastDiscovery(TestNet.config(Map.of("ttl", 300)));
        opened.add(node);
        assertFalse(node.status().bound());
        assertTrue(node.status().problem().startsWith("the configuration is invalid: ttl 300"),
                node.status().problem());
        assertEquals(List.of(), node.discovered());
    }

    @Test
    void closingEndsEveryThread() throws Exception {
        MulticastDiscovery node = start(loopback(group, port, true, true));
        node.announce(() -> announcement("osd-threads", 1));
        await("heard", () -> find(node, "osd-threads").isPresent());
        assertTrue(discoveryThreads() > 0, "the listener and announcer threads run");
        node.close();
        // Bundles come and go while the appliance runs: a stopped component must leave nothing behind.
        await("no discovery thread left", () -> discoveryThreads() == 0);
    }

    private static long discoveryThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("albireo-discovery")).count();
    }

    @Test
    void aBadReconfigurationChangesNothing() throws Exception {
        MulticastDiscovery node = start(loopback(group, port, true, true));
        MulticastDiscovery listener = listener();
        node.announce(() -> announcement("osd-steady", 1));
        Settings broken = new Settings(group, port, "no-such-nic0", TestNet.INTERVAL, 3, 1, true, true);
        IOException e = assertThrows(IOException.class, () -> node.reconfigure(broken));
        assertTrue(e.getMessage().contains("no-such-nic0") && e.getMessage().contains("lo 127.0.0.1"),
                e.getMessage());
        assertEquals("lo (127.0.0.1)", node.status().nic());
        long before = listener.counters().acceptedCount();
        await("still announced", () -> listener.counters().acceptedCount() > before);
    }
}
