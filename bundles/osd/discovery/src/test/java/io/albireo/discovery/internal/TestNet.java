package io.albireo.discovery.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import io.albireo.api.osd.OsdAnnouncement;
import io.albireo.api.osd.OsdDiscovery;
import io.albireo.api.osd.OsdDiscovery.Discovered;

/**
 * What the socket tests share: a random group and port per test, so that parallel runs (and a running appliance on
 * 239.1.2.3:8123) never hear each other, and waiting with a deadline that only bounds a failure.
 */
final class TestNet {
    /** Short, so that expiry takes a fraction of a second. */
    static final Duration INTERVAL = Duration.ofMillis(100);
    static final int EXPIRY_INTERVALS = 10;
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private TestNet() {
    }

    /** @return a random group in 239.77.0.0/16, private use and far from well-known groups */
    static Inet4Address randomGroup() throws IOException {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) 239, 77, (byte) r.nextInt(256),
                (byte) (1 + r.nextInt(254))});
    }

    /** @return a UDP port that was free a moment ago */
    static int freePort() throws IOException {
        try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return ((InetSocketAddress) ch.getLocalAddress()).getPort();
        }
    }

    /** @return discovery on these settings, which must have applied */
    static MulticastDiscovery started(Settings settings) {
        MulticastDiscovery d = new MulticastDiscovery(() -> settings);
        assertTrue(d.status().bound(), () -> "not bound: " + d.status().problem());
        return d;
    }

    /** A configuration as DS would give it: the given properties, else the annotation's defaults. */
    static MulticastDiscovery.Config config(Map<String, Object> properties) {
        return (MulticastDiscovery.Config) Proxy.newProxyInstance(TestNet.class.getClassLoader(),
                new Class<?>[] {MulticastDiscovery.Config.class}, (proxy, method, args) -> {
                    String key = method.getName().replace("$", "").replace('_', '.');
                    return properties.getOrDefault(key, method.getDefaultValue());
                });
    }

    /**
     * Loopback settings with a short interval. The expiry is 10 intervals (1 s) rather than 3: on a busy machine a
     * stall of a few hundred milliseconds must not make an OSD expire in the middle of a test.
     */
    static Settings loopback(Inet4Address group, int port, boolean listen, boolean send) {
        return new Settings(group, port, "lo", INTERVAL, EXPIRY_INTERVALS, 1, listen, send);
    }

    static OsdAnnouncement announcement(String longId, long used) {
        return new OsdAnnouncement(OsdAnnouncement.VERSION, "asd", longId, "node-1", List.of("127.0.0.1", "::1"), 8000,
                used, 1L << 40, "albireo-asd 0.1.0");
    }

    static Optional<Discovered> find(OsdDiscovery discovery, String longId) {
        return discovery.discovered().stream().filter(d -> d.announcement().longId().equals(longId)).findFirst();
    }

    /** Polls until the condition holds; fails, naming what was awaited, if it does not within 10 s. */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("gave up waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }

    /** A plain multicast sender on lo with TTL 0, for datagrams the announcer would never send. */
    static final class RawSender implements AutoCloseable {
        private final DatagramChannel channel;
        private final InetSocketAddress target;

        RawSender(Inet4Address group, int port) throws IOException {
            channel = DatagramChannel.open(StandardProtocolFamily.INET);
            channel.setOption(StandardSocketOptions.IP_MULTICAST_IF, NetworkInterface.getByName("lo"));
            channel.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 0);
            channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            target = new InetSocketAddress(group, port);
        }

        void send(byte[] datagram) throws IOException {
            channel.send(ByteBuffer.wrap(datagram), target);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
