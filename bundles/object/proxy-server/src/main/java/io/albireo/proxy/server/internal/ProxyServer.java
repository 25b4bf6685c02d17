package io.albireo.proxy.server.internal;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.metadata.ManifestFormat;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectStore;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.proxy.protocol.FrameCodec;
import io.albireo.proxy.protocol.Limits;
import io.albireo.proxy.protocol.Message;
import io.albireo.proxy.protocol.ProxyProtocolException;

/**
 * Serves an {@link ObjectStore} over the proxy protocol (docs/PROXY-PROTOCOL.md). The store is asked for at every
 * request, so it may come and go under open connections: meanwhile requests fail with UNAVAILABLE.
 *
 * <p>Each connection has a reader thread (handshake, dispatch, feeding streamed puts) and a writer thread (responses
 * and the DATA frames of gets and reads, in bounded frames). Requests run on a shared pool; a streamed put runs on a
 * thread of its own for as long as its bytes arrive. A connection has at most {@link #MAX_IN_FLIGHT} requests
 * unanswered; past that its reader waits, so a client that stops reading stalls only itself. A malformed frame closes
 * the connection with a logged reason; nothing it asked for is done, and open puts on it are aborted.
 */
final class ProxyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);
    static final int MAX_IN_FLIGHT = 256;

    private final Supplier<ObjectStore> stores;
    private final Limits limits;
    private final FrameCodec codec;
    private final ServerSocketChannel server;
    private final ExecutorService workers;
    private final ExecutorService putters;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    /**
     * @param stores the store to serve, or null while there is none
     * @param address where to listen (port 0: any free one)
     * @param limits the frame limit
     * @param threads the request pool's size
     */
    ProxyServer(Supplier<ObjectStore> stores, InetSocketAddress address, Limits limits, int threads)
            throws IOException {
        this.stores = stores;
        this.limits = limits;
        this.codec = new FrameCodec(limits);
        this.server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(address);
        this.workers = Executors.newFixedThreadPool(threads, named("proxy-work"));
        this.putters = Executors.newCachedThreadPool(named("proxy-put"));
        this.acceptor = named("proxy-accept-" + address.getPort()).newThread(this::acceptLoop);
        acceptor.start();
    }

    /** @return the address it listens on (the real port when 0 was asked for) */
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
                    LOG.warn("proxy server: accepting a connection failed", e);
                }
            }
        }
    }

    private ObjectStore store() {
        ObjectStore s = stores.get();
        if (s == null) {
            throw new OsdUnavailableException("the proxy is not running (no ObjectStore service): try again shortly,"
                    + " or see 'scr:list'");
        }
        return s;
    }

    /** One client connection. */
    private final class Connection {
        private final SocketChannel channel;
        private final SocketAddress peer;
        private final ExecutorService writer;
        private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        private final Map<Long, PutStream> puts = new ConcurrentHashMap<>();
        private final Map<Long, CompletableFuture<ObjectInfo>> putResults = new ConcurrentHashMap<>();
        private volatile boolean open = true;

        Connection(SocketChannel channel) throws IOException {
            this.channel = channel;
            this.peer = channel.getRemoteAddress();
            this.writer = Executors.newSingleThreadExecutor(named("proxy-write-" + peer));
        }

        void start() {
            named("proxy-conn-" + peer).newThread(this::readLoop).start();
        }

        private void readLoop() {
            String why = "the client closed the connection";
            try {
                if (!handshake()) {
                    return;
                }
                while (open) {
                    FrameCodec.Frame frame = codec.read(channel);
                    if (frame == null) {
                        return;
                    }
                    receive(frame.id(), frame.message());
                }
            } catch (ProxyProtocolException e) {
                why = "protocol error: " + e.getMessage();
                LOG.warn("proxy server: closing the connection from {}: {}", peer, e.getMessage());
            } catch (EOFException | ClosedChannelException e) {
                why = "the connection ended";
            } catch (IOException e) {
                why = "the connection failed: " + e;
                if (open && !closed) {
                    LOG.info("proxy server: connection from {} failed: {}", peer, e.toString());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                close(why);
            }
        }

        private boolean handshake() throws IOException {
            FrameCodec.Frame frame = codec.read(channel);
            if (frame == null) {
                return false;
            }
            if (!(frame.message() instanceof Message.Hello hello)) {
                throw new ProxyProtocolException("the first frame must be a hello");
            }
            if (hello.version() != FrameCodec.VERSION) {
                String refusal = "this proxy speaks protocol version " + FrameCodec.VERSION + ", not "
                        + hello.version();
                LOG.warn("proxy server: refusing {}: {}", peer, refusal);
                FrameCodec.write(channel, codec.encode(0, new Message.Refused(refusal)));
                return false;
            }
            FrameCodec.write(channel, codec.encode(0, new Message.Welcome(FrameCodec.VERSION, limits.maxFrame())));
            return true;
        }

        private void receive(long id, Message message) throws InterruptedException {
            if (message instanceof Message.Data data) {
                PutStream put = puts.get(id);
                if (put == null) {
                    throw new ProxyProtocolException("data for request " + id + ", which is no open put");
                }
                put.feed(data.data());
            } else if (message instanceof Message.PutEnd end) {
                PutStream put = puts.remove(id);
                if (put == null) {
                    throw new ProxyProtocolException("put-end for request " + id + ", which is no open put");
                }
                put.end(end.abort() ? "the client gave it up" : null);
                putResults.remove(id).whenComplete((info, failure) -> respond(id, failure == null
                        ? new Message.Info(Optional.of(info)) : Message.Failure.of(unwrap(failure))));
            } else if (message instanceof Message.PutBegin begin) {
                if (puts.containsKey(id) || putResults.containsKey(id)) {
                    throw new ProxyProtocolException("request id " + id + " is already an open put");
                }
                if (puts.size() >= Limits.MAX_OPEN_PUTS) {
                    throw new ProxyProtocolException("more than " + Limits.MAX_OPEN_PUTS + " open puts");
                }
                inFlight.acquire();
                PutStream stream = new PutStream();
                CompletableFuture<ObjectInfo> result = new CompletableFuture<>();
                puts.put(id, stream);
                putResults.put(id, result);
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
                    stream.finish();
                    result.completeExceptionally(new OsdUnavailableException("the proxy server is stopping"));
                }
            } else if (message instanceof Message.Request request) {
                inFlight.acquire();
                try {
                    workers.execute(() -> respond(id, handle(request)));
                } catch (RejectedExecutionException e) {
                    respond(id, Message.Failure.of(new OsdUnavailableException("the proxy server is stopping")));
                }
            } else {
                throw new ProxyProtocolException("a " + message.getClass().getSimpleName()
                        + " frame is not something a client sends");
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
                Optional<ByteBuffer> value = store.get(g.namespace(), g.name());
                return value.isEmpty() ? new Message.Blobs(false, List.of())
                        : new Blobs(List.of(value.get()));
            }
            if (request instanceof Message.Read r) {
                List<ByteBuffer> values = store.read(r.ranges());
                if (values.size() != r.ranges().size()) {
                    throw new IllegalStateException("the store returned " + values.size() + " buffers for "
                            + r.ranges().size() + " ranges");
                }
                return new Blobs(values);
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

        /** Hands a response to the writer thread: workers never wait on the socket. */
        private void respond(long id, Object response) {
            try {
                writer.execute(() -> {
                    try {
                        if (response instanceof Blobs blobs) {
                            writeBlobs(id, blobs.values);
                        } else {
                            FrameCodec.write(channel, encode(id, (Message.Response) response));
                        }
                    } catch (IOException e) {
                        close("writing failed: " + e);
                    } finally {
                        inFlight.release();
                    }
                });
            } catch (RejectedExecutionException e) {
                inFlight.release(); // closed meanwhile
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

        /** The head, then the buffers' bytes back to back in DATA frames of at most one chunk each. */
        private void writeBlobs(long id, List<ByteBuffer> values) throws IOException {
            List<Long> lengths = new ArrayList<>(values.size());
            values.forEach(v -> lengths.add((long) v.remaining()));
            FrameCodec.write(channel, encode(id, new Message.Blobs(true, lengths)));
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
                        writeData(id, batch);
                        batch.clear();
                        batchBytes = 0;
                    }
                }
            }
            if (batchBytes > 0) {
                writeData(id, batch);
            }
        }

        /** One DATA frame from several small buffers (many small ranges), or one slice of a large one. */
        private void writeData(long id, List<ByteBuffer> parts) throws IOException {
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
            FrameCodec.write(channel, codec.encode(id, new Message.Data(data)));
        }

        void close(String why) {
            if (!open) {
                return;
            }
            open = false;
            connections.remove(this);
            // A put without its PUT_END has no outcome the client could know of: the store must store nothing.
            puts.values().forEach(p -> p.end(why));
            puts.clear();
            writer.shutdown();
            try {
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** The answer to a get or read before it is cut into frames: not itself a wire message. */
    private record Blobs(List<ByteBuffer> values) {
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
    }

    private static ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            int i = n.getAndIncrement();
            Thread t = new Thread(r, i == 0 ? name : name + "-" + i);
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
            c.close("the server is stopping");
        }
        workers.shutdown();
        putters.shutdown();
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
