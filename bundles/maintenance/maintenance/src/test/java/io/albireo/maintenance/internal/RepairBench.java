package io.albireo.maintenance.internal;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.albireo.api.AlbireoName;
import io.albireo.api.maintenance.MaintenanceStatus;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;
import io.albireo.proxy.internal.Backend;
import io.albireo.proxy.internal.DirectCodecs;
import io.albireo.proxy.internal.FlakyOsd;

/**
 * The repair benchmark of docs/PERFORMANCE.md ("Maintenance"), not a test: it runs only with
 * {@code -Dmaintenance.bench=true}. On seven real ASD stores (RocksDB and blob files, fsync) on one disk, with the
 * proxy and the default preset (4, 2, 5, 6), it fills a namespace, loses one OSD and measures, side by side with fio
 * on the same disk:
 * <ol>
 * <li>the repair rate without a rate limit and no clients (fragment bytes rebuilt per second, against fio's 1 MiB
 * writes with an fsync after each: goal 0.5);</li>
 * <li>clients during a repair at the default rate limit (32 MiB/s): 4 MiB puts and 4 KiB partial reads per second
 * against the same clients idle (goal 0.7), and the ETA shown at 25, 50 and 75 % against the time it really took
 * (goal: within 10 %);</li>
 * <li>the heap used, after a full GC, at the end of the repair.</li>
 * </ol>
 * Figures go to standard output. Properties: {@code maintenance.bench.dir} (default {@code target/repair-bench}),
 * {@code maintenance.bench.mib} (data per round, default 2048), {@code maintenance.bench.seconds} (client phases,
 * default 15), {@code maintenance.bench.inflight} (objects a repair works on at once, default the agent's),
 * {@code maintenance.bench.unlimitedOnly} (round 1 and fio only).
 */
class RepairBench {
    private static final int OBJECT = 4 << 20;
    /** The agent's default rate limit, unless {@code maintenance.bench.rate} (MiB/s) says otherwise. */
    private static final long DEFAULT_RATE = Long.getLong("maintenance.bench.rate", defaultRate() >> 20) << 20;

    private final Path root = Path.of(System.getProperty("maintenance.bench.dir", "target/repair-bench"));
    private final long dataBytes = Long.getLong("maintenance.bench.mib", 2048) << 20;
    private final int seconds = Integer.getInteger("maintenance.bench.seconds", 15);

    @Test
    void repair() throws Exception {
        assumeTrue(Boolean.getBoolean("maintenance.bench"), "a benchmark: -Dmaintenance.bench=true runs it");
        System.out.printf("== repair benchmark: 7 ASD stores in %s, default preset (4,2,5,6), %d MiB of 4 MiB"
                + " objects per round, client phases of %d s%n", root.toAbsolutePath(), dataBytes >> 20, seconds);
        System.out.println("erasure code: rs " + codecs().rsImplementation());
        double repair = unlimited();
        if (!Boolean.getBoolean("maintenance.bench.unlimitedOnly")) {
            limited();
        }
        fio(repair);
    }

