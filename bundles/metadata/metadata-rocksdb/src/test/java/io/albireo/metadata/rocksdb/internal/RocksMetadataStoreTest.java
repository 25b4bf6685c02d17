package io.albireo.metadata.rocksdb.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.Assert;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.StorageException;
import io.albireo.api.Update;
import io.albireo.api.metadata.MetadataOperation;
import io.albireo.api.metadata.MetadataTransaction;

class RocksMetadataStoreTest {
    @TempDir
    Path dir;

    private final Map<String, MetadataOperation> operations = new HashMap<>();
    private RocksMetadataStore store;

    @BeforeEach
    void open() {
        Function<String, MetadataOperation> all = TestOperations.all();
        store = RocksMetadataStore.open(dir, RocksMetadataStore.Settings.DEFAULT,
                name -> operations.containsKey(name) ? operations.get(name) : all.apply(name));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static Bytes b(String s) {
        return Bytes.utf8(s);
    }

    private static List<String> keys(List<Entry> entries) {
        return entries.stream().map(e -> e.key().utf8()).toList();
    }

    private void put(String... keys) {
        List<Update> updates = new ArrayList<>();
        for (String k : keys) {
            updates.add(Update.set(b(k), b("v" + k)));
        }
        store.apply(List.of(), updates);
    }

    @Test
    void applyThenGetAndMultiGet() {
        put("a", "b");
        assertEquals(Optional.of(b("va")), store.get(b("a")));
        assertEquals(Optional.empty(), store.get(b("zz")));
        assertEquals(List.of(Optional.of(b("vb")), Optional.empty(), Optional.of(b("va"))),
                store.get(List.of(b("b"), b("c"), b("a"))));
        store.apply(List.of(), List.of(Update.delete(b("a"))));
        assertEquals(Optional.empty(), store.get(b("a")));
    }

    @Test
    void rangesForwardReverseLimitsPrefixes() {
        put("a", "b/1", "b/2", "b/3", "c", "d");
        KeyRange all = KeyRange.all();
        assertEquals(List.of("a", "b/1", "b/2", "b/3", "c", "d"), keys(store.range(all, 100, false)));
        assertEquals(List.of("d", "c", "b/3", "b/2", "b/1", "a"), keys(store.range(all, 100, true)));
        assertEquals(List.of("a", "b/1"), keys(store.range(all, 2, false)));
        assertEquals(List.of("d", "c"), keys(store.range(all, 2, true)));
        assertEquals(List.of(), store.range(all, 0, false));
        KeyRange prefix = KeyRange.prefix(b("b/"));
        assertEquals(List.of("b/1", "b/2", "b/3"), keys(store.range(prefix, 10, false)));
        assertEquals(List.of("b/3", "b/2"), keys(store.range(prefix, 2, true)));
        // Start inclusive, end exclusive, both ways.
        KeyRange bc = new KeyRange(b("b/2"), b("c"));
        assertEquals(List.of("b/2", "b/3"), keys(store.range(bc, 10, false)));
        assertEquals(List.of("b/3", "b/2"), keys(store.range(bc, 10, true)));
        assertEquals(List.of(), store.range(new KeyRange(b("c"), b("c")), 10, true));
        assertEquals(List.of(), store.range(KeyRange.prefix(b("x")), 10, false));
        assertEquals(List.of(), store.range(KeyRange.prefix(b("x")), 10, true));
        assertEquals(b("vb/1"), store.range(prefix, 1, false).get(0).value());
        assertThrows(IllegalArgumentException.class, () -> store.range(all, -1, false));
    }

    @Test
    void assertsOnValueAndAbsence() {
        put("k");
        store.apply(List.of(Assert.value(b("k"), b("vk")), Assert.absent(b("new"))),
                List.of(Update.set(b("new"), b("1"))));
        assertEquals(Optional.of(b("1")), store.get(b("new")));
        AssertFailedException e = assertThrows(AssertFailedException.class, () -> store.apply(
                List.of(Assert.absent(b("other")), Assert.value(b("k"), b("wrong"))),
                List.of(Update.set(b("other"), b("x")), Update.delete(b("k")))));
        assertEquals(1, e.index());
        assertEquals(b("k"), e.key());
        assertEquals(Optional.empty(), store.get(b("other")), "a failed apply changes nothing");
        assertEquals(Optional.of(b("vk")), store.get(b("k")));
        assertThrows(AssertFailedException.class, () -> store.apply(List.of(Assert.absent(b("k"))), List.of()));
        assertThrows(AssertFailedException.class, () -> store.apply(List.of(Assert.value(b("nope"), b(""))),
                List.of()));
    }

    @Test
    void operationsSeeTheirOwnWritesAndFailuresLeaveNothing() {
        put("src");
        assertEquals(b("vsrc"), store.execute("copy", Bytes.EMPTY));
        assertEquals(Optional.of(b("vsrc")), store.get(b("dst")));
        StorageException e = assertThrows(StorageException.class, () -> store.execute("write-then-fail", b("x")));
        assertEquals("refused on purpose", e.getMessage());
        assertEquals(Optional.empty(), store.get(b("x")));
        StorageException unknown = assertThrows(StorageException.class, () -> store.execute("nope", Bytes.EMPTY));
        assertTrue(unknown.getMessage().contains("'nope'"), unknown.getMessage());
    }

    @Test
    void prepareRunsOnTheCallersThreadAndItsFailureQueuesNothing() {
        Thread caller = Thread.currentThread();
        AtomicReference<Thread> preparedOn = new AtomicReference<>();
        AtomicReference<Thread> appliedOn = new AtomicReference<>();
        operations.put("prepared", new MetadataOperation() {
            @Override
            public String name() {
                return "prepared";
            }

            @Override
            public Object prepare(Bytes argument) {
                preparedOn.set(Thread.currentThread());
                if (argument.utf8().equals("bad")) {
                    throw new IllegalArgumentException("bad argument");
                }
                return argument.utf8().toUpperCase(java.util.Locale.ROOT);
            }

            @Override
            public Bytes apply(MetadataTransaction tx, Object prepared) {
                appliedOn.set(Thread.currentThread());
                tx.put(b("p"), Bytes.utf8((String) prepared));
                return Bytes.utf8((String) prepared);
            }

            @Override
            public Bytes apply(MetadataTransaction tx, Bytes argument) {
                return apply(tx, prepare(argument));
            }
        });
        long commands = store.status().commands();
        assertEquals(b("ABC"), store.execute("prepared", b("abc")));
        assertEquals(caller, preparedOn.get());
        assertTrue(appliedOn.get() != caller, "apply runs on the committer");
        assertEquals(Optional.of(b("ABC")), store.get(b("p")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> store.execute("prepared", b("bad")));
        assertEquals("bad argument", e.getMessage());
        assertEquals(commands + 1, store.status().commands(), "a failed prepare queues nothing");
    }

    @Test
    void operationRangesMergeTheBatchAndItsOwnWrites() {
        put("r/1", "r/3", "r/5");
        operations.put("scan", TestOperations.op("scan", (tx, arg) -> {
            tx.put(b("r/2"), b("new"));
            tx.delete(b("r/3"));
            tx.put(b("r/5"), b("over"));
            KeyRange r = KeyRange.prefix(b("r/"));
            String forward = String.join(",", keys(tx.range(r, 10, false)));
            String back = String.join(",", keys(tx.range(r, 2, true)));
            return b(forward + "|" + back + "|" + tx.range(r, 10, false).get(2).value().utf8());
        }));
        assertEquals(b("r/1,r/2,r/5|r/5,r/2|over"), store.execute("scan", Bytes.EMPTY));
    }

    /** Commands in one batch: each sees the writes of the ones before it; a failed one's writes are not seen. */
    @Test
    void laterCommandsOfABatchSeeEarlierOnes() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        operations.put("hold", TestOperations.op("hold", (tx, arg) -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new StorageException("interrupted");
            }
            return Bytes.EMPTY;
        }));
        store.apply(List.of(), List.of(Update.set(b("committed"), b("c"))));
        Thread holder = new Thread(() -> store.execute("hold", Bytes.EMPTY));
        holder.start();
        inside.await();
        // While the committer is held, queue: a put, failing ops (one overwriting the put's key), then a reader; they
        // commit as one batch. The reader writes and then reads a range: the batch's writes and its own, in order.
        AtomicReference<Object> read = new AtomicReference<>();
        operations.put("read", TestOperations.op("read", (tx, arg) -> {
            tx.put(b("own"), b("2"));
            read.set(tx.get(b("batch")).map(Bytes::utf8).orElse("absent") + "/"
                    + tx.get(b("leak")).map(Bytes::utf8).orElse("absent") + "/"
                    + tx.get(List.of(b("leak"), b("own"), b("batch"), b("committed"))).stream()
                            .map(v -> v.map(Bytes::utf8).orElse("absent")).toList() + "/"
                    + tx.range(KeyRange.all(), 10, false).stream().map(e -> e.key().utf8() + "=" + e.value().utf8())
                            .toList());
            return Bytes.EMPTY;
        }));
        List<Thread> clients = new ArrayList<>();
        clients.add(new Thread(() -> store.apply(List.of(), List.of(Update.set(b("batch"), b("1"))))));
        clients.add(new Thread(() -> assertThrows(StorageException.class,
                () -> store.execute("write-then-fail", b("leak")))));
        clients.add(new Thread(() -> assertThrows(StorageException.class,
                () -> store.execute("write-then-fail", b("batch")))));
        for (Thread t : clients) {
            t.start();
            while (t.getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
            }
        }
        Thread reader = new Thread(() -> store.execute("read", Bytes.EMPTY));
        reader.start();
        while (reader.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        release.countDown();
        holder.join();
        reader.join();
        for (Thread t : clients) {
            t.join();
        }
        assertEquals("1/absent/[absent, 2, 1, c]/[batch=1, committed=c, own=2]", read.get());
    }

