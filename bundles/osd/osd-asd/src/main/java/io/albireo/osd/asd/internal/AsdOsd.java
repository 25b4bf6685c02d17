package io.albireo.osd.asd.internal;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.Assert;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.KeyRange;
import io.albireo.api.StorageException;
import io.albireo.api.Update;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdFullException;
import io.albireo.api.osd.OsdIdentity;
import io.albireo.api.osd.OsdProtocolException;
import io.albireo.api.osd.OsdStatistics;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.asd.protocol.AsdEndpoint;
import io.albireo.asd.protocol.FrameCodec;
import io.albireo.asd.protocol.Limits;
import io.albireo.asd.protocol.Message;

/**
 * One ASD as an {@link Osd}: a pool of up to {@code connections} pipelined connections, opened as load needs them.
 * Each request goes to the open connection with the fewest outstanding requests; when all of them are busy and the pool
 * is not full, another is opened in the background. Connections are opened one at a time on the I/O executor, never
 * on a caller's thread; a caller that finds no open connection waits (asynchronously) for the one being opened, or,
 * while the ASD is in its reconnect {@link Backoff}, fails at once with the last reason it could not be reached.
 *
 * <p>The first handshake learns the ASD's identity. When the configuration names no long id, the first one that
 * answers is adopted and every later connection asks for it, so an ASD swapped in behind the same address is refused
 * by its own check rather than silently served.
 *
 * <p>When the ASD at the address runs in this JVM (its {@link AsdEndpoint} is bound under the long id a handshake
 * returned), requests go to it in process: no socket, no copies, the same answers. The connections then only prove
 * the identity and serve if the endpoint goes.
 *
 * <p>Futures complete on the connection's reader thread (or the timer thread for timeouts, or a thread of this
 * driver's for in-process requests): callers that do heavy work
 * in a continuation, or wait on another request there, must move it to an executor of their own with the
 * {@code *Async} variants, or they stall the connection.
 */
final class AsdOsd implements Osd, AsdConnection.Owner, AutoCloseable {
    static final String KIND = "asd";
    private static final Logger LOG = LoggerFactory.getLogger(AsdOsd.class);

    private final Settings settings;
    private final LongSupplier clock;
    private final Consumer<OsdIdentity> identityListener;
    private final ScheduledThreadPoolExecutor timer;
    private final ExecutorService io;
    private final Function<String, AsdEndpoint> endpoints;
    /** Checks in-process requests against the limits a connection would. */
    private final FrameCodec limits;
    /** Completes in-process requests that the ASD answers on its own threads, as a connection's reader would. */
    private final ExecutorService completions;
    private final AtomicReferenceArray<AsdConnection> slots;
    private final AtomicLong connectAttempts = new AtomicLong();

    /** Guards the fields below and every change of {@link #slots}; package-private for the tests of its races. */
    final Object lock = new Object();
    private final Backoff backoff;
    private CompletableFuture<AsdConnection> connecting;
    private StorageException lastFailure;
    private String lastLoggedFailure;
    private boolean down;
    private boolean closed;

    private volatile boolean stopped;
    private volatile OsdIdentity identity;
    private volatile String expectedLongId;
    private volatile AsdConnection.Reason lastCloseReason;

    /**
     * @param settings where the ASD is and how to treat it
     * @param clock nanoseconds, for the reconnect backoff (System::nanoTime)
     * @param identityListener told, on the timer thread and in order, when the ASD's identity is first learnt and
     *        whenever it changes (its node id, if the disk moved)
     */
    AsdOsd(Settings settings, LongSupplier clock, Consumer<OsdIdentity> identityListener) {
        this(settings, clock, identityListener, id -> null);
    }

