package io.albireo.proxy.server.internal;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;
import io.albireo.proxy.client.ProxyClient;
import io.albireo.proxy.protocol.Limits;

/**
 * The protocol's own cost, over loopback on {@link MapObjectStore} (so no storage at all): 4 KiB reads per second from
 * many threads, and 64 MiB put and get in MB/s. Prints figures, asserts none (shared, noisy cores). Skipped unless
 * {@code -Dproxy.bench=true}:
 * {@code mvn -o -q install -pl bundles/object/proxy-server -am -Dproxy.bench=true -Dtest=ProtocolOverheadBench
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ProtocolOverheadBench {

    @Test
    void measure() throws Exception {
        assumeTrue(Boolean.getBoolean("proxy.bench"), "set -Dproxy.bench=true to run");
        MapObjectStore store = new MapObjectStore();
        try (ProxyServer server = new ProxyServer(() -> store, ProxyServer.settings(
                new InetSocketAddress("127.0.0.1", 0), Limits.DEFAULT), 8, 64, 64);
                ProxyClient client = ProxyClient.connect("127.0.0.1", server.address().getPort(),
                        ProxyClient.Settings.DEFAULT)) {
            client.createNamespace("b", null);
            byte[] object = new byte[1 << 20];
            new Random(1).nextBytes(object);
            client.put("b", "o", ByteBuffer.wrap(object), Overwrite.NONE);

            for (int threads : new int[] {1, 16}) {
                reads(client, threads, 1.0); // warm-up
                reads(client, threads, 5.0);
            }

            byte[] big = new byte[64 << 20];
            new Random(2).nextBytes(big);
            for (int round = 0; round < 4; round++) {
                long t0 = System.nanoTime();
                client.put("b", "big", ByteBuffer.wrap(big), Overwrite.UNCONDITIONAL);
                long t1 = System.nanoTime();
                ByteBuffer back = client.get("b", "big").orElseThrow();
                long t2 = System.nanoTime();
                if (back.remaining() != big.length) {
                    throw new AssertionError("short get");
                }
                System.out.printf("64 MiB put %.0f MB/s, get %.0f MB/s%n", 64e9 / (t1 - t0), 64e9 / (t2 - t1));
            }
        }
    }

    private static void reads(ProxyClient client, int threads, double seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicLong ops = new AtomicLong();
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            futures.add(pool.submit(() -> {
                Random r = new Random(seed);
                while (System.nanoTime() < deadline) {
                    client.read(List.of(new ObjectRange("b", "o", r.nextInt((1 << 20) - 4096), 4096)));
                    ops.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf("4 KiB reads, %d threads, %.0f s: %.0f reads/s%n", threads, seconds, ops.get() / s);
    }
}