    @Test
    void aTransactionKeptPastItsOperationCannotWrite() {
        AtomicReference<MetadataTransaction> kept = new AtomicReference<>();
        operations.put("keep", TestOperations.op("keep", (tx, arg) -> {
            kept.set(tx);
            return Bytes.EMPTY;
        }));
        store.execute("keep", Bytes.EMPTY);
        assertThrows(IllegalStateException.class, () -> kept.get().put(b("late"), b("x")));
        assertEquals(Optional.empty(), store.get(b("late")));
    }

    @Test
    void badInputsAreRefusedAndTouchNothing() {
        Bytes longKey = Bytes.of(new byte[RocksMetadataStore.MAX_KEY + 1]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> store.apply(List.of(), List.of(Update.set(b("ok"), b("1")), Update.set(longKey, b("1")))));
        assertTrue(e.getMessage().contains("at most 4096 bytes"), e.getMessage());
        assertEquals(Optional.empty(), store.get(b("ok")));
        assertThrows(IllegalArgumentException.class, () -> store.get(longKey));
        assertThrows(IllegalArgumentException.class, () -> store.apply(List.of(),
                List.of(Update.set(b("big"), Bytes.of(new byte[RocksMetadataStore.MAX_VALUE + 1])))));
        assertThrows(IllegalArgumentException.class, () -> store.execute("", Bytes.EMPTY));
        // Inside an operation: the operation fails, nothing of it is stored.
        operations.put("long", TestOperations.op("long", (tx, arg) -> {
            tx.put(b("first"), b("1"));
            tx.put(longKey, b("1"));
            return Bytes.EMPTY;
        }));
        assertThrows(IllegalArgumentException.class, () -> store.execute("long", Bytes.EMPTY));
        assertEquals(Optional.empty(), store.get(b("first")));
    }

