package io.albireo.asd.internal;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.AssertFailedException;
import io.albireo.api.IntegrityException;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdFullException;
import io.albireo.api.osd.OsdProtocolException;
import io.albireo.asd.protocol.FrameCodec;
import io.albireo.asd.protocol.Limits;
import io.albireo.asd.protocol.Message;

/**
 * Serves one {@link AsdStore} over the ASD protocol (docs/ASD-PROTOCOL.md). Each connection has a reader thread, which
 * checks the handshake and dispatches requests, and a writer thread, which sends the responses as they come: reads run
 * on a shared pool; applies go to the store's group commit, those with blob files by way of a shared write pool, so
 * a connection's reader never waits on a disk while the next request is already in its socket. Small slice reads (at
 * most {@link #INLINE_SLICE_BYTES}, what a proxy's partial read asks for) are the exception: the reader serves them
 * and writes the answer itself, because handing a 4 KiB read to two other threads costs more CPU than the read (see
 * docs/PERFORMANCE.md); the driver spreads requests over several connections, so one slow read holds up only its
 * own. A connection has at most {@link #MAX_IN_FLIGHT} requests unanswered; past that its reader waits, so a client
 * that stops reading stalls only itself. A malformed frame closes the connection with a logged reason; nothing it
 * asked for is done.
 */
