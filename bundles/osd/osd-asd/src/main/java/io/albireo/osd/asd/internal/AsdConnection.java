package io.albireo.osd.asd.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.albireo.api.StorageException;
import io.albireo.api.osd.OsdProtocolException;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.asd.protocol.FrameCodec;
import io.albireo.asd.protocol.Limits;
import io.albireo.asd.protocol.Message;

/**
 * One TCP connection to an ASD, past its handshake. Requests are pipelined: each gets an id and a pending entry, its
 * frame joins the write queue, and the reader thread completes its future when the response with that id arrives, in
 * whatever order the ASD answers. The queue is drained by one task at a time on the driver's I/O executor, which
 * writes every frame waiting with one gathering write: a caller's thread never blocks on the network, and frames of
 * concurrent callers leave in batches.
 *
 * <p>Any error closes the connection and fails every request on it: the ASD may have done any of them or none, and
 * only the caller can decide whether to retry (by reading first, for applies).
 */
final class AsdConnection {

    /** What the connection tells the pool. */
    interface Owner {
        /** @return the ASD and its address, for messages: "ASD asd-7 at 10.0.0.5:8600" */
        String describe();

        /** The connection answered its first request. */
        void proven(AsdConnection connection);

        /** The connection is closed; every request on it has failed. */
        void closed(AsdConnection connection, Reason reason);
    }

    /**
     * Why a connection closed.
     *
     * @param kind what kind of end
     * @param text what happened, for the log and the failed requests
     */
    record Reason(Kind kind, String text) {
        enum Kind {
            /** The ASD closed the connection, or the network failed. */
            LOST,
            /** A request went unanswered for too long. */
            TIMEOUT,
            /** The ASD sent something the protocol does not allow. */
            PROTOCOL,
            /** The driver is stopping. */
            STOPPED
        }
    }

    /** Turns the response to one request into its result. */
    @FunctionalInterface
    interface Decoder<T> {
        /**
         * @throws OsdProtocolException if the response does not answer the request
         * @throws StorageException (other kinds) if the response is a failure the caller should see
         */
        T decode(Message.Response response);
    }

    /** Frames past this are written in the next batch, so one batch holds at most this much memory in flight. */
    private static final long BATCH_BYTES = 8L << 20;
    private static final int BATCH_BUFFERS = 1024;

    private final Owner owner;
    private final Settings settings;
    private final SocketChannel channel;
    private final FrameCodec.Reader reader;
    private final FrameCodec writer;
    private final Message.Welcome welcome;
    private final ScheduledExecutorService timer;
    private final Executor io;
    private final Map<Long, Pending<?>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final ConcurrentLinkedQueue<ByteBuffer[]> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final Thread readerThread;
    private volatile boolean proven;
    private volatile Reason reason;

    private AsdConnection(Owner owner, Settings settings, SocketChannel channel, Message.Welcome welcome,
            ScheduledExecutorService timer, Executor io, String threadName) {
        this.owner = owner;
        this.settings = settings;
        this.channel = channel;
        this.welcome = welcome;
        this.timer = timer;
        this.io = io;
        this.reader = new FrameCodec(new Limits(settings.maxFrame())).reader(channel);
        // Never send the ASD a frame over the limit it announced: it would close the connection on us.
        this.writer = new FrameCodec(new Limits(Math.min(settings.maxFrame(), welcome.maxFrame())));
        this.readerThread = new Thread(this::readLoop, threadName);
        this.readerThread.setDaemon(true);
    }

    // ---- connecting --------------------------------------------------------------------------------------------------

