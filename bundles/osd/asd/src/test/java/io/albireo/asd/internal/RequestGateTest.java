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
        }, Runnable::run);
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
            int call = calls.incrementAndGet();
            if (call == 1) {
                throw new IllegalArgumentException("bad");
            }
            if (call == 2) {
                throw new StackOverflowError("worse");
            }
            return CompletableFuture.completedFuture(new Message.Applied());
        }, Runnable::run);
        assertThrows(CompletionException.class, () -> gate.handle(REQUEST).join());
        assertThrows(CompletionException.class, () -> gate.handle(REQUEST).join(), "an Error frees its place too");
        assertInstanceOf(Message.Applied.class, gate.handle(REQUEST).join());
        assertEquals(0, gate.inFlight());
    }

    /** Answered at once, a long queue drains in a loop on the drainer: a recursion would overflow the stack. */
    @Test
    void aHundredThousandRequestsAnsweredAtOnceDrainWithoutRecursion() throws Exception {
        List<CompletableFuture<Message.Response>> held = new ArrayList<>();
        AtomicInteger served = new AtomicInteger();
        ExecutorService drainer = Executors.newSingleThreadExecutor();
        try {
            RequestGate gate = new RequestGate(1, r -> {
                if (served.getAndIncrement() == 0) {
                    CompletableFuture<Message.Response> f = new CompletableFuture<>();
                    held.add(f);
                    return f;
                }
                return CompletableFuture.completedFuture(new Message.Applied());
            }, drainer);
            List<CompletableFuture<Message.Response>> answers = new ArrayList<>();
            for (int i = 0; i < 100_000; i++) {
                answers.add(gate.handle(REQUEST));
            }
            assertEquals(1, served.get());
            held.get(0).complete(new Message.Applied()); // now every waiting one is answered at once
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertEquals(100_000, served.get());
        } finally {
            drainer.shutdownNow();
        }
    }

    /**
     * Waiting requests start on the drainer, never on the thread that completed one (the ASD's committer, in the
     * ASD): here the completing thread is the test's, and it must serve nothing.
     */
    @Test
    void waitingRequestsStartOnTheDrainerNotOnTheCompletingThread() throws Exception {
        List<CompletableFuture<Message.Response>> held = new ArrayList<>();
        List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService drainer = Executors.newSingleThreadExecutor(r -> new Thread(r, "drainer"));
        try {
            RequestGate gate = new RequestGate(1, r -> {
                threads.add(Thread.currentThread().getName());
                CompletableFuture<Message.Response> f = new CompletableFuture<>();
                held.add(f);
                return f;
            }, drainer);
            CompletableFuture<Message.Response> first = gate.handle(REQUEST);
            CompletableFuture<Message.Response> second = gate.handle(REQUEST);
            assertEquals(List.of(Thread.currentThread().getName()), threads, "the first starts on its caller");
            held.get(0).complete(new Message.Applied());
            assertTrue(first.isDone());
            for (int i = 0; i < 500 && held.size() < 2; i++) {
                Thread.sleep(10);
            }
            assertEquals(List.of(Thread.currentThread().getName(), "drainer"), threads);
            held.get(1).complete(new Message.Applied());
            assertInstanceOf(Message.Applied.class, second.get(10, TimeUnit.SECONDS));
        } finally {
            drainer.shutdownNow();
        }
    }

    @Test
    void aStoppedDrainerFailsTheWaitingAsUnavailable() {
        ExecutorService drainer = Executors.newSingleThreadExecutor();
        drainer.shutdown();
        CompletableFuture<Message.Response> held = new CompletableFuture<>();
        RequestGate gate = new RequestGate(1, r -> held, drainer);
        gate.handle(REQUEST);
        Message.Response r = gate.handle(REQUEST).join();
        assertEquals(Message.Failure.Kind.UNAVAILABLE, assertInstanceOf(Message.Failure.class, r).kind());
    }

    /** Requests served at once, counted where they are served: never more than the bound, with 64 callers. */
    @Test
    void manyThreadsNeverExceedTheBoundAndEveryRequestIsAnswered() throws Exception {
        int max = 8;
        AtomicInteger now = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ExecutorService servers = Executors.newFixedThreadPool(32);
        ExecutorService callers = Executors.newFixedThreadPool(16);
        ExecutorService drainer = Executors.newFixedThreadPool(2);
        try {
            RequestGate gate = new RequestGate(max, r -> {
                most.accumulateAndGet(now.incrementAndGet(), Math::max);
                return CompletableFuture.supplyAsync(() -> {
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                    return (Message.Response) new Message.Applied();
                }, servers).whenComplete((x, e) -> now.decrementAndGet());
            }, drainer);
            List<CompletableFuture<CompletableFuture<Message.Response>>> calls = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> gate.handle(REQUEST), callers));
            }
            for (var c : calls) {
                c.get(60, TimeUnit.SECONDS).get(60, TimeUnit.SECONDS);
            }
            assertTrue(most.get() <= max, most.get() + " served at once");
            assertTrue(most.get() > 1, "the test served one at a time: it tests nothing");
            assertEquals(0, gate.inFlight());
            assertEquals(0, gate.queued());
        } finally {
            servers.shutdownNow();
            callers.shutdownNow();
            drainer.shutdownNow();
        }
    }

    @Test
    void aBoundBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RequestGate(0, r -> null, Runnable::run));
    }
}
