package io.albireo.proxy.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.metadata.ManifestFormat;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectStore;
import io.albireo.api.object.ObjectStream;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.framing.DaemonThreads;
import io.albireo.framing.FrameServer;
import io.albireo.framing.RawFrame;
import io.albireo.proxy.protocol.FrameCodec;
import io.albireo.proxy.protocol.Limits;
import io.albireo.proxy.protocol.Message;
import io.albireo.proxy.protocol.ProxyProtocolException;

/**
 * Serves an {@link ObjectStore} over the proxy protocol (docs/PROXY-PROTOCOL.md) on a {@link FrameServer}, which bounds
 * the connections, the bytes and requests each holds, the bytes all hold, and the threads (a few event loops, however
 * many connections). The store is asked for at every request, so it may come and go under open connections: meanwhile
 * requests fail with UNAVAILABLE.
 *
 * <p>A connection's loop checks the handshake and dispatches: requests run on a shared pool; a streamed put runs on a
 * put thread for as long as its bytes arrive, and the loop feeds its DATA frames in without waiting. Puts have at most
 * {@code putThreads} threads in all: a put begun when every one is busy is answered UNAVAILABLE at once, and its DATA
 * frames are dropped (a put cannot wait for a thread, since its own bytes would queue behind it). A request frame is
 * held (and counts against the bounds) until its answer is sent, a DATA frame until the put has read it. A get streams
 * its object ({@link ObjectStore#open}): the next piece is read once the last is nearly written, so however large the
 * object and however slow the client, the server holds a piece or two of it. A malformed
 * frame closes the connection with a logged reason, told to the client in a REFUSED frame; nothing it asked for is
 * done, and open puts on it are aborted.
 */
