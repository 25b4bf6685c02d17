package io.albireo.osd.asd.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.albireo.api.Assert;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.IntegrityException;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdFullException;
import io.albireo.api.osd.OsdIdentity;
import io.albireo.api.osd.OsdStatistics;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.asd.protocol.Limits;
import io.albireo.asd.protocol.Message;

/** The driver against a well-behaved ASD: every operation, pipelining, the pool, and the ASD's own failures. */
class AsdOsdTest extends DriverTestSupport {

    @Test
    void everyOperationRoundTrips() throws Exception {
        AsdOsd osd = driver(settings());
        byte[] big = new byte[100_000];
        new Random(1).nextBytes(big);
        // A value over 4 KiB leaves as its own buffer in the gathering write; a small one is copied into the frame.
        await(osd.apply(List.of(Assert.absent(key("a"))),
                List.of(Update.set(key("a"), buffer("alpha")), Update.set(key("b"), ByteBuffer.wrap(big)))));
        assertEquals(new OsdIdentity("asd-test-1", "node-1", "asd"), osd.identity());

        List<Optional<ByteBuffer>> values = await(osd.get(List.of(key("a"), key("b"), key("c"))));
        assertEquals("alpha", text(values.get(0).orElseThrow()));
        assertEquals(ByteBuffer.wrap(big), values.get(1).orElseThrow());
        assertTrue(values.get(2).isEmpty());

        List<Optional<ByteBuffer>> slices = await(osd.getSlices(List.of(new Osd.Slice(key("b"), 1000, 4096),
                new Osd.Slice(key("a"), 3, 100), new Osd.Slice(key("a"), 10, 4), new Osd.Slice(key("c"), 0, 1))));
        assertEquals(ByteBuffer.wrap(big, 1000, 4096), slices.get(0).orElseThrow());
        assertEquals("ha", text(slices.get(1).orElseThrow()), "a slice past the end returns the bytes that exist");
        assertEquals(0, slices.get(2).orElseThrow().remaining());
        assertTrue(slices.get(3).isEmpty(), "a slice of an absent key is absent");

        Osd.RangeResult all = await(osd.range(KeyRange.all(), 10, true));
        assertFalse(all.more());
        assertEquals(List.of(new Entry(key("a"), Bytes.utf8("alpha")), new Entry(key("b"), Bytes.of(big))),
                all.entries());
        Osd.RangeResult page = await(osd.range(KeyRange.all(), 1, false));
        assertTrue(page.more());
        assertEquals(List.of(new Entry(key("a"), null)), page.entries());
        Osd.RangeResult unlimited = await(osd.range(KeyRange.all(), Integer.MAX_VALUE, false));
        assertEquals(2, unlimited.entries().size(), "a limit over the protocol's count is clamped, not refused");
        Osd.RangeResult fromB = await(osd.range(new KeyRange(key("b"), key("c")), 10, false));
        assertEquals(List.of(new Entry(key("b"), null)), fromB.entries());

        assertEquals(new DiskUsage(5 + big.length, 1L << 30), await(osd.diskUsage()));
        OsdStatistics stats = await(osd.statistics());
        assertTrue(stats.operations().containsKey("apply"), stats.toString());
        assertEquals(12.5, stats.operations().get("apply").meanMicros());

        await(osd.apply(List.of(Assert.value(key("a"), Bytes.utf8("alpha"))), List.of(Update.delete(key("a")))));
        assertTrue(await(osd.get(List.of(key("a")))).get(0).isEmpty());
        assertEquals(List.of(), await(osd.get(List.of())), "an empty get needs no round trip");
    }

