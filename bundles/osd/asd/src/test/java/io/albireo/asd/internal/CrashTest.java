package io.albireo.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.asd.protocol.Message;

/**
 * Kill -9 of a JVM hosting an ASD while clients write: after a restart every acknowledged apply is fully present, and
 * no unacknowledged apply is partly present. Each apply writes three keys (small, a blob, small) whose contents derive
 * from the apply's number, so a partial or torn apply shows. Three rounds on the same disk, alternating the two sync
 * modes, each killed at a random moment.
 */
class CrashTest {
    private static final int WRITERS = 8;

    @TempDir
    Path dir;

    private final Set<Integer> attempted = ConcurrentHashMap.newKeySet();
    private final Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicInteger next = new AtomicInteger();
    private final List<String> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Test
    void acknowledgedAppliesSurviveAndUnacknowledgedOnesAreAllOrNothing() throws Exception {
        Random random = new Random(20261122);
        for (int round = 0; round < 3; round++) {
            String sync = round % 2 == 0 ? "fsync" : "syncfs";
            Asd asd = Asd.start(dir, sync);
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                Thread t = new Thread(() -> write(asd.address));
                t.start();
                writers.add(t);
            }
            Thread.sleep(400 + random.nextInt(1200));
            asd.process.destroyForcibly();
            asd.process.waitFor(30, TimeUnit.SECONDS);
            for (Thread t : writers) {
                t.join(30_000);
            }
            assertEquals(List.of(), unexpected, "answers other than applied");
            assertTrue(acknowledged.size() > 0, "round " + round + ": some applies were acknowledged before the kill");

            System.out.printf("round %d (%s): %d applies attempted, %d acknowledged before SIGKILL%n", round, sync,
                    attempted.size(), acknowledged.size());
            Asd restarted = Asd.start(dir, sync);
            try {
                verify(restarted.address, round);
            } finally {
                restarted.process.destroyForcibly();
                restarted.process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private void write(InetSocketAddress address) {
        Message[] answer = new Message[1];
        try (TestClient c = TestClient.connect(address, "", answer)) {
            while (true) {
                int i = next.getAndIncrement();
                attempted.add(i);
                Message m = c.call(new Message.Apply(List.of(), List.of(Update.set(key(i, "a"), value(i, "a")),
                        Update.set(key(i, "b"), value(i, "b")), Update.set(key(i, "c"), value(i, "c")))));
                if (!(m instanceof Message.Applied)) {
                    unexpected.add(i + ": " + m);
                    return;
                }
                acknowledged.add(i);
            }
        } catch (IOException e) {
            // the ASD was killed: this writer stops
        }
    }

    private void verify(InetSocketAddress address, int round) throws IOException {
        Message[] answer = new Message[1];
        int present = 0;
        try (TestClient c = TestClient.connect(address, "", answer)) {
            for (int i : attempted) {
                Message.Values v = (Message.Values) c.call(new Message.Get(List.of(key(i, "a"), key(i, "b"),
                        key(i, "c"))));
                long found = v.values().stream().filter(Optional::isPresent).count();
                if (acknowledged.contains(i)) {
                    assertEquals(3, found, "round " + round + ": acknowledged apply " + i + " is fully present");
                } else {
                    assertTrue(found == 0 || found == 3, "round " + round + ": unacknowledged apply " + i + " is "
                            + found + " of 3 keys present");
                }
                if (found == 3) {
                    present++;
                    assertEquals(value(i, "a"), v.values().get(0).orElseThrow(), "apply " + i + " key a");
                    assertEquals(value(i, "b"), v.values().get(1).orElseThrow(), "apply " + i + " key b");
                    assertEquals(value(i, "c"), v.values().get(2).orElseThrow(), "apply " + i + " key c");
                }
            }
        }
        try (Stream<Path> files = Files.walk(dir.resolve("blobs"))) {
            assertEquals(present, files.filter(Files::isRegularFile).count(),
                    "round " + round + ": one blob per present apply, no orphans left");
        }
    }

    private static Bytes key(int i, String part) {
        return Bytes.utf8("w/" + i + "/" + part);
    }

    /** Part b is a blob (over the 64 KiB threshold); a and c are small. */
    private static ByteBuffer value(int i, String part) {
        byte[] bytes = new byte[part.equals("b") ? 100_000 + i % 1000 : 100 + i % 50];
        new Random(i * 31L + part.hashCode()).nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }

    /** An ASD in a JVM of its own. */
    private record Asd(Process process, InetSocketAddress address) {
        static Asd start(Path dir, String sync) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    StandaloneAsd.class.getName(), dir.toString(), "0", sync).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = out.readLine()) != null;) {
                if (line.startsWith("READY ")) {
                    int port = Integer.parseInt(line.split(" ")[1]);
                    Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
                    drain.setDaemon(true);
                    drain.start();
                    return new Asd(p, new InetSocketAddress("127.0.0.1", port));
                }
            }
            p.destroyForcibly();
            throw new IOException("the ASD did not start");
        }
    }
}
