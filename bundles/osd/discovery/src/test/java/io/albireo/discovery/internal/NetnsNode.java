package io.albireo.discovery.internal;

import java.io.IOException;
import java.time.Duration;

import io.albireo.api.osd.OsdAnnouncement;

/**
 * A node in another network namespace, for {@link NetnsDiscoveryTest}: run by {@code ip netns exec}, it announces one
 * OSD and listens too; once it has heard its own OSD five times it prints {@code heard-own 5}, so the test knows the
 * datagrams really went out. It stops when its standard input closes, or after a minute at most.
 *
 * <p>Arguments: interface, group, port, ttl, long id.
 */
public final class NetnsNode {
    private NetnsNode() {
    }

    public static void main(String[] args) throws Exception {
        Settings settings = new Settings(Settings.ipv4(args[1], "group"), Integer.parseInt(args[2]), args[0],
                TestNet.INTERVAL, TestNet.EXPIRY_INTERVALS, Integer.parseInt(args[3]), true, true);
        String longId = args[4];
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(Duration.ofMinutes(1).toMillis());
            } catch (InterruptedException e) {
                return;
            }
            System.exit(2);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        try (MulticastDiscovery node = TestNet.started(settings)) {
            String address = Nic.resolve(settings.networkInterface()).address().getHostAddress();
            node.announce(() -> new OsdAnnouncement(OsdAnnouncement.VERSION, "asd", longId, "netns-node",
                    java.util.List.of(address), 8600, 1, 2, "albireo-asd test"));
            TestNet.await("its own OSD heard five times", () -> node.counters().acceptedCount() >= 5);
            System.out.println("heard-own 5");
            System.out.flush();
            while (System.in.read() != -1) {
                // until the test closes our standard input
            }
        } catch (IOException e) {
            System.out.println("failed " + e);
        }
    }
}
