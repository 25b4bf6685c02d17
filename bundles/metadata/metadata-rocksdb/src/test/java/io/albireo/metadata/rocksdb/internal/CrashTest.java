package io.albireo.metadata.rocksdb.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;

/**
 * Kill -9 of a JVM writing through the store: after reopening, every acknowledged sequence (10 keys in one apply) is
 * fully present with its values, and no sequence is partly present. Three rounds on the same directory, each killed at
 * a random moment.
 */
class CrashTest {
    @TempDir
    Path dir;

    @Test
    void acknowledgedSequencesSurviveAndNoneIsTorn() throws Exception {
        Random random = new Random(20261123);
        Set<Long> acknowledged = new HashSet<>();
        for (int round = 0; round < 3; round++) {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    CrashWriter.class.getName(), dir.toString(), Long.toString(round * 1_000_000_000L))
                    .redirectErrorStream(true).start();
            Set<Long> acked = new HashSet<>();
            Thread reader = new Thread(() -> read(p, acked));
            reader.start();
            synchronized (acked) {
                while (acked.isEmpty() && p.isAlive()) {
                    acked.wait(100);
                }
            }
            Thread.sleep(300 + random.nextInt(1200));
            p.destroyForcibly(); // SIGKILL on Linux
            p.waitFor(30, TimeUnit.SECONDS);
            reader.join(30_000);
            synchronized (acked) {
                assertTrue(acked.size() > 0, "round " + round + ": some applies were acknowledged before the kill");
                acknowledged.addAll(acked);
            }
            try (RocksMetadataStore store = RocksMetadataStore.open(dir, RocksMetadataStore.Settings.DEFAULT,
                    name -> null)) {
                verify(store, acknowledged, round);
            }
        }
    }

    private static void read(Process p, Set<Long> acked) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null;) {
                // A line cut by the kill lacks its END and proves nothing.
                if (line.startsWith("ACK ") && line.endsWith(" END")) {
                    synchronized (acked) {
                        acked.add(Long.parseLong(line.split(" ")[1]));
                        acked.notifyAll();
                    }
                }
            }
        } catch (IOException e) {
            // the writer was killed
        }
    }

    private static void verify(RocksMetadataStore store, Set<Long> acknowledged, int round) {
        Map<Long, Integer> parts = new HashMap<>();
        List<Entry> all = store.range(KeyRange.prefix(Bytes.utf8("s/")), Integer.MAX_VALUE, false);
        for (Entry e : all) {
            String[] k = e.key().utf8().split("/");
            long seq = Long.parseLong(k[1]);
            int part = Integer.parseInt(k[2]);
            assertEquals(CrashWriter.value(seq, part), e.value(), "round " + round + ": value of " + e.key().utf8());
            parts.merge(seq, 1, Integer::sum);
        }
        for (Map.Entry<Long, Integer> s : parts.entrySet()) {
            assertEquals(CrashWriter.KEYS, s.getValue(), "round " + round + ": sequence " + s.getKey()
                    + " is partly present");
        }
        for (long seq : acknowledged) {
            assertTrue(parts.containsKey(seq), "round " + round + ": acknowledged sequence " + seq + " is missing");
        }
        System.out.printf("round %d: %d sequences acknowledged so far, %d present, none torn%n", round,
                acknowledged.size(), parts.size());
    }
}
