package io.albireo.osd.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.albireo.api.Bytes;

class OsdBenchTest {
    private final MemoryOsd osd = new MemoryOsd();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    /** Moves 10 ms per value written and stands still otherwise: the write phase ends after a known amount of work. */
    private final AtomicLong clock = new AtomicLong();

    OsdBenchTest() {
        osd.onSet = () -> clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(10));
    }

    @AfterEach
    void close() {
        osd.close();
    }

    private OsdBench bench(int size, int clients) {
        return new OsdBench(osd, size, clients, 0.2, clock::get, "test-run");
    }

    @Test
    void writesReadsAndDeletesLeavingOnlyWhatWasThere() throws Exception {
        osd.store.put(Bytes.utf8("data/1"), new byte[] {42});
        OsdBench bench = bench(10_000, 3);
        OsdBench.Run run = bench.run(out);

        List<String> phases = run.phases().stream().map(OsdBench.Result::phase).toList();
        assertEquals(List.of("write", "get", "get-slices", "delete"), phases);
        long written = run.phases().get(0).operations();
        assertTrue(written >= 20, "0.2 s at 10 ms per write: about 20 writes, got " + written);
        for (OsdBench.Result r : run.phases()) {
            assertEquals(0, r.errors(), r.phase() + ": " + r.firstError());
            assertEquals(written, r.operations(), r.phase() + " goes over every key written");
            assertEquals(written, r.latencies().count());
        }
        assertEquals(written * 10_000, run.phases().get(1).bytes());
        assertEquals(written * OsdBench.SLICE, run.phases().get(2).bytes());
        assertEquals(0, run.phases().get(3).bytes());
        assertEquals(0, run.errors());
        assertNull(run.firstError());
        assertEquals(0, run.leftOver());
        assertFalse(run.interrupted());

        assertEquals("bench/test-run/", bench.prefix());
        assertTrue(osd.everSet.stream().allMatch(k -> k.utf8().startsWith("bench/test-run/")), osd.everSet.toString());
        assertEquals(written, osd.everSet.size(), "every write under a fresh key");
        assertEquals(List.of(Bytes.utf8("data/1")), List.copyOf(osd.store.keySet()), "only what was there is left");

        String text = printed.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith(OsdBench.Result.header()), text);
        assertEquals(5, text.lines().count(), text);
        assertTrue(text.lines().skip(4).findFirst().orElseThrow().matches("  delete +\\d+ .* - .*"), text);
    }

    @Test
    void valuesSmallerThanTheirStampAndLargerThanASliceAreChecked() throws Exception {
        for (int size : new int[] {1, 5, 4097, 20_000}) {
            OsdBench.Run run = new OsdBench(osd, size, 2, 0.05, clock::get, "size-" + size).run(out);
            assertEquals(0, run.errors(), size + " bytes: " + run.firstError());
            assertTrue(run.phases().get(2).operations() > 0);
            assertEquals(Math.min(size, OsdBench.SLICE) * run.phases().get(2).operations(),
                    run.phases().get(2).bytes());
        }
        assertTrue(osd.store.isEmpty());
    }

    @Test
    void aReadThatDiffersFromTheWriteIsAnError() throws Exception {
        osd.corrupt = true;
        OsdBench.Run run = bench(1000, 2).run(out);
        assertEquals(2, run.phases().get(1).errors(), "each client stops at its first bad read");
        assertTrue(run.firstError().contains("the bytes read differ from those written, at byte 0"),
                run.firstError());
        assertTrue(run.firstError().startsWith("get of bench/test-run/"), run.firstError());
        assertTrue(osd.store.isEmpty());
    }

    @Test
    void failedWritesAreCountedAndCleanedUp() throws Exception {
        AtomicLong sets = new AtomicLong();
        // The fifth write fails; its key is deleted anyway, since a failed write may still have happened.
        osd.failing = u -> !u.isDelete() && sets.incrementAndGet() == 5;
        OsdBench.Run run = bench(100, 1).run(out);
        assertEquals(4, run.phases().get(0).operations());
        assertEquals(1, run.phases().get(0).errors());
        assertTrue(run.firstError().endsWith("memory-1: told to fail"), run.firstError());
        assertEquals(4, run.phases().get(1).operations(), "reads go over the keys written");
        assertEquals(5, run.phases().get(3).operations(), "deletes go over the keys tried");
        assertEquals(0, run.leftOver());
        assertTrue(osd.store.isEmpty());
    }

    @Test
    void anOsdThatCannotDeleteIsReported() throws Exception {
        osd.failing = u -> u.isDelete();
        // One client: with two, the shared test clock may run out before the second one writes a key (and then it
        // has nothing to delete), so the count of failed deletes would depend on scheduling.
        OsdBench.Run run = bench(100, 1).run(out);
        assertEquals(1, run.phases().get(3).errors());
        assertEquals(-1, run.leftOver());
        assertEquals("memory-1: told to fail", run.cleanupError());
        assertFalse(osd.keysUnder("bench/test-run/").isEmpty());
    }

    @Test
    void anInterruptedRunCleansUp() throws Exception {
        OsdBench bench = new OsdBench(osd, 100, 4, 600, System::nanoTime, "interrupted");
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread runner = new Thread(() -> {
            try {
                outcome.set(bench.run(out));
            } catch (Exception e) {
                outcome.set(e);
            }
        });
        runner.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (osd.everSet.size() < 50) {
            assertTrue(System.nanoTime() < deadline, "the bench wrote nothing");
            Thread.sleep(1);
        }
        runner.interrupt();
        runner.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(runner.isAlive(), "the bench did not stop when interrupted");
        OsdBench.Run run = (OsdBench.Run) outcome.get();
        assertTrue(run.interrupted());
        assertEquals(0, run.leftOver());
        assertTrue(osd.everSet.size() >= 50);
        assertEquals(List.of(), osd.keysUnder("bench/interrupted/"));
    }

    @Test
    void keysAlreadyUnderThePrefixAreLeftAlone() {
        osd.store.put(Bytes.utf8("bench/test-run/0/0"), new byte[] {1});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> bench(100, 1).run(out));
        assertEquals("keys already exist under bench/test-run/: not touching them", e.getMessage());
        assertEquals(1, osd.store.size());
        assertTrue(osd.everSet.isEmpty());
    }

    @Test
    void runIdsAreSixteenHexDigitsAndDiffer() {
        String a = OsdBench.newRunId();
        assertTrue(a.matches("[0-9a-f]{16}"), a);
        assertFalse(a.equals(OsdBench.newRunId()));
    }

    @Test
    void optionsAreChecked() {
        assertEquals("--size must be at least 1 byte; got 0", assertThrows(IllegalArgumentException.class,
                () -> new OsdBench(osd, 0, 1, 1, clock::get, "x")).getMessage());
        assertEquals("--seconds must be more than 0 and at most 600; got 0.0",
                assertThrows(IllegalArgumentException.class, () -> new OsdBench(osd, 1, 1, 0, clock::get, "x"))
                        .getMessage());
    }
}
