package io.albireo.volumedriver.internal;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.albireo.api.volume.VDisk;
import io.albireo.api.volume.VPoolConfig;

/**
 * The heap of a 1 TiB vDisk's LBA map (issue 18, item 4): random 4 KiB writes over the whole 1 TiB through the volume
 * driver on the real stack (the proxy over six served ASD stores), with the heap used after a full GC and the
 * process's RSS taken at 4 GiB and at the end (16 GiB by default). Goal: under 256 MiB of heap, and no growth from
 * 4 GiB to 16 GiB. Properties: {@code volume.bench=true} runs it, {@code volume.bench.gib} (16),
 * {@code volume.bench.dir} (target/map-heap-bench); run with {@code -DargLine=-Xmx256m} and the whole process (proxy,
 * metadata, ASD stores, volume driver) must hold it.
 */
class MapHeapBench {
    private static final int CLUSTER = 4096;

    @Test
    void theHeapOfA1TiBVDiskHolding16GiBOfRandomWrites() throws Exception {
        assumeTrue(Boolean.getBoolean("volume.bench"), "a benchmark: -Dvolume.bench=true runs it");
        Path dir = Path.of(System.getProperty("volume.bench.dir", "target/map-heap-bench"));
        long gib = Long.getLong("volume.bench.gib", 16);
        delete(dir);
        long size = 1L << 40;
        System.out.printf("== map heap: a 1 TiB vDisk, %d GiB of random 4 KiB writes, heap limit %d MiB%n", gib,
                Runtime.getRuntime().maxMemory() >> 20);
        try (VolumeStack stack = VolumeStack.served(dir)) {
            stack.volumes().createVPool(VPoolConfig.of("pool"));
            stack.volumes().createVDisk("pool", "big", size);
            long writes = (gib << 30) / CLUSTER;
            long mark = (4L << 30) / CLUSTER;
            AtomicLong done = new AtomicLong();
            long t0 = System.nanoTime();
            try (VDisk disk = stack.volumes().open("big")) {
                ExecutorService pool = Executors.newFixedThreadPool(4);
                List<Future<?>> workers = new ArrayList<>();
                Object marker = new Object();
                for (int w = 0; w < 4; w++) {
                    long seed = w;
                    workers.add(pool.submit(() -> {
                        SplittableRandom random = new SplittableRandom(seed);
                        byte[] data = new byte[CLUSTER];
                        List<CompletableFuture<Void>> window = new ArrayList<>();
                        for (long n; (n = done.getAndIncrement()) < writes;) {
                            random.nextBytes(data);
                            long cluster = random.nextLong(size / CLUSTER);
                            window.add(disk.write(cluster * CLUSTER, ByteBuffer.wrap(data.clone()), false));
                            if (window.size() == 8) {
                                window.forEach(CompletableFuture::join);
                                window.clear();
                            }
                            if (n == mark) {
                                synchronized (marker) {
                                    report("after 4 GiB", dir, t0);
                                }
                            }
                        }
                        window.forEach(CompletableFuture::join);
                        return null;
                    }));
                }
                for (Future<?> f : workers) {
                    f.get();
                }
                pool.shutdown();
                disk.flush().join();
                report("after " + gib + " GiB", dir, t0);
            }
        }
        delete(dir);
    }

    private static void report(String when, Path dir, long t0) {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
        System.out.printf("%s (%.0f s): heap used after a full GC %d MiB, RSS %s, LBA map on disk %d MiB%n", when,
                (System.nanoTime() - t0) / 1e9, heap, rss(), bytes(dir.resolve("volumes").resolve("pool")
                        .resolve("map")) >> 20);
    }

    private static String rss() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS"))
                    .map(l -> l.substring(6).strip()).findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static long bytes(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    private static void delete(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
