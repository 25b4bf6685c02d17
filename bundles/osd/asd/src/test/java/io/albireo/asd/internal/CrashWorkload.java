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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.asd.protocol.Message;

/**
 * What the crash tests do to an ASD and check afterwards: writers that send three-key applies (small, a blob, small)
 * whose contents derive from the apply's number, so a partial or torn apply shows, and a check that every acknowledged
 * apply is wholly present with its exact bytes, every other one wholly present or wholly absent, and no orphan blob
 * is left. The ASD runs in a JVM of its own ({@link Asd}), so that it can be killed.
 */
final class CrashWorkload {
    private final Set<Integer> attempted = ConcurrentHashMap.newKeySet();
    private final Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicInteger next = new AtomicInteger();
    private final List<String> unexpected = new CopyOnWriteArrayList<>();

    /** @return the writers, started against the ASD at {@code address}; each stops when its connection dies */
    List<Thread> startWriters(InetSocketAddress address, int writers) {
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            Thread t = new Thread(() -> write(address), "crash-writer-" + w);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    /** Waits until the first apply is acknowledged, or the writers stopped. */
    void awaitFirstAcknowledgement(List<Thread> writers) throws InterruptedException {
        int before = acknowledged.size();
        while (acknowledged.size() == before && writers.stream().anyMatch(Thread::isAlive)) {
            Thread.sleep(10);
        }
    }

    int attempted() {
        return attempted.size();
    }

    int acknowledged() {
        return acknowledged.size();
    }

    /** @return answers that were neither an acknowledgement nor a lost connection */
    List<String> unexpected() {
        return List.copyOf(unexpected);
    }

    private void write(InetSocketAddress address) {
        Message[] answer = new Message[1];
        try (TestClient c = TestClient.connect(address, "", answer)) {
            while (true) {
                int i = next.getAndIncrement();
                attempted.add(i);
                Message m = c.call(new Message.Apply(List.of(), List.of(Update.set(key(i, "a"), value(i, "a")),
                        Update.set(key(i, "b"), value(i, "b")), Update.set(key(i, "c"), value(i, "c")))));
                if (m instanceof Message.Failure f && f.kind() == Message.Failure.Kind.UNAVAILABLE) {
                    return; // the disk is gone (the power cut): not acknowledged, and it is not an error
                }
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

    /**
     * Checks what an ASD restarted after the crash holds.
     *
     * @param blobs the ASD's blob folder, which must hold no file
     * @return how many applies are present
     */
    int verify(InetSocketAddress address, Path blobs, String round) throws IOException {
        Message[] answer = new Message[1];
        int present = 0;
        try (TestClient c = TestClient.connect(address, "", answer)) {
            for (int i : attempted) {
                Message m = c.call(new Message.Get(List.of(key(i, "a"), key(i, "b"), key(i, "c"))));
                assertTrue(m instanceof Message.Values, round + ": apply " + i + " reads back, not " + m);
                Message.Values v = (Message.Values) m;
                long found = v.values().stream().filter(Optional::isPresent).count();
                if (acknowledged.contains(i)) {
                    assertEquals(3, found, round + ": acknowledged apply " + i + " is fully present");
                } else {
                    assertTrue(found == 0 || found == 3, round + ": unacknowledged apply " + i + " is " + found
                            + " of 3 keys present");
                }
                if (found == 3) {
                    present++;
                    assertEquals(value(i, "a"), v.values().get(0).orElseThrow(), round + ": apply " + i + " key a");
                    assertEquals(value(i, "b"), v.values().get(1).orElseThrow(), round + ": apply " + i + " key b");
                    assertEquals(value(i, "c"), v.values().get(2).orElseThrow(), round + ": apply " + i + " key c");
                }
            }
        }
        try (Stream<Path> files = Files.walk(blobs)) {
            // Part b (100 KB) goes to a segment: a blob file would be an orphan (SegmentsTest checks segments').
            assertEquals(0, files.filter(Files::isRegularFile).count(), round + ": no blob file, no orphan");
        }
        return present;
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

    /** An ASD in a JVM of its own ({@link StandaloneAsd}). */
    record Asd(Process process, InetSocketAddress address) {
        static Asd start(Path dir, String sync) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    StandaloneAsd.class.getName(), dir.toString(), "0", sync).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> said = new ArrayList<>();
            for (String line; (line = out.readLine()) != null;) {
                if (line.startsWith("READY ")) {
                    int port = Integer.parseInt(line.split(" ")[1]);
                    Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
                    drain.setDaemon(true);
                    drain.start();
                    return new Asd(p, new InetSocketAddress("127.0.0.1", port));
                }
                said.add(line);
            }
            p.destroyForcibly();
            throw new IOException("the ASD did not start:\n" + String.join("\n", said));
        }

        /** SIGKILL, as a crash. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        /** SIGTERM: the ASD closes its store and exits. */
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