    /**
     * Connects and shakes hands; blocks for up to the connect timeout twice (connect, then handshake), so it runs on
     * the I/O executor, never on a caller's thread.
     *
     * @param expectedLongId the long id to ask for, "" for any
     * @return the connection, its reader running
     * @throws OsdUnavailableException if the ASD cannot be reached or does not finish the handshake
     * @throws OsdProtocolException if it refuses the connection (the reason is the ASD's), or answers wrongly
     */
    static AsdConnection open(Owner owner, Settings settings, String expectedLongId, ScheduledExecutorService timer,
            Executor io, String threadName) {
        String who = owner.describe();
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            InetSocketAddress address = new InetSocketAddress(settings.host(), settings.port());
            if (address.isUnresolved()) {
                throw new OsdUnavailableException(who + ": cannot resolve host " + settings.host());
            }
            channel.socket().connect(address, settings.connectTimeoutMillis());
            Message.Welcome welcome = handshake(channel, settings, expectedLongId, timer, who);
            AsdConnection connection = new AsdConnection(owner, settings, channel, welcome, timer, io, threadName);
            connection.readerThread.start();
            return connection;
        } catch (SocketTimeoutException e) {
            closeQuietly(channel);
            throw new OsdUnavailableException(who + ": no connection within " + settings.connectTimeoutMillis()
                    + " ms", e);
        } catch (IOException | UnresolvedAddressException e) {
            closeQuietly(channel);
            throw new OsdUnavailableException(who + ": cannot connect: " + describe(e), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static Message.Welcome handshake(SocketChannel channel, Settings settings, String expectedLongId,
            ScheduledExecutorService timer, String who) throws IOException {
        // Blocking channels ignore socket timeouts: a guard closes the channel if the ASD stays silent.
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> guard = timer.schedule(() -> {
            expired.set(true);
            closeQuietly(channel);
        }, settings.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
        FrameCodec codec = new FrameCodec(new Limits(settings.maxFrame()));
        try {
            FrameCodec.write(channel, codec.encode(0, new Message.Hello(FrameCodec.VERSION, expectedLongId)));
            FrameCodec.Frame frame = codec.read(channel);
            if (frame == null) {
                throw new OsdUnavailableException(who + ": the ASD closed the connection during the handshake");
            }
            if (frame.message() instanceof Message.Refused refused) {
                throw new OsdProtocolException(who + " refused the connection: " + refused.reason());
            }
            if (!(frame.message() instanceof Message.Welcome welcome)) {
                throw new OsdProtocolException(who + " answered the handshake with a "
                        + frame.message().getClass().getSimpleName() + " frame, not a welcome");
            }
            if (!FrameCodec.speaks(welcome.version())) {
                throw new OsdProtocolException(who + " welcomed with protocol version " + welcome.version()
                        + "; this driver speaks versions " + FrameCodec.MIN_VERSION + " to " + FrameCodec.VERSION);
            }
            if (!expectedLongId.isEmpty() && !expectedLongId.equals(welcome.longId())) {
                throw new OsdProtocolException(who + " welcomed as ASD " + welcome.longId() + ", not "
                        + expectedLongId);
            }
            if (welcome.longId().isEmpty()) {
                throw new OsdProtocolException(who + " welcomed with an empty long id");
            }
            if (welcome.maxFrame() < Limits.MIN_MAX_FRAME) {
                throw new OsdProtocolException(who + " announced a frame limit of " + welcome.maxFrame()
                        + " bytes; the protocol needs at least " + Limits.MIN_MAX_FRAME);
            }
            return welcome;
        } catch (IOException e) {
            if (expired.get()) {
                throw new OsdUnavailableException(who + ": no answer to the handshake within "
                        + settings.connectTimeoutMillis() + " ms", e);
            }
            throw new OsdUnavailableException(who + ": the connection ended during the handshake ("
                    + describe(e) + ")", e);
        } finally {
            guard.cancel(false);
        }
    }

    // ---- requests ----------------------------------------------------------------------------------------------------

    /** @return the ASD's welcome on this connection */
    Message.Welcome welcome() {
        return welcome;
    }

    boolean isOpen() {
        return open.get();
    }

    /** @return requests sent and not yet answered */
    int outstanding() {
        return pending.size();
    }

    boolean proven() {
        return proven;
    }

    /** @return why the connection closed, or null while it is open */
    Reason reason() {
        return reason;
    }

    /**
     * Sends a request; {@code result} completes with its decoded answer, or fails. Encodes on the calling thread (no
     * I/O), so a request over the limits fails here, without touching the connection.
     *
     * @param operation the operation's name, for messages
     * @param apply whether the request changes data (its outcome is unknown if the connection breaks)
     * @return false if the connection was closed already: nothing was sent and {@code result} is untouched, so the
     *         request may go to another connection
     */
    <T> boolean send(String operation, boolean apply, Message.Request request, Decoder<T> decoder,
            CompletableFuture<T> result) {
        if (!open.get()) {
            return false;
        }
        if (request instanceof Message.Get get && get.once() && welcome.version() < 2) {
            request = new Message.Get(get.keys()); // GET_ONCE came with version 2: a plain GET reads the same
        }
        long id = ids.incrementAndGet();
        ByteBuffer[] frame;
        try {
            frame = writer.encode(id, request);
        } catch (IllegalArgumentException e) {
            result.completeExceptionally(new IllegalArgumentException(owner.describe() + ": " + operation
                    + " refused before sending: " + e.getMessage(), e));
            return true;
        }
        Pending<T> p = new Pending<>(operation, apply, decoder, result);
        // Pending before the timeout is scheduled, so that even a timeout of 1 ms finds the request it is about.
        pending.put(id, p);
        try {
            p.timeout = timer.schedule(() -> timedOut(id), settings.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            if (pending.remove(id) != null) {
                result.completeExceptionally(failure(p, new Reason(Reason.Kind.STOPPED, "driver stopped")));
            }
            return true;
        }
        if (!open.get()) {
            // Closed meanwhile: if close() failed this request first, that stands; if not, nothing was sent.
            p.cancelTimeout();
            return pending.remove(id) == null;
        }
        queue.add(frame);
        if (draining.compareAndSet(false, true)) {
            try {
                io.execute(this::drain);
            } catch (RejectedExecutionException e) {
                draining.set(false);
                close(new Reason(Reason.Kind.STOPPED, "driver stopped"));
            } catch (RuntimeException | Error e) {
                // No thread to write with (the system is out of them): the queue would wait forever.
                draining.set(false);
                close(new Reason(Reason.Kind.LOST, "cannot start writing: " + describe(e)));
            }
        }
        return true;
    }

    /** Writes queued frames until the queue is empty; one instance at a time per connection. */
    private void drain() {
        List<ByteBuffer> batch = new ArrayList<>();
        try {
            while (true) {
                batch.clear();
                long bytes = 0;
                ByteBuffer[] frame;
                while (bytes < BATCH_BYTES && batch.size() < BATCH_BUFFERS && (frame = queue.poll()) != null) {
                    for (ByteBuffer b : frame) {
                        batch.add(b);
                        bytes += b.remaining();
                    }
                }
                if (batch.isEmpty()) {
                    draining.set(false);
                    // A frame queued after the poll and before the flag cleared found draining still set: take it.
                    if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                        return;
                    }
                    continue;
                }
                FrameCodec.write(channel, batch.toArray(ByteBuffer[]::new));
            }
        } catch (IOException | RuntimeException e) {
            draining.set(false);
            if (open.get()) {
                close(new Reason(Reason.Kind.LOST, "writing failed: " + describe(e)));
            }
        }
    }

    private void readLoop() {
        try {
            while (open.get()) {
                FrameCodec.Frame frame = reader.read();
                if (frame == null) {
                    close(new Reason(Reason.Kind.LOST, "the ASD closed the connection"));
                    return;
                }
                dispatch(frame);
            }
        } catch (OsdProtocolException e) {
            close(new Reason(Reason.Kind.PROTOCOL, "protocol error: " + e.getMessage()));
        } catch (IOException e) {
            if (open.get()) {
                close(new Reason(Reason.Kind.LOST, "connection lost: " + describe(e)));
            }
        } catch (RuntimeException | Error e) {
            close(new Reason(Reason.Kind.PROTOCOL, "unexpected failure reading a response: " + e));
            throw e;
        }
    }

    private void dispatch(FrameCodec.Frame frame) {
        if (!(frame.message() instanceof Message.Response response)) {
            throw new OsdProtocolException("the ASD sent a " + frame.message().getClass().getSimpleName()
                    + " frame, which is not a response");
        }
        Pending<?> p = pending.remove(frame.id());
        if (p == null) {
            throw new OsdProtocolException("the ASD answered request " + frame.id() + ", which is not outstanding");
        }
        p.cancelTimeout();
        if (!proven) {
            proven = true;
            owner.proven(this);
        }
        try {
            p.complete(response);
        } catch (OsdProtocolException e) {
            // Close before failing this request, as for the others: its caller then finds the pool without us.
            close(new Reason(Reason.Kind.PROTOCOL, "protocol error: " + e.getMessage()));
            p.result.completeExceptionally(new OsdProtocolException(owner.describe() + ": " + e.getMessage()
                    + "; connection closed", e));
        }
    }

    private void timedOut(long id) {
        Pending<?> p = pending.get(id);
        if (p == null) {
            return;
        }
        // Closing fails this request with the rest; an answer racing in now finds the connection closed, rather than
        // being taken for an answer to no request.
        close(new Reason(Reason.Kind.TIMEOUT, "a " + p.operation + " request went unanswered for "
                + settings.requestTimeoutMillis() + " ms"));
    }

    /** Closes the connection and fails every request on it; the first reason wins. */
    void close(Reason why) {
        if (!open.compareAndSet(true, false)) {
            return;
        }
        reason = why;
        closeQuietly(channel);
        // The pool first, so that a caller retrying from its failed future finds the pool already without us.
        owner.closed(this, why);
        for (Long id : pending.keySet()) {
            Pending<?> p = pending.remove(id);
            if (p != null) {
                p.cancelTimeout();
                p.result.completeExceptionally(failure(p, why));
            }
        }
    }

    /** Waits a little for the reader thread to end, so a stopping bundle leaves no thread of its own behind. */
    void awaitReader(long millis) throws InterruptedException {
        if (Thread.currentThread() != readerThread) {
            readerThread.join(millis);
        }
    }

    private StorageException failure(Pending<?> p, Reason why) {
        String who = owner.describe();
        return switch (why.kind()) {
            case STOPPED -> new OsdUnavailableException(who + ": driver stopped");
            case PROTOCOL -> new OsdProtocolException(who + ": " + why.text() + "; connection closed");
            case LOST, TIMEOUT -> new OsdUnavailableException(who + ": " + why.text()
                    + (why.kind() == Reason.Kind.TIMEOUT ? "; connection closed" : "")
                    + (p.apply ? "; the apply may or may not have happened" : ""));
        };
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        String type = e.getClass().getSimpleName();
        return message == null || message.isEmpty() ? type : type + ": " + message;
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // Closing a socket fails only if it is already broken, which is why it is being closed.
            }
        }
    }

    /** A request on its way: its decoder, its future and its timeout. */
    private static final class Pending<T> {
        final String operation;
        final boolean apply;
        final Decoder<T> decoder;
        final CompletableFuture<T> result;
        volatile ScheduledFuture<?> timeout;

        Pending(String operation, boolean apply, Decoder<T> decoder, CompletableFuture<T> result) {
            this.operation = operation;
            this.apply = apply;
            this.decoder = decoder;
            this.result = result;
        }

        void cancelTimeout() {
            ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
        }

        /** @throws OsdProtocolException if the response does not fit the request; the future is left to the caller */
        void complete(Message.Response response) {
            T value;
            try {
                value = decoder.decode(response);
            } catch (OsdProtocolException e) {
                throw e;
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                return;
            }
            result.complete(value);
        }
    }
}