    /**
     * The heap while repairing many small objects ({@code -Dmaintenance.bench.small=COUNT}): run it with
     * {@code -DargLine=-Xmx256m}, and the whole process (proxy, ABM, NSM, seven ASD stores, agent) holds its repair in
     * that heap; the peak heap after collections is printed too.
     */
    @Test
    void smallObjects() throws Exception {
        int count = Integer.getInteger("maintenance.bench.small", 0);
        assumeTrue(Boolean.getBoolean("maintenance.bench") && count > 0, "-Dmaintenance.bench.small=COUNT runs it");
        Path dir = fresh("small");
        try (Backend b = Backend.served(dir, 7, 0, codecs())) {
            b.proxy.createNamespace("small", null);
            ExecutorService pool = Executors.newFixedThreadPool(16);
            AtomicLong next = new AtomicLong();
            long t0 = System.nanoTime();
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                writers.add(pool.submit(() -> {
                    byte[] data = new byte[100];
                    for (long n; (n = next.getAndIncrement()) < count;) {
                        ByteBuffer.wrap(data).putLong(n);
                        b.proxy.put("small", String.format("o%09d", n), ByteBuffer.wrap(data),
                                Overwrite.UNCONDITIONAL);
                    }
                    return null;
                }));
            }
            for (Future<?> f : writers) {
                f.get();
            }
            pool.shutdown();
            System.out.printf("%d objects of 100 bytes put in %.0f s%n", count, (System.nanoTime() - t0) / 1e9);
            int lost = lose(b, 3);
            long fragments = b.nsm.osdStatistics("small", lost).fragments();
            long maxHeap = Runtime.getRuntime().maxMemory() >> 20;
            long t1 = System.nanoTime();
            MaintenanceService m = agent(b, 0);
            AtomicLong peak = new AtomicLong();
            ScheduledHeap sampler = new ScheduledHeap(peak);
            try {
                awaitIdle(m, null);
            } finally {
                sampler.close();
                m.close();
            }
            System.out.printf("repair of %d fragments of small objects: %.0f s; heap limit %d MiB, peak heap used"
                    + " after collections %d MiB%n", fragments, (System.nanoTime() - t1) / 1e9, maxHeap,
                    peak.get() >> 20);
        }
        delete(dir);
    }

    /** Samples the heap used after collections (the old generation's collection usage) every second. */
    private static final class ScheduledHeap implements AutoCloseable {
        private final java.util.concurrent.ScheduledExecutorService timer =
                Executors.newSingleThreadScheduledExecutor();

        ScheduledHeap(AtomicLong peak) {
            timer.scheduleAtFixedRate(() -> {
                long used = 0;
                for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                    if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                        used += pool.getCollectionUsage().getUsed();
                    }
                }
                peak.accumulateAndGet(used, Math::max);
            }, 0, 1, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    /** Round 1: the repair alone, as fast as it goes; returns its rate, MiB/s. */
    private double unlimited() throws Exception {
        Path dir = fresh("unlimited");
        double rate;
        try (Backend b = Backend.served(dir, 7, 0, codecs())) {
            fill(b, "data");
            int lost = lose(b, 3);
            long left = b.nsm.osdStatistics("data", lost).bytes();
            System.out.println("repairing, no rate limit");
            long t0 = System.nanoTime();
            MaintenanceService m = agent(b, 0);
            try {
                awaitIdle(m, null);
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("repair, no rate limit, no clients: %d MiB of fragments rebuilt in %.1f s: %.1f"
                        + " MiB/s%n", left >> 20, s, left / s / (1 << 20));
                System.out.printf("heap after the repair (full GC): %d MiB%n", heapMiB());
                rate = left / s / (1 << 20);
            } finally {
                m.close();
            }
        }
        delete(dir);
        return rate;
    }

    /** Round 2: clients idle, then the same clients during a repair at the default rate limit, and the ETA. */
    private void limited() throws Exception {
        Path dir = fresh("limited");
        try (Backend b = Backend.served(dir, 7, 0, codecs())) {
            fill(b, "data");
            b.proxy.createNamespace("client", null);
            b.proxy.put("client", "read", ByteBuffer.wrap(random(64 << 20, 7)), Overwrite.UNCONDITIONAL);
            double[] idle = clients(b, null);
            int lost = lose(b, 3);
            long left = b.nsm.osdStatistics("data", lost).bytes();
            long t0 = System.nanoTime();
            MaintenanceService m = agent(b, DEFAULT_RATE);
            try {
                AtomicBoolean repairing = new AtomicBoolean(true);
                ExecutorService watcher = Executors.newSingleThreadExecutor();
                Future<List<double[]>> etas = watcher.submit(() -> awaitIdle(m, repairing));
                double[] during = clients(b, repairing);
                List<double[]> samples = etas.get();
                watcher.shutdown();
                double total = (System.nanoTime() - t0) / 1e9;
                System.out.printf("repair at %d MiB/s: %d MiB in %.1f s: %.1f MiB/s%n", DEFAULT_RATE >> 20,
                        left >> 20, total, left / total / (1 << 20));
                System.out.printf("clients idle:   %.1f puts/s of 4 MiB (%.1f MiB/s), %.0f partial reads/s of 4 KiB%n",
                        idle[0], idle[0] * 4, idle[1]);
                System.out.printf("clients during: %.1f puts/s of 4 MiB (%.1f MiB/s), %.0f partial reads/s of 4 KiB%n",
                        during[0], during[0] * 4, during[1]);
                System.out.printf("during / idle: puts %.2f, partial reads %.2f%s%n", during[0] / idle[0],
                        during[1] / idle[1], during[2] > 0 ? "" : " (the repair ended before the client phase)");
                for (double[] s : samples) {
                    double actual = (t0 / 1e9 + total) - s[1];
                    System.out.printf("ETA at %.0f %%: %.1f s shown, %.1f s taken: error %.1f %%%n", s[0] * 100,
                            s[2], actual, Math.abs(s[2] - actual) / actual * 100);
                }
            } finally {
                m.close();
            }
        }
        delete(dir);
    }

    /**
     * fio on the same disk: 1 MiB sequential writes with an fsync after each (the goal's reference); 1 MiB direct
     * reads; and what bounds a rebuild on one disk, which reads k = 4 fragments for each one it writes: 8 jobs of 1 MiB
     * direct IO, 4 reads to each write, an fsync after each write. Its write rate is the most any rebuild could write
     * here, so its ratio to the first is the highest repair / fio this disk allows.
     *
     * @param repair the repair rate of round 1, MiB/s
     */
    private void fio(double repair) throws IOException, InterruptedException {
        Path dir = fresh("fio");
        String[] w = fio(dir, "--name=seqfsync", "--rw=write", "--size=1G", "--fsync=1");
        String[] r = fio(dir, "--name=seqread", "--rw=read", "--size=512M", "--direct=1", "--numjobs=8",
                "--group_reporting");
        String[] mix = fio(dir, "--name=rebuild", "--rw=rw", "--rwmixread=80", "--size=512M", "--direct=1",
                "--fsync=1", "--numjobs=8", "--group_reporting");
        if (w == null || r == null || mix == null) {
            System.out.println("fio did not run");
        } else {
            // Terse version 3: field 7 is the read bandwidth, field 48 the write bandwidth, KiB/s.
            double writes = Double.parseDouble(w[47]) / 1024;
            double ceiling = Double.parseDouble(mix[47]) / 1024;
            System.out.printf("fio, 1 MiB writes with an fsync after each, 1 job: %.1f MiB/s%n", writes);
            System.out.printf("fio, 1 MiB direct reads, 8 jobs: %.1f MiB/s%n", Double.parseDouble(r[6]) / 1024);
            System.out.printf("fio, a rebuild's IO (4 direct 1 MiB reads per direct 1 MiB write with an fsync), 8 jobs:"
                    + " reads %.1f MiB/s, writes %.1f MiB/s%n", Double.parseDouble(mix[6]) / 1024, ceiling);
            System.out.printf("repair / fio's fsync writes: %.3f (goal 0.5); the disk's ceiling for it (fio's rebuild"
                    + " writes / fsync writes): %.3f; repair / that ceiling: %.2f%n", repair / writes,
                    ceiling / writes, repair / ceiling);
        }
        delete(dir);
    }

    /** @return fio's terse (version 3) fields for one run of 1 MiB blocks in {@code dir}, or null if it failed */
    private String[] fio(Path dir, String... job) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("fio", "--directory=" + dir, "--bs=1M", "--ioengine=psync",
                "--runtime=" + seconds, "--time_based", "--output-format=terse", "--terse-version=3"));
        command.addAll(List.of(job));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String[] f = out.trim().split(";");
        if (p.waitFor() != 0 || f.length <= 48) {
            System.out.println("fio " + String.join(" ", job) + ": " + out);
            return null;
        }
        return f;
    }

    private Path fresh(String name) throws IOException {
        Path dir = root.resolve(name);
        delete(dir);
        Files.createDirectories(dir);
        return dir;
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private void fill(Backend b, String ns) throws Exception {
        b.proxy.createNamespace(ns, null);
        int count = (int) (dataBytes / OBJECT);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<?>> puts = new ArrayList<>();
        byte[] base = random(OBJECT, 1);
        for (int i = 0; i < count; i++) {
            int n = i;
            puts.add(pool.submit(() -> {
                byte[] data = base.clone();
                ByteBuffer.wrap(data).putInt(n); // every object distinct, none compressible
                b.proxy.put(ns, "o" + n, ByteBuffer.wrap(data), Overwrite.UNCONDITIONAL);
            }));
        }
        for (Future<?> f : puts) {
            f.get();
        }
        pool.shutdown();
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    /** The codecs the appliance ranks first: ISA-L's Reed-Solomon where libisal loads, else the Java one. */
    private static DirectCodecs codecs() {
        return DirectCodecs.withIsal().orElseGet(DirectCodecs::new);
    }

    /** @return the rateLimit default of the agent's Config */
    private static long defaultRate() {
        try {
            return (Long) MaintenanceService.Config.class.getMethod("rateLimit").getDefaultValue();
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int lose(Backend b, int index) {
        FlakyOsd lost = b.osds.get(index);
        lost.down(true);
        return b.abm.markOsdDead(lost.identity().longId()).number();
    }

    private static MaintenanceService agent(Backend b, long rate) {
        MaintenanceService m = new MaintenanceService(b.abm, b.nsm, codecs(),
                new MaintenanceService.Settings(new Agent.Settings("bench", 4, 60_000, 200, 2000),
                        TimeUnit.MINUTES.toMillis(15), 1000, rate, false,
                        Integer.getInteger("maintenance.bench.inflight", MaintenanceService.DEFAULT_OBJECTS_IN_FLIGHT)),
                System::currentTimeMillis);
        for (FlakyOsd o : b.osds) {
            m.bindOsd(o, java.util.Map.of(AlbireoName.PROPERTY, o.identity().longId()));
        }
        return m;
    }

    /**
     * Waits until the agent is idle; with {@code repairing}, samples the ETA at 25, 50 and 75 % of the bytes and
     * clears the flag at the end.
     *
     * @return per sample: the fraction, when (s, nanoTime), the ETA shown (s)
     */
    private static List<double[]> awaitIdle(MaintenanceService m, AtomicBoolean repairing)
            throws InterruptedException {
        List<double[]> samples = new ArrayList<>();
        double[] marks = {0.25, 0.5, 0.75};
        try {
            while (true) {
                MaintenanceStatus s = m.status();
                if (s.idle()) {
                    return samples;
                }
                for (MaintenanceStatus.Job j : s.jobs()) {
                    if (j.kind().equals(OsdRepairJob.KIND) && j.bytesLeft() > 0 && j.etaSeconds() >= 0
                            && samples.size() < marks.length) {
                        double done = (double) j.bytesDone() / (j.bytesDone() + j.bytesLeft());
                        if (done >= marks[samples.size()]) {
                            samples.add(new double[] {done, System.nanoTime() / 1e9, j.etaSeconds()});
                        }
                    }
                }
                Thread.sleep(100);
            }
        } finally {
            if (repairing != null) {
                repairing.set(false);
            }
        }
    }

    /**
     * One client putting 4 MiB objects and one reading 4 KiB at random offsets, for the client phase or until
     * {@code while} clears.
     *
     * @return puts per second, partial reads per second, and 1 if {@code while} was still set at the end
     */
    private double[] clients(Backend b, AtomicBoolean whileSet) throws Exception {
        AtomicLong puts = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicBoolean stop = new AtomicBoolean();
        byte[] data = random(OBJECT, 9);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        long t0 = System.nanoTime();
        Future<?> writer = pool.submit(() -> {
            for (int i = 0; !stop.get(); i++) {
                b.proxy.put("client", "w" + (i % 16), ByteBuffer.wrap(data), Overwrite.UNCONDITIONAL);
                puts.incrementAndGet();
            }
            return null;
        });
        Future<?> reader = pool.submit(() -> {
            while (!stop.get()) {
                long offset = ThreadLocalRandom.current().nextLong((64 << 20) - 4096);
                b.proxy.read(List.of(new ObjectRange("client", "read", offset, 4096)));
                reads.incrementAndGet();
            }
            return null;
        });
        while (System.nanoTime() < end && (whileSet == null || whileSet.get())) {
            Thread.sleep(50);
        }
        boolean stillSet = whileSet != null && whileSet.get();
        stop.set(true);
        writer.get();
        reader.get();
        double s = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        return new double[] {puts.get() / s, reads.get() / s, stillSet ? 1 : 0};
    }

    private static long heapMiB() {
        System.gc();
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                used += pool.getUsage().getUsed();
            }
        }
        return used >> 20;
    }
}