    @Test
    void dataSurvivesReopenAndClosedStoreRefuses() {
        put("keep");
        store.close();
        StorageException e = assertThrows(StorageException.class, () -> store.get(b("keep")));
        assertEquals("metadata store is stopping", e.getMessage());
        assertThrows(StorageException.class, () -> store.apply(List.of(), List.of(Update.delete(b("keep")))));
        store = RocksMetadataStore.open(dir, RocksMetadataStore.Settings.DEFAULT, TestOperations.all());
        assertEquals(Optional.of(b("vkeep")), store.get(b("keep")));
        RocksMetadataStore.Status s = store.status();
        assertEquals(0, s.commits());
        store.execute("incr", b("n"));
        assertEquals(1, store.status().commits());
        assertEquals(1, store.status().commands());
    }

    @Test
    void compareAndSetRacesHaveOneWinnerPerRound() throws Exception {
        for (int clients : new int[] {2, 16}) {
            int rounds = clients == 2 ? 200 : 60;
            assertEquals(rounds, race(clients, rounds, "op" + clients, true));
            assertEquals(rounds, race(clients, rounds, "apply" + clients, false));
        }
    }

    /** @return the number of rounds won by exactly one client */
    private int race(int clients, int rounds, String key, boolean viaOperation) throws Exception {
        CyclicBarrier barrier = new CyclicBarrier(clients);
        int[][] wins = new int[rounds][clients];
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                try {
                    for (int r = 0; r < rounds; r++) {
                        barrier.await();
                        String expected = r == 0 ? "-" : Integer.toString(r);
                        boolean won;
                        if (viaOperation) {
                            won = store.execute("cas", b(key + "=" + expected + ">" + (r + 1))).utf8().equals("1");
                        } else {
                            Assert a = r == 0 ? Assert.absent(b(key)) : Assert.value(b(key), b(expected));
                            try {
                                store.apply(List.of(a), List.of(Update.set(b(key), b(Integer.toString(r + 1)))));
                                won = true;
                            } catch (AssertFailedException e) {
                                won = false;
                            }
                        }
                        wins[r][client] = won ? 1 : 0;
                        barrier.await();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    barrier.reset();
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        int single = 0;
        for (int r = 0; r < rounds; r++) {
            int sum = 0;
            for (int w : wins[r]) {
                sum += w;
            }
            assertEquals(1, sum, key + " round " + r + " winners");
            single++;
        }
        assertEquals(Optional.of(b(Integer.toString(rounds))), store.get(b(key)));
        return single;
    }

    @Test
    void eightThreadsIncrementingEndAtEightThousand() throws Exception {
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                try {
                    for (int i = 0; i < 1000; i++) {
                        store.execute("incr", b("counter"));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(null, failure.get());
        assertEquals(Optional.of(b("8000")), store.get(b("counter")));
        RocksMetadataStore.Status s = store.status();
        assertEquals(8000, s.commands());
        System.out.printf("8 x 1000 increments: %d commits, %.1f commands per commit%n", s.commits(), s.meanBatch());
    }
}
