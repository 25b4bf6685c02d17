package io.albireo.nbd.internal;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.albireo.api.object.Overwrite;
import io.albireo.api.volume.VPoolConfig;
import io.albireo.volumedriver.internal.VolumeStack;

/**
 * The benchmark of issue 18 (docs/PERFORMANCE.md, "Volumes over NBD"), in one run on one disk: fio's nbd engine
 * against Albireo's NBD server (the volume driver over the proxy with the default preset (4,2,5,6), lz4, aes-256-gcm,
 * ISA-L, six ASD stores served as the ASD server serves them, all in this JVM) and against nbdkit's file
 * plugin on a file in the same directory:
 * <ol>
 * <li>within the write buffer: 4k random writes at QD32, 4k random reads at QD32 of what was written, 1 MiB
 * sequential reads, 4k writes at QD1 with a flush after each (latencies);</li>
 * <li>sustained 1 MiB sequential writes of 4 times the write buffer, against the proxy's own 64 MiB puts;</li>
 * <li>4k random reads at QD32 of data only on the backend, against fio's own 4k random reads at QD32 (libaio,
 * direct) on the same disk.</li>
 * </ol>
 * Properties: {@code nbd.bench=true} runs it, {@code nbd.bench.dir} (default {@code target/nbd-bench}),
 * {@code nbd.bench.seconds} (each timed row, default 15).
 */
class NbdBench {
    private final Path root = Path.of(System.getProperty("nbd.bench.dir", "target/nbd-bench"));
    private final int seconds = Integer.getInteger("nbd.bench.seconds", 15);

