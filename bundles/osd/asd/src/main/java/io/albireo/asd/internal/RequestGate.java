package io.albireo.asd.internal;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.albireo.asd.protocol.Message;

/**
 * Bounds the requests that callers in this JVM ({@link io.albireo.asd.protocol.AsdEndpoint}) have in the ASD at once,
 * as a connection's are bounded on the socket: past the bound a request waits in a queue (its values are its caller's,
 * so waiting costs the ASD nothing) and starts when one in flight ends.
 *
 * <p>A request with room starts on its caller's thread, as it would without the gate. Waiting ones are started only
 * on {@code drainer}, never on the thread that completed a request: that may be the ASD's committer, which must not
 * serve reads or wait on its own queue, or a caller's thread, which must not be kept serving others.
 */
final class RequestGate {
    private record Waiting(Message.Request request, CompletableFuture<Message.Response> answer) {
    }

    private final int max;
    private final Function<Message.Request, CompletableFuture<Message.Response>> serve;
    private final Executor drainer;
    private final Queue<Waiting> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * @param max the most requests in flight at once
     * @param serve what serves one
     * @param drainer where waiting requests are started
     */
    RequestGate(int max, Function<Message.Request, CompletableFuture<Message.Response>> serve, Executor drainer) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one request must be allowed in flight, not " + max);
        }
        this.max = max;
        this.serve = serve;
        this.drainer = drainer;
    }

    /** @return the answer, once the request has had its turn and been served */
    CompletableFuture<Message.Response> handle(Message.Request request) {
        if (waiting.isEmpty() && acquire()) {
            return start(request);
        }
        Waiting w = new Waiting(request, new CompletableFuture<>());
        waiting.add(w);
        drainLater(); // a place may have come free since the check above
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

    private boolean acquire() {
        for (int n = inFlight.get(); n < max; n = inFlight.get()) {
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    private void drainLater() {
        try {
            drainer.execute(this::drain);
        } catch (RejectedExecutionException stopped) {
            for (Waiting w = waiting.poll(); w != null; w = waiting.poll()) {
                w.answer.complete(new Message.Failure(Message.Failure.Kind.UNAVAILABLE, "the ASD is stopping"));
            }
        }
    }

    /** On the drainer: starts waiting requests while there is room. */
    private void drain() {
        while (!waiting.isEmpty() && acquire()) {
            Waiting w = waiting.poll();
            if (w == null) {
                release(); // another drain took it
                return;
            }
            start(w.request).whenComplete((response, failure) -> {
                if (failure != null) {
                    w.answer.completeExceptionally(failure);
                } else {
                    w.answer.complete(response);
                }
            });
        }
    }

    private CompletableFuture<Message.Response> start(Message.Request request) {
        CompletableFuture<Message.Response> answer;
        try {
            answer = serve.apply(request);
        } catch (Throwable e) { // an Error too: the place must come free, or the gate would stay shut
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.whenComplete((response, failure) -> {
            release();
        });
    }

    private void release() {
        inFlight.decrementAndGet();
        if (!waiting.isEmpty()) {
            drainLater();
        }
    }
}