final class AsdServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AsdServer.class);
    static final int MAX_IN_FLIGHT = 256;
    /** Slice reads asking for at most this many bytes in all are served on the connection's reader thread. */
    static final long INLINE_SLICE_BYTES = 64 * 1024;

    private final AsdStore store;
    private final String nodeId;
    private final FrameCodec codec;
    private final Limits limits;
    private final ServerSocketChannel server;
    private final ExecutorService reads;
    private final ExecutorService blobWrites;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    AsdServer(AsdStore store, String nodeId, InetSocketAddress address, Limits limits, int readThreads,
            int writeThreads) throws IOException {
        this.store = store;
        this.nodeId = nodeId;
        this.limits = limits;
        this.codec = new FrameCodec(limits);
        this.server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(address);
        this.reads = Executors.newFixedThreadPool(readThreads, named("asd-read-" + store.longId().substring(0, 8)));
        this.blobWrites = Executors.newFixedThreadPool(writeThreads,
                named("asd-blob-" + store.longId().substring(0, 8)));
        this.acceptor = named("asd-accept-" + address.getPort()).newThread(this::acceptLoop);
        acceptor.start();
    }

    /** @return the address it listens on (the port is the real one when 0 was asked for) */
    InetSocketAddress address() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    int connections() {
        return connections.size();
    }

    /**
     * Serves a request: applies join the group commit (by way of the write pool when they write values to files),
     * reads run on the read pool, small slice reads at once. A connection's reader and callers in this JVM (see
     * {@link io.albireo.asd.protocol.AsdEndpoint}) both come here. It allocates nothing for a request beyond its answer:
     * the values are the caller's, so what is in flight is bounded by what callers hold.
     */
    CompletableFuture<Message.Response> handle(Message.Request request) {
        try {
            if (closed) {
                return CompletableFuture.completedFuture(new Message.Failure(Message.Failure.Kind.UNAVAILABLE,
                        "ASD " + store.longId() + " is stopping"));
            }
            if (request instanceof Message.Apply apply) {
                if (!store.writesBlobs(apply.updates())) {
                    return applied(apply);
                }
                // Writing (and with fsync syncing) the values takes milliseconds: not on the caller's thread.
                return CompletableFuture.supplyAsync(() -> applied(apply), blobWrites).thenCompose(f -> f);
            }
            if (small(request)) {
                return CompletableFuture.completedFuture(answer(request));
            }
            return CompletableFuture.supplyAsync(() -> answer(request), reads);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(new Message.Failure(Message.Failure.Kind.UNAVAILABLE,
                    "ASD " + store.longId() + " is stopping"));
        }
    }

    /** @return the answer to an apply once the store committed or refused it */
    private CompletableFuture<Message.Response> applied(Message.Apply apply) {
        try {
            return store.apply(apply.asserts(), apply.updates())
                    .handle((ok, failure) -> failure == null ? new Message.Applied() : failure(failure));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failure(e));
        }
    }

    private static boolean small(Message.Request request) {
        if (!(request instanceof Message.GetSlices get)) {
            return false;
        }
        long bytes = 0;
        for (Osd.Slice s : get.slices()) {
            bytes += s.length();
        }
        return bytes <= INLINE_SLICE_BYTES;
    }

    private Message.Response answer(Message.Request request) {
        try {
            return read(request);
        } catch (RuntimeException e) {
            return failure(e);
        }
    }

    private Message.Response read(Message.Request request) {
        if (request instanceof Message.Get get) {
            List<Optional<ByteBuffer>> values = new ArrayList<>(get.keys().size());
            get.keys().forEach(k -> values.add(store.get(k)));
            return new Message.Values(values);
        }
        if (request instanceof Message.GetSlices get) {
            List<Optional<ByteBuffer>> values = new ArrayList<>(get.slices().size());
            for (Osd.Slice s : get.slices()) {
                values.add(store.getSlice(s.key(), s.offset(), s.length()));
            }
            return new Message.Values(values);
        }
        if (request instanceof Message.Range range) {
            boolean[] more = {false};
            return new Message.Entries(store.range(range.range(), Math.min(range.limit(), Limits.MAX_ITEMS),
                    range.withValues(), more), more[0]);
        }
        if (request instanceof Message.GetDiskUsage) {
            return new Message.Usage(store.diskUsage());
        }
        if (request instanceof Message.GetStatistics) {
            return new Message.Statistics(store.statistics());
        }
        throw new IllegalArgumentException("unsupported request " + request.getClass().getSimpleName());
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel channel = server.accept();
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Connection c = new Connection(channel);
                connections.add(c);
                c.start();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("ASD {}: accepting a connection failed", store.longId(), e);
                }
            }
        }
    }

    /** One client connection. */
    private final class Connection {
        private final SocketChannel channel;
        private final FrameCodec.Reader frames;
        private final SocketAddress peer;
        private final ExecutorService writer;
        private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        /** Held while a frame is written: by the writer thread, or the reader answering a small read itself. */
        private final Object writing = new Object();
        private volatile boolean open = true;

        Connection(SocketChannel channel) throws IOException {
            this.channel = channel;
            this.frames = codec.reader(channel);
            this.peer = channel.getRemoteAddress();
            this.writer = Executors.newSingleThreadExecutor(named("asd-write-" + peer));
        }

        void start() {
            named("asd-conn-" + peer).newThread(this::readLoop).start();
        }

        private void readLoop() {
            try {
                if (!handshake()) {
                    return;
                }
                while (open) {
                    FrameCodec.Frame frame = frames.read();
                    if (frame == null) {
                        return;
                    }
                    if (!(frame.message() instanceof Message.Request request)) {
                        throw new OsdProtocolException("a " + frame.message().getClass().getSimpleName()
                                + " frame is not a request");
                    }
                    inFlight.acquire();
                    dispatch(frame.id(), request);
                }
            } catch (OsdProtocolException e) {
                LOG.warn("ASD {}: closing the connection from {}: {}", store.longId(), peer, e.getMessage());
            } catch (EOFException | ClosedChannelException e) {
                // the client went away
            } catch (IOException e) {
                if (open && !closed) {
                    LOG.info("ASD {}: connection from {} failed: {}", store.longId(), peer, e.toString());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                close();
            }
        }

        private boolean handshake() throws IOException {
            FrameCodec.Frame frame = frames.read();
            if (frame == null) {
                return false;
            }
            if (!(frame.message() instanceof Message.Hello hello)) {
                throw new OsdProtocolException("the first frame must be a hello");
            }
            String refusal = null;
            if (hello.version() != FrameCodec.VERSION) {
                refusal = "this ASD speaks protocol version " + FrameCodec.VERSION + ", not " + hello.version();
            } else if (!hello.expectedLongId().isEmpty() && !hello.expectedLongId().equals(store.longId())) {
                refusal = "this is ASD " + store.longId() + " on node " + nodeId + ", not " + hello.expectedLongId();
            }
            if (refusal != null) {
                LOG.warn("ASD {}: refusing {}: {}", store.longId(), peer, refusal);
                FrameCodec.write(channel, codec.encode(0, new Message.Refused(refusal)));
                return false;
            }
            FrameCodec.write(channel, codec.encode(0, new Message.Welcome(FrameCodec.VERSION, store.longId(), nodeId,
                    limits.maxFrame())));
            return true;
        }

        /** Small slice reads are answered here, on the reader; everything else as {@link #handle} does it. */
        private void dispatch(long id, Message.Request request) {
            if (small(request)) {
                send(id, answer(request));
                return;
            }
            handle(request).thenAccept(response -> respond(id, response));
        }

        /** Hands a response to the writer thread: callers (the committer, the read pool) never wait on the socket. */
        private void respond(long id, Message.Response response) {
            try {
                writer.execute(() -> send(id, response));
            } catch (RejectedExecutionException e) {
                inFlight.release(); // closed meanwhile
            }
        }

        /** Writes a response (a frame at a time, whichever thread) and frees its in-flight slot. */
        private void send(long id, Message.Response response) {
            try {
                ByteBuffer[] frame;
                try {
                    frame = codec.encode(id, response);
                } catch (IllegalArgumentException e) {
                    frame = codec.encode(id, new Message.Failure(Message.Failure.Kind.BAD_REQUEST,
                            "the answer is too large for one frame: " + e.getMessage()));
                }
                synchronized (writing) {
                    FrameCodec.write(channel, frame);
                }
            } catch (IOException e) {
                close();
            } finally {
                inFlight.release();
            }
        }

        void close() {
            if (!open) {
                return;
            }
            open = false;
            connections.remove(this);
            writer.shutdown();
            try {
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** @return the response that reports a failed request */
    static Message.Response failure(Throwable failure) {
        Throwable e = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (e instanceof AssertFailedException a) {
            return new Message.AssertFailed(a.index(), a.key());
        }
        if (e instanceof OsdFullException) {
            return new Message.Failure(Message.Failure.Kind.FULL, e.getMessage());
        }
        if (e instanceof IllegalArgumentException) {
            return new Message.Failure(Message.Failure.Kind.BAD_REQUEST, e.getMessage());
        }
        if (e instanceof IntegrityException) {
            LOG.error("{}", e.getMessage());
            return new Message.Failure(Message.Failure.Kind.CORRUPT, e.getMessage());
        }
        LOG.warn("request failed", e);
        return new Message.Failure(Message.Failure.Kind.UNAVAILABLE, String.valueOf(e.getMessage()));
    }

    private static ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + (n.get() == 0 ? "" : "-" + n.get()));
            n.incrementAndGet();
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Connection c : connections) {
            c.close();
        }
        reads.shutdown();
        blobWrites.shutdown();
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
