package io.albireo.asd.internal;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.albireo.asd.protocol.Message;

/**
 * Bounds the requests that callers in this JVM ({@link io.albireo.asd.protocol.AsdEndpoint}) have in the ASD at once,
 * as a connection's are bounded on the socket: past the bound a request waits in a queue (its values are its caller's,
 * so waiting costs the ASD nothing) and starts when one in flight ends. One thread at a time starts requests, so a
 * long queue of requests answered at once drains in a loop, not in a recursion.
 */
final class RequestGate {
    private record Waiting(Message.Request request, CompletableFuture<Message.Response> answer) {
    }

    private final int max;
    private final Function<Message.Request, CompletableFuture<Message.Response>> serve;
    private final Queue<Waiting> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Calls to {@link #drain} not yet looped over by the thread draining; 0 when none drains. */
    private final AtomicInteger drains = new AtomicInteger();

    /**
     * @param max the most requests in flight at once
     * @param serve what serves one
     */
    RequestGate(int max, Function<Message.Request, CompletableFuture<Message.Response>> serve) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one request must be allowed in flight, not " + max);
        }
        this.max = max;
        this.serve = serve;
    }

    /** @return the answer, once the request has had its turn and been served */
    CompletableFuture<Message.Response> handle(Message.Request request) {
        Waiting w = new Waiting(request, new CompletableFuture<>());
        waiting.add(w);
        drain();
        return w.answer;
    }

    /** @return the requests being served now */
    int inFlight() {
        return inFlight.get();
    }

    /** @return the requests waiting for their turn */
    int queued() {
        return waiting.size();
    }

    private void drain() {
        if (drains.getAndIncrement() != 0) {
            return; // the thread draining will loop once more
        }
        do {
            while (inFlight.get() < max) {
                Waiting w = waiting.poll();
                if (w == null) {
                    break;
                }
                inFlight.incrementAndGet();
                start(w);
            }
        } while (drains.decrementAndGet() != 0);
    }

    private void start(Waiting w) {
        CompletableFuture<Message.Response> answer;
        try {
            answer = serve.apply(w.request);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((response, failure) -> {
            inFlight.decrementAndGet();
            if (failure != null) {
                w.answer.completeExceptionally(failure);
            } else {
                w.answer.complete(response);
            }
            drain();
        });
    }
}
