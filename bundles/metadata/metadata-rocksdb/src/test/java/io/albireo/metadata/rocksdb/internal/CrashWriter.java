package io.albireo.metadata.rocksdb.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.albireo.api.Bytes;
import io.albireo.api.Update;

/**
 * What {@link CrashTest} kills: a JVM writing sequences of {@link #KEYS} keys per apply from 8 threads, printing
 * {@code ACK n END} once apply n returned. Usage: {@code CrashWriter DIR FIRST}.
 */
public final class CrashWriter {
    static final int KEYS = 10;

    private CrashWriter() {
    }

    static Bytes key(long seq, int part) {
        return Bytes.utf8(String.format("s/%012d/%02d", seq, part));
    }

    static Bytes value(long seq, int part) {
        return Bytes.utf8(seq + ":" + part + ":" + "x".repeat((int) (seq % 200)));
    }

    public static void main(String[] args) throws Exception {
        RocksMetadataStore store = RocksMetadataStore.open(Path.of(args[0]), RocksMetadataStore.Settings.DEFAULT,
                name -> null);
        AtomicLong next = new AtomicLong(Long.parseLong(args[1]));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        out.println("READY");
        out.flush();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            Thread t = new Thread(() -> {
                while (true) {
                    long seq = next.getAndIncrement();
                    List<Update> updates = new ArrayList<>();
                    for (int p = 0; p < KEYS; p++) {
                        updates.add(Update.set(key(seq, p), value(seq, p)));
                    }
                    store.apply(List.of(), updates);
                    synchronized (out) {
                        out.println("ACK " + seq + " END");
                        out.flush();
                    }
                }
            });
            t.start();
            writers.add(t);
        }
        for (Thread t : writers) {
            t.join();
        }
    }
}
