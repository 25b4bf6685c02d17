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
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;

/**
 * One round of a crash test of the store: a {@link CrashWriter} JVM writing into a directory and reporting what was
 * acknowledged, then killed; and the check of what the store holds when opened again.
 */
final class CrashRound implements AutoCloseable {
    private final Process process;
    private final Set<Long> acked = new HashSet<>();
    private final Thread reader;

    /** Starts a writer on {@code dir} whose sequence numbers begin at {@code first}. */
    CrashRound(Path dir, long first) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(),
                dir.toString(), Long.toString(first)).redirectErrorStream(true).start();
        reader = new Thread(this::read, "crash-acks");
        reader.start();
    }

    /** Waits until the writer acknowledged its first apply (or died). */
    void awaitFirstAcknowledgement() throws InterruptedException {
        synchronized (acked) {
            while (acked.isEmpty() && process.isAlive()) {
                acked.wait(100);
            }
        }
    }

    /** SIGKILL, then every acknowledgement the writer printed. */
    Set<Long> kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        reader.join(30_000);
        synchronized (acked) {
            return Set.copyOf(acked);
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    private void read() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
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

    /**
     * Checks the store after a crash: every acknowledged sequence whole with its values, no sequence partly there.
     *
     * @return the sequences present
     */
    static int verify(RocksMetadataStore store, Set<Long> acknowledged, String round) {
        Map<Long, Integer> parts = new HashMap<>();
        List<Entry> all = store.range(KeyRange.prefix(Bytes.utf8("s/")), Integer.MAX_VALUE, false);
        for (Entry e : all) {
            String[] k = e.key().utf8().split("/");
            long seq = Long.parseLong(k[1]);
            int part = Integer.parseInt(k[2]);
            assertEquals(CrashWriter.value(seq, part), e.value(), round + ": value of " + e.key().utf8());
            parts.merge(seq, 1, Integer::sum);
        }
        for (Map.Entry<Long, Integer> s : parts.entrySet()) {
            assertEquals(CrashWriter.KEYS, s.getValue(), round + ": sequence " + s.getKey() + " is partly present");
        }
        Set<Long> missing = new HashSet<>(acknowledged);
        missing.removeAll(parts.keySet());
        assertTrue(missing.isEmpty(), round + ": " + missing.size() + " acknowledged sequences are missing, e.g. "
                + missing.stream().limit(5).toList());
        return parts.size();
    }
}
