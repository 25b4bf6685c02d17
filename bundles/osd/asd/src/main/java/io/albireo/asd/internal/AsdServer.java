package io.albireo.asd.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

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
import io.albireo.framing.DaemonThreads;
import io.albireo.framing.FrameServer;
import io.albireo.framing.RawFrame;

/**
 * Serves one {@link AsdStore} over the ASD protocol (docs/ASD-PROTOCOL.md) on a {@link FrameServer}, which bounds
 * the connections, the bytes and requests each holds, the bytes all hold, and the threads (a few event loops, however
 * many connections). A connection's loop checks the handshake and dispatches requests: reads run on a shared pool;
 * applies go to the store's group commit, those with blob files by way of a shared write pool, so a loop never waits
 * on a disk while the next request is already in its socket. Small slice reads (at most {@link #INLINE_SLICE_BYTES},
 * what a proxy's partial read asks for) are the exception: the loop serves them and writes the answer itself, because
 * handing a 4 KiB read to two other threads costs more CPU than the read (see docs/PERFORMANCE.md). Answers are sent
 * from whichever thread has them, without blocking: what the socket does not take is queued and counts against the
 * connection's bytes, so a client that stops reading stalls only itself. A request frame is held (and counts) until
 * its answer is sent. A malformed frame closes the connection with a logged reason, told to the client in a REFUSED
 * frame; nothing it asked for is done.
 */
