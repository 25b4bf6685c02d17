package io.albireo.nbd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.testing.powerloss.CutReport;
import io.albireo.testing.powerloss.PowerLossMount;

/**
 * Durability of flushed writes through NBD, with the whole node (backend, volume driver, NBD server) in a process of
 * its own ({@link NbdNode}) and qemu-io as the client: after kill -9 of the node, and after a power cut on a file
 * system that forgets everything not fsynced ({@link PowerLossMount}), every write that qemu-io flushed reads back,
 * byte for byte, after a restart. Each round writes patterns over more SCOs than the write buffer holds (so uploads,
 * evictions and checkpoints happen), flushes, writes more without a flush, and crashes at once, with the vDisk still
 * open (a second connection holds it).
 *
 * <p>{@code -Dalbireo.powerloss.ignoreSyncs=true} makes the file system ignore every fsync: the power-cut test must
 * then fail, which shows it would catch a missing one.
 */
class NbdCrashTest {
    private static final int ROUNDS = Integer.getInteger("albireo.nbd.crash.rounds", 3);

    @RegisterExtension
    final PowerLossMount disk = new PowerLossMount();

    @TempDir
    Path tmp;

    @Test
    void flushedWritesSurviveKill9OfTheNode() throws Exception {
        requireQemuIo();
        rounds(tmp.resolve("node"), false);
    }

    @Test
    void flushedWritesSurvivePowerCutsUnderTheNode() throws Exception {
        requireQemuIo();
        disk.fs().ignoreSyncs(Boolean.getBoolean("albireo.powerloss.ignoreSyncs"));
        rounds(disk.mountPoint().resolve("node"), true);
    }

    private void rounds(Path dir, boolean powerCut) throws Exception {
        List<String> flushed = new ArrayList<>(); // qemu-io read commands that must hold after every later crash
        for (int round = 0; round < ROUNDS; round++) {
            Node node = Node.start(dir);
            // A connection that only holds the export open, so that the crash comes while the vDisk is open (qemu-io's
            // own close would close it cleanly: sealed, synced and put to the backend).
            NbdTestClient holder = new NbdTestClient(new java.net.InetSocketAddress("127.0.0.1", node.port()));
            holder.go("disk");
            // Earlier rounds' flushed writes first: they survived every crash so far.
            if (!flushed.isEmpty()) {
                qemuIo(node.uri(), flushed);
            }
            // 6 MiB per round at a new place, in 1 MiB and unaligned pieces, then a flush: these must survive.
            int pattern = 0x10 + round;
            long base = round * (8L << 20);
            List<String> writes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                writes.add("write -P " + pattern + " " + (base + (i << 20)) + " 1M");
            }
            writes.add("write -P " + (pattern + 0x40) + " " + (base + 3000) + " 5000");
            writes.add("flush");
            qemuIo(node.uri(), writes);
            // Then writes acknowledged and never flushed (qemu-io flushes when it exits, so the holder writes them):
            // they may or may not survive, but they must not break what was flushed. Small, so that they do not fill
            // the SCO the flushed 5000 bytes are in: a seal would sync those whatever the flush did.
            byte[] unflushed = new byte[64 << 10];
            java.util.Arrays.fill(unflushed, (byte) 0x7f);
            for (int i = 0; i < 3; i++) {
                assertEquals(0, holder.request(0, Nbd.CMD_WRITE, base + (6L << 20) + i * 77_777L, unflushed.length,
                        unflushed).errno());
            }
            flushed.add("read -P " + pattern + " " + base + " 3000");
            flushed.add("read -P " + (pattern + 0x40) + " " + (base + 3000) + " 5000");
            flushed.add("read -P " + pattern + " " + (base + 8000) + " " + ((6 << 20) - 8000));
            if (powerCut) {
                CutReport cut = disk.cut();
                node.kill();
                System.out.printf("round %d: power cut, %d bytes dropped%n", round, cut.droppedBytes());
                disk.remount();
            } else {
                node.kill();
            }
            holder.close();
        }
        Node last = Node.start(dir);
        try {
            qemuIo(last.uri(), flushed);
        } finally {
            last.stop();
        }
    }

    private static void requireQemuIo() {
        boolean there = Files.isExecutable(Path.of("/usr/bin/qemu-io"));
        if (System.getenv("ALBIREO_REQUIRE_NBD_CLIENTS") != null) {
            assertTrue(there, "qemu-io is not installed (qemu-utils)");
        }
        assumeTrue(there, "qemu-io is not installed (qemu-utils)");
    }

    /** Runs qemu-io commands against the export; fails on any error or pattern mismatch. */
    private static void qemuIo(String uri, List<String> commands) throws Exception {
        List<String> command = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (String c : commands) {
            command.add("-c");
            command.add(c);
        }
        command.add(uri);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "qemu-io did not finish");
        assertEquals(0, p.exitValue(), out);
        assertFalse(out.contains("Pattern verification failed") || out.contains("failed:"), out);
    }

    /** The node's process. */
    private record Node(Process process, int port) {
        static Node start(Path dir) throws IOException {
            Files.createDirectories(dir);
            String java = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    NbdNode.class.getName(), dir.toString(), "0").redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> said = new ArrayList<>();
            for (String line; (line = out.readLine()) != null;) {
                if (line.startsWith("READY ")) {
                    Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
                    drain.setDaemon(true);
                    drain.start();
                    return new Node(p, Integer.parseInt(line.split(" ")[1]));
                }
                said.add(line);
            }
            p.destroyForcibly();
            throw new IOException("the node did not start:\n" + String.join("\n", said));
        }

        String uri() {
            return "nbd://127.0.0.1:" + port + "/disk";
        }

        /** SIGKILL: the crash. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(60, TimeUnit.SECONDS);
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
