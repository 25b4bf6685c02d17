package io.albireo.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.AlbireoName;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;
import io.albireo.testing.powerloss.CutReport;
import io.albireo.testing.powerloss.PowerLossFileSystem;
import io.albireo.testing.powerloss.PowerLossMount;

/**
 * Power cuts under a proxy's own files: its KEK and its fragment cache live on a file system that forgets what was not
 * made durable ({@link PowerLossFileSystem}), while the backend (metadata and ASDs) stays on the real disk. Threads put
 * encrypted objects and read them back (filling the cache) until the power is cut; then a new proxy on the same
 * directory, mounted as the cut left it, must start and read every object acknowledged so far exactly, whole and by
 * ranges. The cuts alternate between dropping everything unsynced and keeping every name while dropping unsynced
 * data, which leaves cache files renamed into place but empty: a cache must never serve them.
 *
 * <p>{@code -Dalbireo.powerloss.rounds=N} (3 by default), {@code -Dalbireo.powerloss.seed=S}.
 */
class PowerLossTest {
    private static final int FRAGMENT = 64 * 1024;
    private static final String NS = "enc";

    @TempDir
    Path dir;
    @RegisterExtension
    final PowerLossMount disk = new PowerLossMount();
    private Backend backend;

    @BeforeEach
    void start() {
        backend = new Backend(dir, 6, 0);
        backend.abm.createPreset(new Preset(NS, List.of(new Policy(4, 2, 5, 6)), FRAGMENT, "lz4", "aes-256-gcm",
                "xxh64", "rs"));
        backend.abm.createNamespace(NS, NS);
    }

    @AfterEach
    void stop() throws Exception {
        if (backend != null) {
            backend.close();
        }
    }

    /** A proxy whose KEK, old key file and fragment cache are under {@code local}. */
    private ProxyObjectStore proxy(Path local) {
        ProxyObjectStore p = new ProxyObjectStore(backend.abm, backend.nsm, new DirectCodecs(),
                Backend.settings(local, 64L << 20));
        backend.osds.forEach(o -> p.bindOsd(o, Map.of(AlbireoName.PROPERTY, o.identity().longId())));
        return p;
    }

    @Test
    void aProxyStartsAfterPowerCutsUnderItsFilesAndReadsEveryAcknowledgedObject() throws Exception {
        int rounds = Integer.getInteger("albireo.powerloss.rounds", 3);
        long seed = Long.getLong("albireo.powerloss.seed", 20261201L);
        Random random = new Random(seed);
        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger names = new AtomicInteger();
        long droppedBytes = 0;
        for (int round = 0; round < rounds; round++) {
            Path local = disk.mountPoint().resolve("proxy");
            ProxyObjectStore proxy = proxy(local);
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        String name = "o" + names.getAndIncrement();
                        long objectSeed = name.hashCode() * 31L + 7;
                        try {
                            proxy.put(NS, name, ByteBuffer.wrap(bytes(objectSeed)), Overwrite.NONE);
                            acknowledged.put(name, objectSeed);
                            proxy.get(NS, name); // the fragments read whole go to the cache
                        } catch (RuntimeException e) {
                            // after the cut the proxy's own files fail; the put may still have been stored
                        }
                    }
                }, "put-" + w);
                t.start();
                writers.add(t);
            }
            while (acknowledged.size() < 3 * (round + 1)) {
                Thread.sleep(20);
            }
            Thread.sleep(random.nextInt(1000));
            boolean keepNames = round % 2 == 1;
            CutReport cut = keepNames ? disk.cutKeepingNames() : disk.cut();
            stop.set(true);
            for (Thread t : writers) {
                t.join(60_000);
            }
            proxy.close();
            droppedBytes += cut.droppedBytes();

            disk.remount();
            assertTrue(Files.exists(Backend.kek(disk.mountPoint().resolve("proxy"))), "round " + round
                    + ": the KEK survived the cut (it was synced, and its directory)");
            ProxyObjectStore restarted = proxy(disk.mountPoint().resolve("proxy"));
            try {
                for (Map.Entry<String, Long> o : acknowledged.entrySet()) {
                    byte[] expected = bytes(o.getValue());
                    assertArrayEquals(expected, array(restarted.get(NS, o.getKey()).orElseThrow()),
                            "round " + round + ": object " + o.getKey());
                    int offset = Math.floorMod(o.getValue().intValue(), expected.length - 100);
                    assertArrayEquals(java.util.Arrays.copyOfRange(expected, offset, offset + 100),
                            array(restarted.read(List.of(new ObjectRange(NS, o.getKey(), offset, 100))).get(0)),
                            "round " + round + ": a range of " + o.getKey());
                }
            } finally {
                restarted.close();
            }
            System.out.printf("round %d (%s): %d objects acknowledged so far, all read back; the cut dropped %d "
                    + "writes (%d bytes), undid %d name operations%n", round, keepNames ? "names kept" : "all unsynced",
                    acknowledged.size(), cut.droppedWrites(), cut.droppedBytes(), cut.undone());
        }
        assertEquals(0, acknowledged.values().stream().filter(v -> v == null).count());
        assertTrue(droppedBytes > 0, "the cuts came while the proxy had unsynced files: they tested something");
    }

    /** An object of 10 to 300 KB, half random, half runs (lz4 has something to do), from its seed. */
    private static byte[] bytes(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[10_000 + r.nextInt(290_000)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (i / 1024) % 2 == 0 ? (byte) r.nextInt() : (byte) (i / 100);
        }
        return b;
    }

    private static byte[] array(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }
}