final class ProxyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);

    /** The default bounds (etc/io.albireo.proxy.server.cfg). */
    static final class Bounds {
        static final int MAX_CONNECTIONS = 1024;
        static final long MAX_CONNECTION_BYTES = 64L << 20;
        static final long MAX_BYTES = 512L << 20;
        static final int MAX_REQUESTS = 256;
        static final int LOOPS = 2;
        static final int PUT_THREADS = 64;
        static final int GET_THREADS = 64;
        /** How long a streaming get waits for a client that reads nothing before it closes the connection. */
        static final long STALL_MILLIS = 60_000;

        private Bounds() {
        }
    }

    private final Supplier<ObjectStore> stores;
    private final Limits limits;
    private final FrameCodec codec;
    private final FrameServer network;
    private final ExecutorService workers;
    private final ThreadPoolExecutor putters;
    private final ThreadPoolExecutor getters;
    /** Bytes of read answers being read or sent, in all: at most the connections' shared bound. */
    private final Semaphore readBytes;

    /**
     * @param stores the store to serve, or null while there is none
     * @param network where to listen and the bounds of the connections; its frame limit is the protocol's
     * @param threads the request pool's size
     * @param putThreads the most puts streaming at once
     * @param getThreads the most gets streaming at once
     */
    ProxyServer(Supplier<ObjectStore> stores, FrameServer.Settings network, int threads, int putThreads,
            int getThreads) throws IOException {
        this.stores = stores;
        this.limits = new Limits(network.maxFrame());
        this.codec = new FrameCodec(limits);
        this.workers = Executors.newFixedThreadPool(threads, DaemonThreads.named("proxy-work"));
        this.putters = new ThreadPoolExecutor(0, putThreads, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                DaemonThreads.named("proxy-put"));
        this.getters = new ThreadPoolExecutor(0, getThreads, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                DaemonThreads.named("proxy-get"));
        this.readBytes = new Semaphore((int) Math.min(Integer.MAX_VALUE, network.maxBytes()));
        try {
            this.network = new FrameServer(network, FrameServer.Protocol.of(Connection::new, codec::refusal));
        } catch (IOException | RuntimeException e) {
            workers.shutdown();
            putters.shutdown();
            getters.shutdown();
            throw e;
        }
    }

    /** @return bounds for a server on {@code address}: the frame limit given, the other bounds their defaults */
    static FrameServer.Settings settings(InetSocketAddress address, Limits limits) {
        return new FrameServer.Settings("proxy", address, limits.maxFrame(), Bounds.MAX_CONNECTIONS,
                Math.max(Bounds.MAX_CONNECTION_BYTES, limits.maxFrame() + 8L),
                Math.max(Bounds.MAX_BYTES, limits.maxFrame() + 8L), Bounds.MAX_REQUESTS, Bounds.LOOPS);
    }

    /** @return the address it listens on (the real port when 0 was asked for) */
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

    private ObjectStore store() {
        ObjectStore s = stores.get();
        if (s == null) {
            throw new OsdUnavailableException("the proxy is not running (no ObjectStore service): try again shortly,"
                    + " or see 'scr:list'");
        }
        return s;
    }

    /** One client connection's session. */
    private final class Connection implements FrameServer.Session {
        private final FrameServer.Link link;
        private final Map<Long, PutStream> puts = new ConcurrentHashMap<>();
        private final Map<Long, CompletableFuture<ObjectInfo>> putResults = new ConcurrentHashMap<>();
        /** Puts refused for want of a thread: their DATA frames are dropped until their PUT_END. */
        private final Set<Long> refusedPuts = ConcurrentHashMap.newKeySet();
        /** The PUT_BEGIN frames of open puts, held until the put is answered. */
        private final Map<Long, RawFrame> putFrames = new ConcurrentHashMap<>();
        private boolean welcomed;

        Connection(FrameServer.Link link) {
            this.link = link;
        }

        @Override
        public void frame(RawFrame raw) {
            Message message;
            try {
                message = codec.decode(raw).message();
            } catch (RuntimeException e) {
                link.release(raw);
                throw e;
            }
            if (!welcomed) {
                link.release(raw);
                handshake(message);
                return;
            }
            receive(raw, message);
        }

        private void handshake(Message message) {
            if (!(message instanceof Message.Hello hello)) {
                throw new ProxyProtocolException("the first frame must be a hello");
            }
            if (hello.version() != FrameCodec.VERSION) {
                String refusal = "this proxy speaks protocol version " + FrameCodec.VERSION + ", not "
                        + hello.version();
                LOG.warn("proxy server: refusing {}: {}", link.peer(), refusal);
                link.send(codec.encode(0, new Message.Refused(refusal)));
                link.close("refused: " + refusal);
                return;
            }
            welcomed = true;
            link.send(codec.encode(0, new Message.Welcome(FrameCodec.VERSION, limits.maxFrame())));
        }

        private void receive(RawFrame raw, Message message) {
            long id = raw.id();
            if (message instanceof Message.Data data) {
                PutStream put = puts.get(id);
                if (put != null) {
                    put.feed(data.data(), () -> link.release(raw));
                    return;
                }
                link.release(raw);
                if (!refusedPuts.contains(id)) {
                    throw new ProxyProtocolException("data for request " + id + ", which is no open put");
                }
            } else if (message instanceof Message.PutEnd end) {
                link.release(raw);
                if (refusedPuts.remove(id)) {
                    return; // answered when it was refused
                }
                PutStream put = puts.remove(id);
                if (put == null) {
                    throw new ProxyProtocolException("put-end for request " + id + ", which is no open put");
                }
                put.end(end.abort() ? "the client gave it up" : null);
                putResults.remove(id).whenComplete((info, failure) -> respond(putFrames.remove(id), failure == null
                        ? new Message.Info(Optional.of(info)) : Message.Failure.of(unwrap(failure))));
            } else if (message instanceof Message.PutBegin begin) {
                begin(raw, begin);
            } else if (message instanceof Message.Request request) {
                try {
                    workers.execute(() -> respond(raw, handle(request)));
                } catch (RejectedExecutionException e) {
                    respond(raw, Message.Failure.of(new OsdUnavailableException("the proxy server is stopping")));
                }
            } else {
                link.release(raw);
                throw new ProxyProtocolException("a " + message.getClass().getSimpleName()
                        + " frame is not something a client sends");
            }
        }

        private void begin(RawFrame raw, Message.PutBegin begin) {
            long id = raw.id();
            // A put is open from its PUT_BEGIN until it is answered, after its PUT_END: its id is taken till then.
            if (puts.containsKey(id) || putResults.containsKey(id) || putFrames.containsKey(id)
                    || refusedPuts.contains(id)) {
                link.release(raw);
                throw new ProxyProtocolException("request id " + id + " is already an open put");
            }
            if (puts.size() >= Limits.MAX_OPEN_PUTS) {
                link.release(raw);
                throw new ProxyProtocolException("more than " + Limits.MAX_OPEN_PUTS + " open puts");
            }
            PutStream stream = new PutStream();
            CompletableFuture<ObjectInfo> result = new CompletableFuture<>();
            puts.put(id, stream);
            putResults.put(id, result);
            putFrames.put(id, raw);
            try {
                putters.execute(() -> {
                    try {
                        result.complete(store().put(begin.namespace(), begin.name(), stream, begin.overwrite()));
                    } catch (RuntimeException | Error e) {
                        result.completeExceptionally(e);
                    } finally {
                        stream.finish();
                    }
                });
            } catch (RejectedExecutionException e) {
                puts.remove(id);
                putResults.remove(id);
                putFrames.remove(id);
                refusedPuts.add(id);
                String why = putters.isShutdown() ? "the proxy server is stopping"
                        : "the proxy has " + putters.getMaximumPoolSize() + " puts streaming, its limit (putThreads):"
                                + " try again shortly";
                respond(raw, Message.Failure.of(new OsdUnavailableException(why)));
            }
        }

        private Object handle(Message.Request request) {
            try {
                return answer(request);
            } catch (RuntimeException e) {
                Message.Failure f = Message.Failure.of(e);
                if (f.kind() == Message.Failure.Kind.FAILED) {
                    LOG.warn("proxy server: a {} failed", request.getClass().getSimpleName(), e);
                }
                return f;
            }
        }

        private Object answer(Message.Request request) {
            ObjectStore store = store();
            if (request instanceof Message.Get g) {
                Optional<ObjectStream> object = store.open(g.namespace(), g.name());
                return object.isEmpty() ? new Message.Blobs(false, List.of()) : object.get();
            }
            if (request instanceof Message.Read r) {
                long total = 0;
                for (ObjectStore.ObjectRange range : r.ranges()) {
                    total += range.length();
                }
                // A read's answer is held whole, so it must fit what a connection may hold.
                long most = network.settings().maxConnectionBytes();
                if (total > most) {
                    throw new IllegalArgumentException("a read of " + total + " bytes is over the " + most
                            + " bytes one connection may hold (maxConnectionBytes): read fewer or shorter ranges, or"
                            + " get the object whole, which streams");
                }
                int permits = (int) total;
                acquireReadBytes(permits);
                try {
                    List<ByteBuffer> values = store.read(r.ranges());
                    if (values.size() != r.ranges().size()) {
                        throw new IllegalStateException("the store returned " + values.size() + " buffers for "
                                + r.ranges().size() + " ranges");
                    }
                    return new Blobs(values, permits);
                } catch (RuntimeException | Error e) {
                    readBytes.release(permits);
                    throw e;
                }
            }
            if (request instanceof Message.Stat s) {
                return new Message.Info(store.stat(s.namespace(), s.name()));
            }
            if (request instanceof Message.Delete d) {
                return new Message.Flag(store.delete(d.namespace(), d.name()));
            }
            if (request instanceof Message.ListObjects l) {
                ObjectStore.ObjectListing page = store.list(l.namespace(), l.prefix(), l.after(),
                        Math.min(l.limit(), Limits.MAX_ITEMS));
                return fit(page.names(), page.more());
            }
            if (request instanceof Message.ListNamespaces) {
                List<String> all = store.listNamespaces();
                Message.Names names = fit(all, false);
                if (names.more()) {
                    throw new IllegalStateException(all.size() + " namespaces do not fit one frame");
                }
                return names;
            }
            if (request instanceof Message.CreateNamespace c) {
                store.createNamespace(c.namespace(), c.preset());
                return new Message.Done();
            }
            if (request instanceof Message.DeleteNamespace d) {
                store.deleteNamespace(d.namespace());
                return new Message.Done();
            }
            if (request instanceof Message.GetManifest m) {
                return new Message.ManifestBytes(store.manifest(m.namespace(), m.name())
                        .map(manifest -> ByteBuffer.wrap(ManifestFormat.encode(manifest))));
            }
            if (request instanceof Message.Apply a) {
                return new Message.Infos(store.apply(a.namespace(), a.asserts(), a.changes()));
            }
            throw new IllegalArgumentException("unsupported request " + request.getClass().getSimpleName());
        }

        /** Trims a page of names to what fits one frame: the client sees "more" and asks again. */
        private Message.Names fit(List<String> names, boolean more) {
            long room = limits.maxFrame() - 1024L;
            int n = 0;
            for (String name : names) {
                room -= 2 + name.getBytes(StandardCharsets.UTF_8).length;
                if (room < 0) {
                    break;
                }
                n++;
            }
            return n == names.size() ? new Message.Names(names, more) : new Message.Names(names.subList(0, n), true);
        }

        /** Sends the answer to a request, from whichever thread has it, and gives back what the request held. */
        private void respond(RawFrame request, Object response) {
            boolean handedOn = false;
            try {
                if (response instanceof Blobs blobs) {
                    try {
                        sendBlobs(request.id(), blobs.values, true);
                    } finally {
                        readBytes.release(blobs.permits); // what is not written yet counts in the link's bounds
                    }
                } else if (response instanceof ObjectStream object) {
                    try {
                        getters.execute(() -> {
                            try {
                                stream(request.id(), object);
                            } finally {
                                link.release(request);
                            }
                        });
                        handedOn = true; // the getter gives the request back
                    } catch (RejectedExecutionException e) {
                        String why = getters.isShutdown() ? "the proxy server is stopping"
                                : "the proxy has " + getters.getMaximumPoolSize() + " gets streaming, its limit"
                                        + " (getThreads): try again shortly";
                        link.send(encode(request.id(), Message.Failure.of(new OsdUnavailableException(why))));
                    }
                } else {
                    link.send(encode(request.id(), (Message.Response) response));
                }
            } finally {
                if (!handedOn) {
                    link.release(request);
                }
            }
        }

        private ByteBuffer[] encode(long id, Message.Response response) {
            try {
                return codec.encode(id, response);
            } catch (IllegalArgumentException e) {
                return codec.encode(id, Message.Failure.of(new IllegalArgumentException(
                        "the answer is too large for one frame: " + e.getMessage())));
            }
        }

        /**
         * A get: the head, then the object piece by piece, each piece sent once the one before is nearly written, so a
         * client that reads slowly makes the store wait rather than the server hold its object. A piece that fails to
         * read ends the answer with a FAILURE frame (docs/PROXY-PROTOCOL.md).
         */
        private void stream(long id, ObjectStream object) {
            long size = object.size();
            link.send(encode(id, new Message.Blobs(true, List.of(size))));
            long sent = 0;
            try {
                while (sent < size) {
                    ByteBuffer piece = object.next();
                    if (piece == null || piece.remaining() > size - sent) {
                        throw new IllegalStateException("the store streamed " + (piece == null ? sent : "more than "
                                + (size - sent) + " more") + " of the " + size + " bytes of the object");
                    }
                    sent += piece.remaining();
                    sendBlobs(id, List.of(piece), false);
                    if (!link.awaitWritten(limits.maxChunk(), Bounds.STALL_MILLIS)) {
                        return; // the client went away, or read nothing for too long
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                link.close("the proxy server is stopping");
            } catch (RuntimeException e) {
                Message.Failure f = Message.Failure.of(e);
                if (f.kind() == Message.Failure.Kind.FAILED) {
                    LOG.warn("proxy server: a get failed after {} of its {} bytes", sent, size, e);
                }
                link.send(encode(id, f));
            }
        }

        /** The head, then the buffers' bytes back to back in DATA frames of at most one chunk each. */
        private void sendBlobs(long id, List<ByteBuffer> values, boolean head) {
            if (head) {
                List<Long> lengths = new ArrayList<>(values.size());
                values.forEach(v -> lengths.add((long) v.remaining()));
                link.send(encode(id, new Message.Blobs(true, lengths)));
            }
            int chunk = limits.maxChunk();
            List<ByteBuffer> batch = new ArrayList<>();
            int batchBytes = 0;
            for (ByteBuffer v : values) {
                ByteBuffer rest = v.duplicate();
                while (rest.hasRemaining()) {
                    int n = Math.min(chunk - batchBytes, rest.remaining());
                    batch.add(rest.slice(rest.position(), n));
                    rest.position(rest.position() + n);
                    batchBytes += n;
                    if (batchBytes == chunk) {
                        sendData(id, batch);
                        batch.clear();
                        batchBytes = 0;
                    }
                }
            }
            if (batchBytes > 0) {
                sendData(id, batch);
            }
        }

        /** One DATA frame from several small buffers (many small ranges), or one slice of a large one. */
        private void sendData(long id, List<ByteBuffer> parts) {
            ByteBuffer data;
            if (parts.size() == 1) {
                data = parts.get(0);
            } else {
                int n = 0;
                for (ByteBuffer p : parts) {
                    n += p.remaining();
                }
                data = ByteBuffer.allocate(n);
                parts.forEach(p -> data.put(p.duplicate()));
                data.flip();
            }
            link.send(codec.encode(id, new Message.Data(data)));
        }

        @Override
        public void closed(String why) {
            // A put without its PUT_END has no outcome the client could know of: the store must store nothing, and
            // no answer will give its PUT_BEGIN frame back.
            for (Map.Entry<Long, PutStream> put : puts.entrySet()) {
                put.getValue().end(why);
                RawFrame begin = putFrames.remove(put.getKey());
                if (begin != null) {
                    link.release(begin);
                }
            }
            puts.clear();
        }
    }

    /** The answer to a read before it is cut into frames, and the read bytes it holds: not itself a wire message. */
    private record Blobs(List<ByteBuffer> values, int permits) {
    }

    /** How long a read waits for the shared bound on read bytes before it is answered UNAVAILABLE. */
    private static final long READ_WAIT_MILLIS = 10_000;

    /** Takes {@code bytes} of the shared bound on read answers, waiting a while for them. */
    private void acquireReadBytes(int bytes) {
        try {
            if (!readBytes.tryAcquire(bytes, READ_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new OsdUnavailableException("reads being answered hold nearly all of maxBytes ("
                        + readBytes.availablePermits() + " bytes free, " + bytes + " asked for): try again shortly");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OsdUnavailableException("the proxy server is stopping");
        }
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
    }

    @Override
    public void close() {
        network.close();
        workers.shutdown();
        putters.shutdown();
        getters.shutdown();
    }
}