    @Test
    void volumesOverNbdAgainstNbdkit() throws Exception {
        assumeTrue(Boolean.getBoolean("nbd.bench"), "a benchmark: -Dnbd.bench=true runs it");
        delete(root);
        Files.createDirectories(root);
        System.out.printf("== NBD benchmark in %s, %d s per timed row%n", root.toAbsolutePath(), seconds);
        Path image = root.resolve("nbdkit.img");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(2L << 30);
        }
        int kitPort = freePort();
        Process nbdkit = new ProcessBuilder("nbdkit", "-f", "--exit-with-parent", "-i", "127.0.0.1", "-p",
                Integer.toString(kitPort), "file", image.toString()).redirectErrorStream(true).start();
        try (VolumeStack stack = VolumeStack.served(root.resolve("albireo"))) {
            stack.volumes().createVPool(VPoolConfig.of("pool"));
            stack.volumes().createVDisk("pool", "disk", 2L << 30);
            stack.volumes().createVPool(VPoolConfig.of("small").withWriteBuffer(null, 256L << 20).withReadCache(0));
            stack.volumes().createVDisk("small", "sustained", 2L << 30);
            NbdServer server = new NbdServer(stack.volumes(), new InetSocketAddress("127.0.0.1", 0), 16,
                    NbdConnection.Limits.DEFAULT);
            try {
                String albireo = "nbd://127.0.0.1:" + server.address().getPort() + "/disk";
                String kit = "nbd://127.0.0.1:" + kitPort + "/";
                waitFor(kit);
                row("4k random writes, QD32, 512 MiB (IOPS)", albireo, kit, "write", "iops",
                        "--rw=randwrite", "--bs=4k", "--iodepth=32", "--size=512M", "--time_based",
                        "--runtime=" + seconds);
                row("4k random reads, QD32, of those 512 MiB (IOPS)", albireo, kit, "read", "iops",
                        "--rw=randread", "--bs=4k", "--iodepth=32", "--size=512M", "--time_based",
                        "--runtime=" + seconds);
                row("1 MiB sequential reads, QD8, 512 MiB (MiB/s)", albireo, kit, "read", "bw",
                        "--rw=read", "--bs=1M", "--iodepth=8", "--size=512M", "--time_based",
                        "--runtime=" + seconds);
                latency("4k writes, QD1, a flush after each", albireo, kit);

                String sustained = "nbd://127.0.0.1:" + server.address().getPort() + "/sustained";
                JsonObject w = fio(sustained, "--rw=write", "--bs=1M", "--iodepth=8", "--size=1G");
                double nbdWrite = w.getAsJsonObject("write").get("bw").getAsDouble() / 1024;
                double put = proxyPutRate(stack);
                System.out.printf("sustained 1 MiB sequential writes, QD8, 1 GiB through a 256 MiB write buffer: "
                        + "%.1f MiB/s; the proxy's 64 MiB puts, 2 threads: %.1f MiB/s; ratio %.2f (goal 0.8)%n",
                        nbdWrite, put, nbdWrite / put);

                JsonObject r = fio(sustained, "--rw=randread", "--bs=4k", "--iodepth=32", "--size=512M",
                        "--time_based", "--runtime=" + seconds);
                double backend = r.getAsJsonObject("read").get("iops").getAsDouble();
                Path raw = root.resolve("fio-randread");
                Files.createDirectories(raw);
                JsonObject own = fioLocal(raw, "--rw=randread", "--bs=4k", "--iodepth=32", "--size=1G",
                        "--ioengine=libaio", "--direct=1", "--time_based", "--runtime=" + seconds);
                double disk = own.getAsJsonObject("read").get("iops").getAsDouble();
                System.out.printf("4k random reads, QD32, of data only on the backend: %.0f IOPS; fio's own, libaio,"
                        + " direct, QD32: %.0f IOPS; ratio %.3f (goal 0.5)%n", backend, disk, backend / disk);
                System.out.printf("heap used after a full GC: %d MiB%n", heapMiB());
            } finally {
                server.close();
            }
        } finally {
            nbdkit.destroy();
            nbdkit.waitFor(30, TimeUnit.SECONDS);
        }
        delete(root);
    }

    private void row(String what, String albireo, String kit, String side, String field, String... job)
            throws Exception {
        double a = fio(albireo, job).getAsJsonObject(side).get(field).getAsDouble();
        double k = fio(kit, job).getAsJsonObject(side).get(field).getAsDouble();
        if (field.equals("bw")) {
            a /= 1024;
            k /= 1024;
        }
        System.out.printf("%s: Albireo %.1f, nbdkit file %.1f, ratio %.2f%n", what, a, k, a / k);
    }

    private void latency(String what, String albireo, String kit) throws Exception {
        for (String[] target : new String[][] {{"Albireo", albireo}, {"nbdkit file", kit}}) {
            JsonObject j = fio(target[1], "--rw=randwrite", "--bs=4k", "--iodepth=1", "--fsync=1", "--size=512M",
                    "--time_based", "--runtime=" + seconds);
            JsonObject write = j.getAsJsonObject("write");
            JsonObject sync = j.getAsJsonObject("sync");
            System.out.printf("%s, %s: %.0f writes/s; write p50 %.0f µs, p99 %.0f µs; flush p50 %.0f µs, p99 %.0f"
                    + " µs%n", what, target[0], write.get("iops").getAsDouble(), pct(write, "clat_ns", "50.000000"),
                    pct(write, "clat_ns", "99.000000"), pct(sync, "lat_ns", "50.000000"),
                    pct(sync, "lat_ns", "99.000000"));
        }
    }

    private static double pct(JsonObject side, String lat, String p) {
        JsonObject l = side.getAsJsonObject(lat);
        if (l == null || !l.has("percentile")) {
            return Double.NaN;
        }
        return l.getAsJsonObject("percentile").get(p).getAsDouble() / 1000;
    }

    /** @return the proxy's put rate of 64 MiB objects with 2 threads for the row's seconds, MiB/s */
    private double proxyPutRate(VolumeStack stack) throws Exception {
        stack.backend.proxy.createNamespace("bench-put", null);
        byte[] base = new byte[64 << 20];
        new Random(1).nextBytes(base);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicInteger n = new AtomicInteger();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long t0 = System.nanoTime();
        List<Future<?>> f = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            f.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    int i = n.getAndIncrement();
                    byte[] data = base.clone();
                    ByteBuffer.wrap(data).putInt(i);
                    stack.backend.proxy.put("bench-put", "o" + i, ByteBuffer.wrap(data), Overwrite.UNCONDITIONAL);
                }
                return null;
            }));
        }
        for (Future<?> x : f) {
            x.get();
        }
        pool.shutdown();
        return n.get() * 64.0 / ((System.nanoTime() - t0) / 1e9);
    }

    private static JsonObject fio(String uri, String... job) throws Exception {
        List<String> command = new ArrayList<>(List.of("fio", "--name=bench", "--ioengine=nbd", "--uri=" + uri,
                "--output-format=json"));
        command.addAll(List.of(job));
        return run(command);
    }

    private static JsonObject fioLocal(Path dir, String... job) throws Exception {
        List<String> command = new ArrayList<>(List.of("fio", "--name=bench", "--directory=" + dir,
                "--output-format=json"));
        command.addAll(List.of(job));
        return run(command);
    }

    private static JsonObject run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + ": " + err + out);
        }
        return JsonParser.parseString(out.substring(out.indexOf('{'))).getAsJsonObject().getAsJsonArray("jobs")
                .get(0).getAsJsonObject();
    }

    private static void waitFor(String uri) throws Exception {
        for (int i = 0; i < 100; i++) {
            Process p = new ProcessBuilder("nbdinfo", "--size", uri).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException(uri + " did not come up");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static long heapMiB() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return (r.totalMemory() - r.freeMemory()) >> 20;
    }

    private static void delete(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