    /**
     * A read once goes as GET_ONCE to an ASD of protocol version 2 and as a plain GET to one that welcomed with version
     * 1 (which does not know GET_ONCE); the values are the same.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void readsOnceGoAsGetOnceWhereTheAsdSpeaksItAndAsGetElsewhere(int version) throws Exception {
        asd.welcomeVersion = version;
        AsdOsd osd = driver(settings());
        byte[] big = new byte[300_000];
        new Random(2).nextBytes(big);
        await(osd.apply(List.of(), List.of(Update.set(key("b"), ByteBuffer.wrap(big)))));
        List<Optional<ByteBuffer>> values = await(osd.getOnce(List.of(key("b"), key("c"))));
        assertEquals(ByteBuffer.wrap(big), values.get(0).orElseThrow());
        assertTrue(values.get(1).isEmpty());
        assertEquals(version == 2 ? 1 : 0, asd.received.getOrDefault("get-once", new AtomicInteger()).get());
        assertEquals(version == 2 ? 0 : 1, asd.received.getOrDefault("get", new AtomicInteger()).get());
        assertEquals(List.of(), await(osd.getOnce(List.of())), "an empty read needs no round trip");
    }

    @Test
    void pipelinedRequestsOnOneConnectionEachGetTheirOwnAnswerInAnyOrder() throws Exception {
        AsdOsd osd = driver(settings().withConnections(1));
        int n = 200;
        for (int i = 0; i < n; i++) {
            asd.store.put(key("k" + i), ("value of " + i).getBytes());
        }
        asd.hold = true;
        List<CompletableFuture<List<Optional<ByteBuffer>>>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(osd.get(List.of(key("k" + i))));
        }
        List<TestAsd.Held> held = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            held.add(asd.nextHeld());
        }
        // Every request reached the ASD before any was answered, over one connection: they were pipelined.
        assertEquals(1, asd.accepted.get());
        assertEquals(Set.of(held.get(0).peer()), new HashSet<>(held.stream().map(TestAsd.Held::peer).toList()));
        assertTrue(futures.stream().noneMatch(CompletableFuture::isDone));
        Collections.shuffle(held, new Random(7));
        for (TestAsd.Held h : held) {
            h.answer();
        }
        for (int i = 0; i < n; i++) {
            assertEquals("value of " + i, text(await(futures.get(i)).get(0).orElseThrow()));
        }
    }

    @Test
    void busyConnectionsGrowThePoolUpToItsSize() throws Exception {
        AsdOsd osd = driver(settings().withConnections(3));
        asd.hold = true;
        List<CompletableFuture<?>> futures = new ArrayList<>();
        List<TestAsd.Held> held = new ArrayList<>();
        // One request at a time, each held by the ASD before the next: every new request finds the others busy, and
        // the pool opens another connection in the background. Bounded by the patience, not a number of requests.
        long deadline = System.nanoTime() + PATIENCE_SECONDS * 1_000_000_000L;
        for (int i = 0; osd.openConnectionCount() < 3; i++) {
            assertTrue(System.nanoTime() - deadline < 0, "the pool did not grow to three connections");
            futures.add(osd.get(List.of(key("k" + i))));
            held.add(asd.nextHeld());
        }
        for (int i = 0; i < 10; i++) {
            futures.add(osd.get(List.of(key("more" + i))));
            held.add(asd.nextHeld());
        }
        Set<TestAsd.Peer> peers = new HashSet<>(held.stream().map(TestAsd.Held::peer).toList());
        assertEquals(3, peers.size(), "requests are spread over every connection of the pool");
        assertEquals(3, asd.accepted.get(), "and the pool never grows past its size");
        for (TestAsd.Held h : held) {
            h.answer();
        }
        for (CompletableFuture<?> f : futures) {
            await(f);
        }
    }

    @Test
    void aCallerThatScannedThePoolJustBeforeTheFirstConnectionOpenedIsServedByIt() throws Exception {
        // White box: the test holds the pool's lock, so that a caller scans the empty pool, then waits for the lock
        // while the first connection completes its handshake and waits for it too. Whichever the JVM wakes first, the
        // caller must end on that connection, not fail as if the ASD were unreachable. Both arrival orders, and
        // several rounds, since the wake-up order is the JVM's choice.
        for (int round = 0; round < 10; round++) {
            try (TestAsd own = TestAsd.start()) {
                AsdOsd osd = driver(Settings.local(own.port()).withConnections(1).withBackoff(10, 100));
                boolean callerFirst = round % 2 == 0;
                List<CompletableFuture<?>> caller = new ArrayList<>();
                Thread callerThread = new Thread(() -> caller.add(osd.get(List.of(key("k")))), "test-caller");
                CompletableFuture<?> first;
                synchronized (osd.lock) {
                    if (callerFirst) {
                        callerThread.start();
                        eventually("the caller waits for the lock", () -> callerThread.getState() == Thread.State.BLOCKED);
                    }
                    first = osd.get(List.of(key("first")));
                    String connector = "asd-127.0.0.1:" + own.port() + "-io-";
                    eventually("the handshake is done and its thread waits for the lock", () -> Thread
                            .getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith(connector)
                                    && t.getState() == Thread.State.BLOCKED));
                    if (!callerFirst) {
                        callerThread.start();
                        eventually("the caller waits for the lock", () -> callerThread.getState() == Thread.State.BLOCKED);
                    }
                }
                callerThread.join();
                await(first);
                await(caller.get(0));
                assertEquals(1, own.accepted.get(), "round " + round);
                osd.close();
            }
        }
    }

    @Test
    void aFailedAssertCarriesItsIndexAndKeyAndChangesNothing() throws Exception {
        AsdOsd osd = driver(settings());
        asd.store.put(key("x"), "1".getBytes());
        Throwable t = failure(osd.apply(
                List.of(Assert.absent(key("y")), Assert.value(key("x"), Bytes.utf8("2"))),
                List.of(Update.set(key("z"), buffer("new")))));
        AssertFailedException e = assertInstanceOf(AssertFailedException.class, t);
        assertEquals(1, e.index());
        assertEquals(key("x"), e.key());
        assertNull(asd.store.get(key("z")));
    }

    @Test
    void theAsdsFailuresBecomeTypedExceptionsAndTheConnectionStays() throws Exception {
        AsdOsd osd = driver(settings().withConnections(1));
        asd.override = request -> {
            if (!(request instanceof Message.Get g)) {
                return request instanceof Message.Apply ? new Message.Failure(Message.Failure.Kind.FULL,
                        "the disk is 97% full") : null;
            }
            return switch (g.keys().get(0).utf8()) {
                case "bad" -> new Message.Failure(Message.Failure.Kind.BAD_REQUEST, "no such thing");
                case "gone" -> new Message.Failure(Message.Failure.Kind.UNAVAILABLE, "the disk failed");
                case "flipped" -> new Message.Failure(Message.Failure.Kind.CORRUPT, "blob 7 does not match");
                default -> null;
            };
        };
        String who = "ASD asd-test-1 at 127.0.0.1:" + asd.port();
        await(osd.get(List.of(key("fine"))));

        Throwable full = failure(osd.apply(List.of(), List.of(Update.set(key("k"), buffer("v")))));
        assertInstanceOf(OsdFullException.class, full);
        assertEquals(who + ": the disk is 97% full", full.getMessage());
        Throwable bad = failure(osd.get(List.of(key("bad"))));
        assertInstanceOf(IllegalArgumentException.class, bad);
        assertEquals(who + ": no such thing", bad.getMessage());
        Throwable gone = failure(osd.get(List.of(key("gone"))));
        assertInstanceOf(OsdUnavailableException.class, gone);
        assertEquals(who + ": the disk failed", gone.getMessage());
        Throwable flipped = failure(osd.get(List.of(key("flipped"))));
        assertInstanceOf(IntegrityException.class, flipped, "the proxy reads another fragment and repairs this one");
        assertEquals(who + ": blob 7 does not match", flipped.getMessage());

        await(osd.get(List.of(key("fine"))));
        assertEquals(1, asd.accepted.get(), "failures are answers: the connection stays open");
        assertNull(osd.lastCloseReason());
    }

    @Test
    void requestsOverTheAsdsLimitsFailBeforeTheWire() throws Exception {
        asd.maxFrame = Limits.MIN_MAX_FRAME;
        AsdOsd osd = driver(settings().withConnections(1));
        await(osd.get(List.of(key("warm-up"))));
        Throwable tooBig = failure(osd.apply(List.of(), List.of(Update.set(key("k"),
                ByteBuffer.allocate(Limits.MIN_MAX_FRAME)))));
        assertInstanceOf(IllegalArgumentException.class, tooBig);
        assertTrue(tooBig.getMessage().contains("over the limit of " + Limits.MIN_MAX_FRAME), tooBig.getMessage());
        Throwable longKey = failure(osd.get(List.of(Bytes.of(new byte[Limits.MAX_KEY + 1]))));
        assertInstanceOf(IllegalArgumentException.class, longKey);
        assertTrue(longKey.getMessage().contains("key of 4097 bytes"), longKey.getMessage());
        assertInstanceOf(IllegalArgumentException.class, failure(osd.range(KeyRange.all(), -1, false)));

        await(osd.get(List.of(key("after"))));
        assertEquals(2, asd.requests.get(), "the refused requests never reached the ASD");
        assertEquals(1, asd.accepted.get());
    }

    @Test
    void identityIsUnknownUntilTheFirstHandshake() throws Exception {
        AsdOsd osd = driver(settings());
        OsdUnavailableException e = assertThrows(OsdUnavailableException.class, osd::identity);
        assertEquals("the ASD at 127.0.0.1:" + asd.port() + " has not completed a handshake yet", e.getMessage());
        await(osd.diskUsage());
        assertEquals("asd-test-1", osd.identity().longId());
    }

    @Test
    void largeValuesRoundTripOnSeveralConnectionsAtOnce() throws Exception {
        AsdOsd osd = driver(settings().withConnections(4));
        Random random = new Random(3);
        List<byte[]> values = new ArrayList<>();
        List<CompletableFuture<Void>> applies = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            byte[] v = new byte[1 << 20];
            random.nextBytes(v);
            values.add(v);
            applies.add(osd.apply(List.of(), List.of(Update.set(key("big" + i), ByteBuffer.wrap(v)))));
        }
        for (CompletableFuture<Void> f : applies) {
            await(f);
        }
        List<CompletableFuture<List<Optional<ByteBuffer>>>> gets = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            gets.add(osd.get(List.of(key("big" + i))));
        }
        for (int i = 0; i < 16; i++) {
            ByteBuffer got = await(gets.get(i)).get(0).orElseThrow();
            byte[] bytes = new byte[got.remaining()];
            got.get(bytes);
            assertArrayEquals(values.get(i), bytes);
        }
    }
}
