package io.albireo.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.albireo.asd.protocol.Message;

/** The bound on requests from callers in this JVM: past it requests wait their turn, and every one is answered. */
class RequestGateTest {
    private static final Message.Request REQUEST = new Message.GetStatistics();

    @Test
    void pastTheBoundRequestsWaitAndStartAsOthersEnd() {
        List<CompletableFuture<Message.Response>> served = new ArrayList<>();
        RequestGate gate = new RequestGate(2, r -> {
            CompletableFuture<Message.Response> f = new CompletableFuture<>();
            served.add(f);
            return f;
        });
        List<CompletableFuture<Message.Response>> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(gate.handle(REQUEST));
        }
        assertEquals(2, served.size(), "two in flight, three waiting");
        assertEquals(2, gate.inFlight());
        assertEquals(3, gate.queued());
        Message.Response done = new Message.Applied();
        served.get(0).complete(done);
        assertSame(done, answers.get(0).join());
        assertEquals(3, served.size(), "the next one started when the first ended");
        assertFalse(answers.get(2).isDone());
        served.get(1).completeExceptionally(new IllegalStateException("broken"));
        CompletionException e = assertThrows(CompletionException.class, () -> answers.get(1).join());
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals(4, served.size(), "a failure frees its place too");
        served.get(2).complete(done);
        served.get(3).complete(done);
        served.get(4).complete(done);
        answers.forEach(a -> assertTrue(a.isDone()));
        assertEquals(0, gate.inFlight());
        assertEquals(0, gate.queued());
    }

    @Test
    void aServerThatThrowsFailsOnlyThatRequest() {
        AtomicInteger calls = new AtomicInteger();
        RequestGate gate = new RequestGate(1, r -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalArgumentException("bad");
            }
            return CompletableFuture.completedFuture(new Message.Applied());
        });
        assertThrows(CompletionException.class, () -> gate.handle(REQUEST).join());
        assertInstanceOf(Message.Applied.class, gate.handle(REQUEST).join());
        assertEquals(0, gate.inFlight());
    }

    /** Answered at once, a long queue drains in a loop: a recursion would overflow the stack. */
    @Test
    void aHundredThousandRequestsAnsweredAtOnceDrainWithoutRecursion() {
        List<CompletableFuture<Message.Response>> held = new ArrayList<>();
        AtomicInteger served = new AtomicInteger();
        RequestGate gate = new RequestGate(1, r -> {
            if (served.getAndIncrement() == 0) {
                CompletableFuture<Message.Response> f = new CompletableFuture<>();
                held.add(f);
                return f;
            }
            return CompletableFuture.completedFuture(new Message.Applied());
        });
        List<CompletableFuture<Message.Response>> answers = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            answers.add(gate.handle(REQUEST));
        }
        assertEquals(1, served.get());
        held.get(0).complete(new Message.Applied()); // now every waiting one is answered at once
        assertEquals(100_000, served.get());
        answers.forEach(a -> assertTrue(a.isDone()));
    }

    @Test
    void manyThreadsNeverExceedTheBoundAndEveryRequestIsAnswered() throws Exception {
        int max = 8;
        AtomicInteger now = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ExecutorService servers = Executors.newFixedThreadPool(4);
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            RequestGate gate = new RequestGate(max, r -> CompletableFuture.supplyAsync(() -> {
                most.accumulateAndGet(now.incrementAndGet(), Math::max);
                Thread.onSpinWait();
                now.decrementAndGet();
                return new Message.Applied();
            }, servers));
            List<CompletableFuture<CompletableFuture<Message.Response>>> calls = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> gate.handle(REQUEST), callers));
            }
            for (var c : calls) {
                c.get(60, TimeUnit.SECONDS).get(60, TimeUnit.SECONDS);
            }
            assertTrue(most.get() <= max, most.get() + " served at once");
            assertEquals(0, gate.inFlight());
            assertEquals(0, gate.queued());
        } finally {
            servers.shutdownNow();
            callers.shutdownNow();
        }
    }

    @Test
    void aBoundBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RequestGate(0, r -> null));
    }
}