    /**
     * @param endpoints the ASD of a long id when it runs in this JVM, else null: requests to it then go in process
     *        once a handshake proved that the ASD at the address is that one
     */
    AsdOsd(Settings settings, LongSupplier clock, Consumer<OsdIdentity> identityListener,
            Function<String, AsdEndpoint> endpoints) {
        this.settings = settings;
        this.endpoints = endpoints;
        this.limits = new FrameCodec(new Limits(settings.maxFrame()));
        this.clock = clock;
        this.identityListener = identityListener;
        this.expectedLongId = settings.longId();
        this.backoff = new Backoff(settings.backoffMinNanos(), settings.backoffMaxNanos(), clock);
        this.slots = new AtomicReferenceArray<>(settings.connections());
        String name = "asd-" + settings.address();
        this.timer = new ScheduledThreadPoolExecutor(1, threads(name + "-timer"));
        this.timer.setRemoveOnCancelPolicy(true);
        this.io = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                threads(name + "-io"));
        ThreadPoolExecutor local = new ThreadPoolExecutor(settings.connections(), settings.connections(), 30,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads(name + "-local"));
        local.allowCoreThreadTimeOut(true);
        this.completions = local;
    }

    /**
     * Connects in the background until the first handshake succeeds, so that the identity becomes known without any
     * caller; afterwards connections are opened on demand only.
     */
    void start() {
        try {
            timer.execute(this::probe);
        } catch (RejectedExecutionException e) {
            // Closed before it started.
        }
    }

    private void probe() {
        if (stopped || identity != null) {
            return;
        }
        acquire().whenComplete((connection, failure) -> {
            if (failure != null && !stopped && identity == null) {
                long wait;
                synchronized (lock) {
                    wait = Math.max(backoff.remaining(), TimeUnit.MILLISECONDS.toNanos(1));
                }
                try {
                    timer.schedule(this::probe, wait, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    // Closed meanwhile.
                }
            }
        });
    }

    // ---- Osd ---------------------------------------------------------------------------------------------------------

    @Override
    public OsdIdentity identity() {
        OsdIdentity id = identity;
        if (id == null) {
            throw new OsdUnavailableException(describe() + " has not completed a handshake yet");
        }
        return id;
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> get(List<Bytes> keys) {
        try {
            if (keys.isEmpty()) {
                return CompletableFuture.completedFuture(List.of());
            }
            int n = keys.size();
            return call("get", false, new Message.Get(keys), r -> values(r, n, "get"));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> getOnce(List<Bytes> keys) {
        try {
            if (keys.isEmpty()) {
                return CompletableFuture.completedFuture(List.of());
            }
            int n = keys.size();
            return call("get-once", false, new Message.Get(keys, true), r -> values(r, n, "get-once"));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<List<Optional<ByteBuffer>>> getSlices(List<Slice> slices) {
        try {
            if (slices.isEmpty()) {
                return CompletableFuture.completedFuture(List.of());
            }
            int n = slices.size();
            return call("get-slices", false, new Message.GetSlices(slices), r -> values(r, n, "get-slices"));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<RangeResult> range(KeyRange range, int limit, boolean withValues) {
        try {
            Objects.requireNonNull(range, "range");
            if (limit < 0) {
                throw new IllegalArgumentException("a range limit of " + limit + " is negative");
            }
            // One message carries at most MAX_ITEMS entries; "more" tells the caller to go on, as for any limit.
            int sent = Math.min(limit, Limits.MAX_ITEMS);
            return call("range", false, new Message.Range(range, sent, withValues), r -> {
                if (r instanceof Message.Entries e) {
                    if (e.entries().size() > sent) {
                        throw new OsdProtocolException("the ASD returned " + e.entries().size()
                                + " entries for a range limited to " + sent);
                    }
                    return new RangeResult(e.entries(), e.more());
                }
                throw unexpected(r, "range");
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> apply(List<Assert> asserts, List<Update> updates) {
        try {
            int n = asserts.size();
            return call("apply", true, new Message.Apply(asserts, updates), r -> {
                if (r instanceof Message.Applied) {
                    return null;
                }
                if (r instanceof Message.AssertFailed a) {
                    if (a.index() < 0 || a.index() >= n) {
                        throw new OsdProtocolException("the ASD reported assert " + a.index() + " failed, of " + n);
                    }
                    throw new AssertFailedException(a.index(), a.key());
                }
                throw unexpected(r, "apply");
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<DiskUsage> diskUsage() {
        return call("disk-usage", false, new Message.GetDiskUsage(), r -> {
            if (r instanceof Message.Usage u) {
                return u.usage();
            }
            throw unexpected(r, "disk-usage");
        });
    }

    @Override
    public CompletableFuture<OsdStatistics> statistics() {
        return call("statistics", false, new Message.GetStatistics(), r -> {
            if (r instanceof Message.Statistics s) {
                return s.statistics();
            }
            throw unexpected(r, "statistics");
        });
    }

    private static List<Optional<ByteBuffer>> values(Message.Response r, int n, String operation) {
        if (r instanceof Message.Values v) {
            if (v.values().size() != n) {
                throw new OsdProtocolException("the ASD returned " + v.values().size() + " values for a " + operation
                        + " of " + n);
            }
            return v.values();
        }
        throw unexpected(r, operation);
    }

    private static OsdProtocolException unexpected(Message.Response r, String operation) {
        return new OsdProtocolException("the ASD answered a " + operation + " with a frame of type "
                + r.getClass().getSimpleName());
    }

    /** Sends a request on a pooled connection; the ASD's failures become typed exceptions naming it. */
    private <T> CompletableFuture<T> call(String operation, boolean apply, Message.Request request,
            AsdConnection.Decoder<T> decoder) {
        AsdConnection.Decoder<T> withFailures = response -> {
            if (response instanceof Message.Failure f) {
                String text = describe() + ": " + f.message();
                throw switch (f.kind()) {
                    case FULL -> new OsdFullException(text);
                    case BAD_REQUEST -> new IllegalArgumentException(text);
                    case UNAVAILABLE -> new OsdUnavailableException(text);
                    case CORRUPT -> new IntegrityException(text);
                };
            }
            return decoder.decode(response);
        };
        CompletableFuture<T> result = new CompletableFuture<>();
        OsdIdentity known = identity;
        AsdEndpoint endpoint = known == null || stopped ? null : endpoints.apply(known.longId());
        if (endpoint != null) {
            callInProcess(endpoint, operation, apply, request, withFailures, result);
        } else {
            submit(operation, apply, request, withFailures, result, slots.length());
        }
        return result;
    }

    /**
     * Hands a request to the ASD in this JVM: checked as for sending, answered without a socket, completed on this
     * driver's threads (never the ASD's committer), and timed out as a connection's request is.
     */
    private <T> void callInProcess(AsdEndpoint endpoint, String operation, boolean apply, Message.Request request,
            AsdConnection.Decoder<T> decoder, CompletableFuture<T> result) {
        try {
            limits.encode(0, request);
        } catch (IllegalArgumentException e) {
            result.completeExceptionally(new IllegalArgumentException(describe() + ": " + operation
                    + " refused before sending: " + e.getMessage(), e));
            return;
        }
        CompletableFuture<Message.Response> answer;
        try {
            answer = endpoint.handle(request);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        if (answer.isDone()) {
            settle(answer, decoder, result);
            return;
        }
        ScheduledFuture<?> timeout;
        try {
            timeout = timer.schedule(() -> result.completeExceptionally(new OsdUnavailableException(describe()
                    + ": no answer to a " + operation + " in " + settings.requestTimeoutMillis() + " ms"
                    + (apply ? "; the apply may or may not have happened" : ""))),
                    settings.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(stoppedException());
            return;
        }
        CompletableFuture<Message.Response> pending = answer;
        answer.whenComplete((r, e) -> {
            timeout.cancel(false);
            try {
                completions.execute(() -> settle(pending, decoder, result));
            } catch (RejectedExecutionException stopped) {
                result.completeExceptionally(stoppedException());
            }
        });
    }

    private static <T> void settle(CompletableFuture<Message.Response> answer, AsdConnection.Decoder<T> decoder,
            CompletableFuture<T> result) {
        try {
            result.complete(decoder.decode(answer.join()));
        } catch (CompletionException e) {
            result.completeExceptionally(e.getCause() != null ? e.getCause() : e);
        } catch (Exception e) {
            result.completeExceptionally(e);
        }
    }

    /**
     * Sends on the connection the pool picks. A connection that closed between being picked and taking the request
     * sent nothing, so the request goes to another, at most {@code retries} times.
     */
    private <T> void submit(String operation, boolean apply, Message.Request request,
            AsdConnection.Decoder<T> decoder, CompletableFuture<T> result, int retries) {
        CompletableFuture<AsdConnection> connection = acquire();
        if (connection.isDone() && !connection.isCompletedExceptionally()) {
            send(connection.join(), operation, apply, request, decoder, result, retries);
            return;
        }
        connection.whenComplete((c, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure);
            } else {
                send(c, operation, apply, request, decoder, result, retries);
            }
        });
    }

    private <T> void send(AsdConnection c, String operation, boolean apply, Message.Request request,
            AsdConnection.Decoder<T> decoder, CompletableFuture<T> result, int retries) {
        if (c.send(operation, apply, request, decoder, result)) {
            return;
        }
        if (retries > 0) {
            submit(operation, apply, request, decoder, result, retries - 1);
        } else {
            AsdConnection.Reason why = c.reason();
            result.completeExceptionally(new OsdUnavailableException(describe() + ": "
                    + (why == null ? "connection closed" : why.text())));
        }
    }

    // ---- the pool ----------------------------------------------------------------------------------------------------

    /**
     * @return the least busy open connection; or, with none open, the connection being opened; or, in the backoff
     *         window, a failure naming why the ASD is unreachable
     */
    CompletableFuture<AsdConnection> acquire() {
        if (stopped) {
            return CompletableFuture.failedFuture(stoppedException());
        }
        // The common case without the lock: an idle connection, or a full pool.
        AsdConnection best = leastBusy();
        if (best != null && (best.outstanding() == 0 || freeSlot() < 0)) {
            return CompletableFuture.completedFuture(best);
        }
        CompletableFuture<AsdConnection> opening;
        StorageException unreachable = null;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(stoppedException());
            }
            // Slots change only under the lock: a connection that opened since the scan above is seen now.
            if (best == null) {
                best = leastBusy();
            }
            if (connecting == null && backoff.mayAttempt()) {
                int slot = freeSlot();
                if (slot >= 0) {
                    connecting = startConnect(slot);
                }
            }
            opening = connecting;
            if (best == null && opening == null) {
                unreachable = unreachable();
            }
        }
        if (best != null) {
            return CompletableFuture.completedFuture(best);
        }
        return opening != null ? opening : CompletableFuture.failedFuture(unreachable);
    }

    /** @return the open connection with the fewest outstanding requests, or null */
    private AsdConnection leastBusy() {
        AsdConnection best = null;
        for (int i = 0; i < slots.length(); i++) {
            AsdConnection c = slots.get(i);
            if (c != null && c.isOpen() && (best == null || c.outstanding() < best.outstanding())) {
                best = c;
            }
        }
        return best;
    }

    /** @return a slot without an open connection, or -1 */
    private int freeSlot() {
        for (int i = 0; i < slots.length(); i++) {
            AsdConnection c = slots.get(i);
            if (c == null || !c.isOpen()) {
                return i;
            }
        }
        return -1;
    }

    /** Starts opening a connection for {@code slot}; called with the lock held, at most one at a time. */
    private CompletableFuture<AsdConnection> startConnect(int slot) {
        CompletableFuture<AsdConnection> future = new CompletableFuture<>();
        String expected = expectedLongId;
        connectAttempts.incrementAndGet();
        String threadName = "asd-" + settings.address() + "-reader-" + slot;
        try {
            io.execute(() -> {
                AsdConnection c = null;
                RuntimeException failure = null;
                try {
                    c = AsdConnection.open(this, settings, expected, timer, io, threadName);
                } catch (RuntimeException e) {
                    failure = e;
                }
                connected(slot, c, failure, future);
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(stoppedException());
        }
        return future;
    }

    private void connected(int slot, AsdConnection c, RuntimeException failure,
            CompletableFuture<AsdConnection> future) {
        OsdIdentity learnt = null;
        OsdIdentity previous = null;
        boolean adopted = false;
        boolean recovered = false;
        boolean logFailure = false;
        synchronized (lock) {
            connecting = null;
            if (closed) {
                if (c != null) {
                    c.close(new AsdConnection.Reason(AsdConnection.Reason.Kind.STOPPED, "driver stopped"));
                }
                failure = stoppedException();
            } else if (failure == null) {
                slots.set(slot, c);
                backoff.connected();
                lastFailure = null;
                lastLoggedFailure = null;
                recovered = down;
                down = false;
                Message.Welcome w = c.welcome();
                if (expectedLongId.isEmpty()) {
                    expectedLongId = w.longId();
                    adopted = true;
                }
                previous = identity;
                OsdIdentity now = new OsdIdentity(w.longId(), w.nodeId(), KIND);
                if (!now.equals(previous)) {
                    identity = now;
                    learnt = now;
                }
            } else {
                StorageException e = failure instanceof StorageException s ? s
                        : new OsdUnavailableException(describe() + ": cannot connect: "
                                + AsdConnection.describe(failure), failure);
                failure = e;
                lastFailure = e;
                backoff.failed();
                down = true;
                logFailure = !e.getMessage().equals(lastLoggedFailure);
                lastLoggedFailure = e.getMessage();
            }
        }
        if (failure != null) {
            if (logFailure) {
                LOG.warn("{} (retrying with backoff, up to every {} ms; repeats of this message are logged at debug)",
                        failure.getMessage(), settings.backoffMaxMillis());
            } else {
                LOG.debug("{}", failure.getMessage());
            }
            future.completeExceptionally(failure);
            return;
        }
        if (adopted) {
            LOG.info("{}: no long id configured; adopted {}, the ASD that answered, and will accept no other",
                    settings.address(), c.welcome().longId());
        }
        if (learnt != null) {
            if (previous == null) {
                LOG.info("Connected to {} (node {})", describe(), learnt.nodeId());
            } else {
                LOG.warn("{} now reports node {} (was {})", describe(), learnt.nodeId(), previous.nodeId());
            }
            OsdIdentity toTell = learnt;
            try {
                timer.execute(() -> identityListener.accept(toTell));
            } catch (RejectedExecutionException e) {
                // Closed meanwhile: nobody to tell.
            }
        } else if (recovered) {
            LOG.info("Reconnected to {}", describe());
        }
        future.complete(c);
    }

    @Override
    public void proven(AsdConnection connection) {
        synchronized (lock) {
            backoff.proven();
        }
    }

    @Override
    public void closed(AsdConnection connection, AsdConnection.Reason reason) {
        lastCloseReason = reason;
        boolean last;
        synchronized (lock) {
            for (int i = 0; i < slots.length(); i++) {
                if (slots.get(i) == connection) {
                    slots.set(i, null);
                }
            }
            if (closed || reason.kind() == AsdConnection.Reason.Kind.STOPPED) {
                return;
            }
            if (!connection.proven()) {
                backoff.failed();
            }
            last = openConnections() == 0;
            if (last) {
                down = true;
                lastFailure = reason.kind() == AsdConnection.Reason.Kind.PROTOCOL
                        ? new OsdProtocolException(describe() + ": " + reason.text())
                        : new OsdUnavailableException(describe() + ": " + reason.text());
            }
        }
        LOG.warn("{}: connection closed: {}{}", describe(), reason.text(),
                last ? "; no connection left, the next request reconnects" : "");
    }

    private int openConnections() {
        int n = 0;
        for (int i = 0; i < slots.length(); i++) {
            AsdConnection c = slots.get(i);
            if (c != null && c.isOpen()) {
                n++;
            }
        }
        return n;
    }

    /** Called with the lock held, when no connection is open and the backoff forbids trying. */
    private StorageException unreachable() {
        long waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(backoff.remaining()));
        StorageException last = lastFailure;
        if (last == null) {
            return new OsdUnavailableException(describe() + " is unreachable; next attempt in " + waitMillis + " ms");
        }
        String text = last.getMessage() + " (next attempt in " + waitMillis + " ms)";
        return last instanceof OsdProtocolException ? new OsdProtocolException(text, last)
                : new OsdUnavailableException(text, last);
    }

    private OsdUnavailableException stoppedException() {
        return new OsdUnavailableException(describe() + ": driver stopped");
    }

    @Override
    public String describe() {
        OsdIdentity id = identity;
        String longId = id != null ? id.longId() : expectedLongId;
        return longId.isEmpty() ? "the ASD at " + settings.address() : "ASD " + longId + " at " + settings.address();
    }

    // ---- for the component and the tests -----------------------------------------------------------------------------

    Settings settings() {
        return settings;
    }

    /** @return connection attempts made so far (handshakes included) */
    long connectAttempts() {
        return connectAttempts.get();
    }

    /** @return why the last connection closed, or null if none has */
    AsdConnection.Reason lastCloseReason() {
        return lastCloseReason;
    }

    /** @return connections open now */
    int openConnectionCount() {
        return openConnections();
    }

    /**
     * Closes every connection: requests in flight, and every later call, fail with "driver stopped". Waits up to a
     * second for the reader threads to end.
     */
    @Override
    public void close() {
        CompletableFuture<AsdConnection> opening;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            stopped = true;
            opening = connecting;
            connecting = null;
        }
        AsdConnection.Reason reason = new AsdConnection.Reason(AsdConnection.Reason.Kind.STOPPED, "driver stopped");
        AsdConnection[] open = new AsdConnection[slots.length()];
        for (int i = 0; i < slots.length(); i++) {
            open[i] = slots.getAndSet(i, null);
            if (open[i] != null) {
                open[i].close(reason);
            }
        }
        if (opening != null) {
            opening.completeExceptionally(stoppedException());
        }
        // Interrupting a connect in progress closes its channel: the attempt ends at once.
        io.shutdownNow();
        timer.shutdownNow();
        completions.shutdown();
        try {
            for (AsdConnection c : open) {
                if (c != null) {
                    c.awaitReader(1000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
