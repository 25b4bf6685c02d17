package io.albireo.osd.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.albireo.api.Assert;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.api.osd.OsdFullException;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.asd.protocol.AsdEndpoint;
import io.albireo.asd.protocol.Message;

/**
 * The driver's in-process path: once a handshake proved which ASD is at the address, and that ASD runs in this JVM
 * (its {@link AsdEndpoint} is bound), requests skip the socket and get the same answers; without the endpoint they go
 * over the connection again.
 */
class AsdOsdInProcessTest extends DriverTestSupport {
    private final Map<String, AsdEndpoint> endpoints = new ConcurrentHashMap<>();
    private final AtomicInteger handled = new AtomicInteger();
    /** When set, in-process answers are given on another thread once this future completes. */
    private volatile CompletableFuture<Void> gate;
    private final AtomicReference<String> completedOn = new AtomicReference<>();

    private AsdOsd inProcessDriver(Settings settings) {
        endpoints.put(asd.longId, new AsdEndpoint() {
            @Override
            public String longId() {
                return asd.longId;
            }

            @Override
            public CompletableFuture<Message.Response> handle(Message.Request request) {
                handled.incrementAndGet();
                CompletableFuture<Void> g = gate;
                return g == null ? CompletableFuture.completedFuture(answer(request))
                        : g.thenApplyAsync(v -> answer(request));
            }
        });
        AsdOsd osd = new AsdOsd(settings, System::nanoTime, identity -> {
        }, endpoints::get);
        track(osd);
        return osd;
    }

    /** As the test ASD answers on its socket, its override included. */
    private Message.Response answer(Message.Request request) {
        var override = asd.override;
        Message.Response r = override == null ? null : override.apply(request);
        return r != null ? r : asd.answer(request);
    }

    @Test
    void afterTheHandshakeEveryOperationGoesInProcessWithTheSameAnswers() throws Exception {
        AsdOsd osd = inProcessDriver(settings());
        await(osd.diskUsage()); // the handshake: before it the identity is unproven, so this one uses the socket
        int overTheSocket = asd.requests.get();
        assertEquals(1, overTheSocket);
        byte[] big = new byte[300_000];
        new Random(1).nextBytes(big);
        await(osd.apply(List.of(Assert.absent(key("a"))),
                List.of(Update.set(key("a"), buffer("alpha")), Update.set(key("b"), ByteBuffer.wrap(big)))));
        List<Optional<ByteBuffer>> values = await(osd.get(List.of(key("a"), key("b"), key("c"))));
        assertEquals("alpha", text(values.get(0).orElseThrow()));
        assertEquals(ByteBuffer.wrap(big), values.get(1).orElseThrow());
        assertTrue(values.get(2).isEmpty());
        assertEquals(ByteBuffer.wrap(big, 1000, 4096), await(osd.getSlices(
                List.of(new io.albireo.api.osd.Osd.Slice(key("b"), 1000, 4096)))).get(0).orElseThrow());
        assertEquals(2, await(osd.range(io.albireo.api.KeyRange.all(), 10, false)).entries().size());
        Throwable failed = failure(osd.apply(List.of(Assert.absent(key("a"))), List.of(Update.delete(key("a")))));
        assertInstanceOf(AssertFailedException.class, failed);
        assertEquals(0, ((AssertFailedException) failed).index());
        assertEquals(overTheSocket, asd.requests.get(), "nothing more went over the socket");
        assertEquals(5, handled.get());
    }

    @Test
    void theAsdsFailuresAndTheLimitsAreTheSameAsOverTheSocket() throws Exception {
        AsdOsd osd = inProcessDriver(settings());
        await(osd.diskUsage());
        asd.override = r -> new Message.Failure(Message.Failure.Kind.FULL, "no room");
        Throwable full = failure(osd.apply(List.of(), List.of(Update.set(key("k"), buffer("v")))));
        assertInstanceOf(OsdFullException.class, full);
        assertEquals("ASD asd-test-1 at 127.0.0.1:" + asd.port() + ": no room", full.getMessage());
        asd.override = null;
        Throwable longKey = failure(osd.get(List.of(Bytes.of(new byte[io.albireo.asd.protocol.Limits.MAX_KEY + 1]))));
        assertInstanceOf(IllegalArgumentException.class, longKey);
        assertTrue(longKey.getMessage().contains("refused before sending"), longKey.getMessage());
        assertEquals(1, handled.get(), "the refused request never reached the ASD");
    }

    @Test
    void answersGivenOnTheAsdsThreadsCompleteOnTheDriversAndTimeOut() throws Exception {
        AsdOsd osd = inProcessDriver(settings().withTimeouts(2000, 300));
        await(osd.diskUsage());
        gate = new CompletableFuture<>();
        CompletableFuture<Void> apply = osd.apply(List.of(), List.of(Update.set(key("k"), buffer("v"))));
        CountDownLatch done = new CountDownLatch(1);
        apply.whenComplete((v, e) -> {
            completedOn.set(Thread.currentThread().getName());
            done.countDown();
        });
        gate.complete(null);
        // Waited for on a latch, not on the future: a thread in get() may run the future's continuations itself.
        assertTrue(done.await(PATIENCE_SECONDS, TimeUnit.SECONDS));
        await(apply);
        assertTrue(completedOn.get().contains("-local-"), "completed on " + completedOn.get());

        gate = new CompletableFuture<>(); // never answered
        Throwable late = failure(osd.apply(List.of(), List.of(Update.set(key("k2"), buffer("v")))));
        assertInstanceOf(OsdUnavailableException.class, late);
        assertTrue(late.getMessage().contains("no answer to a apply in 300 ms; the apply may or may not have happened"),
                late.getMessage());
    }

    @Test
    void withoutItsEndpointTheAsdIsReachedOverTheSocketAgain() throws Exception {
        AsdOsd osd = inProcessDriver(settings());
        await(osd.diskUsage());
        await(osd.apply(List.of(), List.of(Update.set(key("k"), buffer("v")))));
        assertEquals(1, asd.requests.get());
        endpoints.clear();
        assertEquals("v", text(await(osd.get(List.of(key("k")))).get(0).orElseThrow()));
        assertEquals(2, asd.requests.get(), "the get went over the socket");
        endpoints.put("another-asd", new AsdEndpoint() {
            @Override
            public String longId() {
                return "another-asd";
            }

            @Override
            public CompletableFuture<Message.Response> handle(Message.Request request) {
                throw new AssertionError("an endpoint of another long id was used");
            }
        });
        await(osd.get(List.of(key("k"))));
        assertEquals(3, asd.requests.get(), "an ASD of another long id in this JVM is not this one");
    }
}