final class AsdServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AsdServer.class);
    /** Slice reads asking for at most this many bytes in all are served on the connection's loop thread. */
    static final long INLINE_SLICE_BYTES = 64 * 1024;

    private final AsdStore store;
    private final String nodeId;
    private final FrameCodec codec;
    private final Limits limits;
    private final FrameServer network;
    private final ExecutorService reads;
    private final ExecutorService blobWrites;
    /** Callers in this JVM together: as many requests in flight as one connection (maxRequests). */
    private final RequestGate inProcess;
    private volatile boolean closed;

    /**
     * @param network where to listen and the bounds of the connections; its frame limit is the protocol's
     * @param readThreads the read pool's size
     * @param writeThreads the blob write pool's size
     */
    AsdServer(AsdStore store, String nodeId, FrameServer.Settings network, int readThreads, int writeThreads)
            throws IOException {
        this.store = store;
        this.nodeId = nodeId;
        this.limits = new Limits(network.maxFrame());
        this.codec = new FrameCodec(limits);
        String tag = store.longId().substring(0, 8);
        this.reads = Executors.newFixedThreadPool(readThreads, DaemonThreads.named("asd-read-" + tag));
        this.blobWrites = Executors.newFixedThreadPool(writeThreads, DaemonThreads.named("asd-blob-" + tag));
        this.inProcess = new RequestGate(network.maxFrames(), this::handle, reads);
        try {
            this.network = new FrameServer(network, FrameServer.Protocol.of(Connection::new, codec::refusal));
        } catch (IOException | RuntimeException e) {
            reads.shutdown();
            blobWrites.shutdown();
            throw e;
        }
    }

    /** @return bounds for a server on {@code address}: the frame limit given, the other bounds their defaults */
    static FrameServer.Settings settings(InetSocketAddress address, Limits limits) {
        return new FrameServer.Settings("asd", address, limits.maxFrame(), Bounds.MAX_CONNECTIONS,
                Math.max(Bounds.MAX_CONNECTION_BYTES, 2L * limits.maxFrame() + 8), Math.max(Bounds.MAX_BYTES,
                        2L * limits.maxFrame() + 8), Bounds.MAX_REQUESTS, Bounds.LOOPS);
    }

    /** The default bounds of a server's connections (etc/io.albireo.asd-*.cfg). */
    static final class Bounds {
        static final int MAX_CONNECTIONS = 1024;
        static final long MAX_CONNECTION_BYTES = 160L << 20;
        static final long MAX_BYTES = 512L << 20;
        static final int MAX_REQUESTS = 256;
        static final int LOOPS = 2;

        private Bounds() {
        }
    }

    /** @return the address it listens on (the port is the real one when 0 was asked for) */
    InetSocketAddress address() {
        return network.address();
    }

    int connections() {
        return network.connections();
    }

    /** @return the connections' server, for its bounds and counters */
    FrameServer network() {
        return network;
    }

    /**
     * Serves a request: applies join the group commit (by way of the write pool when they write values to files),
     * reads run on the read pool, small slice reads at once. A connection's reader and callers in this JVM (see
     * {@link io.albireo.asd.protocol.AsdEndpoint}) both come here. It allocates nothing for a request beyond its answer:
     * the values are the caller's, so what is in flight is bounded by what callers hold.
     */
    /** Serves a request of a caller in this JVM ({@link io.albireo.asd.protocol.AsdEndpoint}), within its bound. */
    CompletableFuture<Message.Response> handleInProcess(Message.Request request) {
        return inProcess.handle(request);
    }

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
            get.keys().forEach(k -> values.add(store.get(k, get.once())));
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

    /** One client connection's session: the handshake, then requests. */
    private final class Connection implements FrameServer.Session {
        private final FrameServer.Link link;
        private boolean welcomed;

        Connection(FrameServer.Link link) {
            this.link = link;
        }

        @Override
        public void frame(RawFrame raw) {
            FrameCodec.Frame frame;
            try {
                frame = codec.decode(raw);
            } catch (RuntimeException e) {
                link.release(raw);
                throw e;
            }
            if (!welcomed) {
                link.release(raw);
                handshake(frame);
                return;
            }
            if (!(frame.message() instanceof Message.Request request)) {
                link.release(raw);
                throw new OsdProtocolException("a " + frame.message().getClass().getSimpleName()
                        + " frame is not a request");
            }
            if (small(request)) {
                send(raw, answer(request));
            } else {
                handle(request).whenComplete((response, failure) -> send(raw, failure == null ? response
                        : failure(failure)));
            }
        }

        private void handshake(FrameCodec.Frame frame) {
            if (!(frame.message() instanceof Message.Hello hello)) {
                throw new OsdProtocolException("the first frame must be a hello");
            }
            String refusal = null;
            if (!FrameCodec.speaks(hello.version())) {
                refusal = "this ASD speaks protocol versions " + FrameCodec.MIN_VERSION + " to " + FrameCodec.VERSION
                        + ", not " + hello.version();
            } else if (!hello.expectedLongId().isEmpty() && !hello.expectedLongId().equals(store.longId())) {
                refusal = "this is ASD " + store.longId() + " on node " + nodeId + ", not " + hello.expectedLongId();
            }
            if (refusal != null) {
                LOG.warn("ASD {}: refusing {}: {}", store.longId(), link.peer(), refusal);
                link.send(codec.encode(0, new Message.Refused(refusal)));
                link.close("refused: " + refusal);
                return;
            }
            welcomed = true;
            // The client's version, which this ASD speaks: an older driver keeps working with a newer ASD.
            link.send(codec.encode(0, new Message.Welcome(hello.version(), store.longId(), nodeId,
                    limits.maxFrame())));
        }

        /** Sends the answer to a request, from whichever thread has it, and gives back what the request held. */
        private void send(RawFrame request, Message.Response response) {
            try {
                ByteBuffer[] frame;
                try {
                    frame = codec.encode(request.id(), response);
                } catch (IllegalArgumentException e) {
                    frame = codec.encode(request.id(), new Message.Failure(Message.Failure.Kind.BAD_REQUEST,
                            "the answer is too large for one frame: " + e.getMessage()));
                }
                link.send(frame);
            } finally {
                link.release(request);
            }
        }

        @Override
        public void closed(String why) {
            LOG.debug("ASD {}: connection from {} closed: {}", store.longId(), link.peer(), why);
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

    @Override
    public void close() {
        closed = true;
        network.close();
        reads.shutdown();
        blobWrites.shutdown();
    }
}
