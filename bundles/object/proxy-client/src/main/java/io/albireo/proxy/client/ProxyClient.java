package io.albireo.proxy.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import io.albireo.api.StorageException;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.ManifestFormat;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectStore;
import io.albireo.api.object.Overwrite;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.proxy.protocol.FrameCodec;
import io.albireo.proxy.protocol.Limits;
import io.albireo.proxy.protocol.Message;
import io.albireo.proxy.protocol.ProxyProtocolException;

/**
 * An {@link ObjectStore} on a remote proxy, over the proxy protocol (docs/PROXY-PROTOCOL.md). It keeps up to
 * {@link Settings#connections()} connections, opened as calls need them and reopened after they break; calls take them
 * in turn and are pipelined on each (many threads, few connections). Objects travel in DATA frames of at most
 * {@link Settings#chunkSize()} bytes each way, so a put from a stream never holds the object in memory.
 *
 * <p>Failures come back as the server's exception types: {@link io.albireo.api.AssertFailedException} with its index,
 * {@link IllegalArgumentException}, {@link StorageException} and its subclasses. A call whose connection breaks or
 * whose answer does not come within the request timeout fails with {@link OsdUnavailableException} (for a put or an
 * apply the outcome is then unknown: read to find out); the connection is closed and the next call opens another.
 *
 * <p>Thread-safe. No OSGi: usable as a plain jar.
 */
public final class ProxyClient implements ObjectStore, AutoCloseable {

    /**
     * How to talk to the proxy.
     *
     * @param connections the most connections kept open
     * @param connectTimeoutMillis the longest wait to connect and shake hands
     * @param requestTimeoutMillis the longest wait for an answer (after the last byte of a put was sent)
     * @param maxFrame the largest frame this client accepts
     * @param chunkSize the bytes of an object in one DATA frame
     */
    public record Settings(int connections, int connectTimeoutMillis, int requestTimeoutMillis, int maxFrame,
            int chunkSize) {
        /** Four connections, 5 s to connect, 60 s for an answer, 1 MiB DATA frames. */
        public static final Settings DEFAULT = new Settings(4, 5_000, 60_000, Limits.DEFAULT_MAX_FRAME, 1 << 20);

        /** Validates the settings. */
        public Settings {
            if (connections < 1 || connectTimeoutMillis < 1 || requestTimeoutMillis < 1) {
                throw new IllegalArgumentException("connections and timeouts must be positive");
            }
            new Limits(maxFrame);
            if (chunkSize < Limits.MIN_CHUNK || chunkSize > new Limits(maxFrame).maxChunk()) {
                throw new IllegalArgumentException("a chunk size of " + chunkSize + " bytes is not between "
                        + Limits.MIN_CHUNK + " and the frame limit");
            }
        }

        /** @return these settings with another number of connections */
        public Settings withConnections(int n) {
            return new Settings(n, connectTimeoutMillis, requestTimeoutMillis, maxFrame, chunkSize);
        }

        /** @return these settings with another request timeout */
        public Settings withRequestTimeoutMillis(int millis) {
            return new Settings(connections, connectTimeoutMillis, millis, maxFrame, chunkSize);
        }
    }

    private final String host;
    private final int port;
    private final Settings settings;
    private final Connection[] slots;
    private final Object[] slotLocks;
    private final AtomicInteger next = new AtomicInteger();
    private final ScheduledExecutorService timer;
    private volatile boolean closed;

    private ProxyClient(String host, int port, Settings settings) {
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.settings = Objects.requireNonNull(settings, "settings");
        this.slots = new Connection[settings.connections()];
        this.slotLocks = new Object[settings.connections()];
        for (int i = 0; i < slotLocks.length; i++) {
            slotLocks[i] = new Object();
        }
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "proxy-client-timer-" + host + ":" + port);
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
    }

    /**
     * Connects to a proxy: the first connection is opened now, so a wrong address or version fails here.
     *
     * @throws OsdUnavailableException if the proxy cannot be reached
     * @throws ProxyProtocolException if it refuses the connection or does not speak the protocol
     */
    public static ProxyClient connect(String host, int port, Settings settings) {
        ProxyClient client = new ProxyClient(host, port, settings);
        try {
            client.connection(0);
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** @return the connections open now */
    public int openConnections() {
        int n = 0;
        for (int i = 0; i < slots.length; i++) {
            synchronized (slotLocks[i]) {
                if (slots[i] != null && slots[i].open.get()) {
                    n++;
                }
            }
        }
        return n;
    }

    // ---- ObjectStore -----------------------------------------------------------------------------------------------

    @Override
    public void createNamespace(String namespace, String preset) {
        expect(call(new Message.CreateNamespace(namespace, preset)), Message.Done.class);
    }

    @Override
    public void deleteNamespace(String namespace) {
        expect(call(new Message.DeleteNamespace(namespace)), Message.Done.class);
    }

    @Override
    public List<String> listNamespaces() {
        return expect(call(new Message.ListNamespaces()), Message.Names.class).names();
    }

    @Override
    public ObjectInfo put(String namespace, String name, ByteBuffer data, Overwrite overwrite) {
        ByteBuffer rest = data.duplicate();
        return put(new Message.PutBegin(namespace, name, overwrite), chunk -> {
            if (!rest.hasRemaining()) {
                return null;
            }
            int n = Math.min(chunk, rest.remaining());
            ByteBuffer slice = rest.slice(rest.position(), n);
            rest.position(rest.position() + n);
            return slice;
        });
    }

    @Override
    public ObjectInfo put(String namespace, String name, InputStream data, Overwrite overwrite) {
        Objects.requireNonNull(data, "data");
        byte[] buffer = new byte[settings.chunkSize()];
        return put(new Message.PutBegin(namespace, name, overwrite), chunk -> {
            // Fill a whole chunk where the stream allows: fewer, fuller frames. The buffer is reused: each frame is
            // written before the next is read.
            int filled = 0;
            while (filled < chunk) {
                int n = data.read(buffer, filled, chunk - filled);
                if (n < 0) {
                    break;
                }
                filled += n;
            }
            return filled == 0 ? null : ByteBuffer.wrap(buffer, 0, filled);
        });
    }

    @Override
    public List<Optional<ObjectInfo>> apply(String namespace, List<ObjectAssert> asserts,
            List<ObjectChange> changes) {
        List<Optional<ObjectInfo>> infos = expect(call(new Message.Apply(namespace, asserts, changes)),
                Message.Infos.class).infos();
        if (infos.size() != changes.size()) {
            throw new ProxyProtocolException("the proxy answered an apply of " + changes.size() + " changes with "
                    + infos.size() + " results");
        }
        return infos;
    }

    @Override
    public Optional<Manifest> manifest(String namespace, String name) {
        return expect(call(new Message.GetManifest(namespace, name)), Message.ManifestBytes.class).manifest()
                .map(b -> {
                    byte[] bytes = new byte[b.remaining()];
                    b.duplicate().get(bytes);
                    try {
                        return ManifestFormat.decode(bytes);
                    } catch (RuntimeException e) {
                        throw new ProxyProtocolException("the proxy sent a manifest that does not decode: "
                                + e.getMessage());
                    }
                });
    }

    @Override
    public Optional<ByteBuffer> get(String namespace, String name) {
        @SuppressWarnings("unchecked")
        List<ByteBuffer> values = (List<ByteBuffer>) call(new Message.Get(namespace, name), Expected.ONE);
        if (values == null) {
            return Optional.empty();
        }
        if (values.size() != 1) {
            throw new ProxyProtocolException("the proxy answered a get with " + values.size() + " buffers");
        }
        return Optional.of(values.get(0));
    }

    @Override
    public List<ByteBuffer> read(List<ObjectRange> ranges) {
        if (ranges.isEmpty()) {
            return List.of();
        }
        List<Long> lengths = new ArrayList<>(ranges.size());
        ranges.forEach(r -> lengths.add((long) r.length()));
        @SuppressWarnings("unchecked")
        List<ByteBuffer> values = (List<ByteBuffer>) call(new Message.Read(ranges), new Expected(lengths));
        if (values == null || values.size() != ranges.size()) {
            throw new ProxyProtocolException("the proxy answered a read of " + ranges.size() + " ranges with "
                    + (values == null ? "nothing" : values.size() + " buffers"));
        }
        return values;
    }

    @Override
    public boolean delete(String namespace, String name) {
        return expect(call(new Message.Delete(namespace, name)), Message.Flag.class).value();
    }

    @Override
    public Optional<ObjectInfo> stat(String namespace, String name) {
        return expect(call(new Message.Stat(namespace, name)), Message.Info.class).info();
    }

    @Override
    public ObjectListing list(String namespace, String prefix, String after, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("a list limit of " + limit + " is negative");
        }
        // One message carries at most MAX_ITEMS names; "more" tells the caller to go on, as for any limit.
        int sent = Math.min(limit, Limits.MAX_ITEMS);
        Message.Names names = expect(call(new Message.ListObjects(namespace, prefix, after, sent)),
                Message.Names.class);
        if (names.names().size() > sent) {
            throw new ProxyProtocolException("the proxy listed " + names.names().size() + " names for a limit of "
                    + sent);
        }
        return new ObjectListing(names.names(), names.more() || (limit > sent && names.names().size() == sent));
    }

    @Override
    public void close() {
        closed = true;
        for (int i = 0; i < slots.length; i++) {
            synchronized (slotLocks[i]) {
                if (slots[i] != null) {
                    slots[i].close("the client is closed");
                    slots[i] = null;
                }
            }
        }
        timer.shutdownNow();
    }

    // ---- calls -----------------------------------------------------------------------------------------------------

    /** Gives the next DATA payload of a put, or null at the end. */
    @FunctionalInterface
    private interface Source {
        ByteBuffer next(int chunk) throws IOException;
    }

    private ObjectInfo put(Message.PutBegin begin, Source source) {
        Connection c = pick();
        Call call = c.register(Expected.NONE);
        try {
            c.send(call.id, begin);
            while (true) {
                ByteBuffer data;
                try {
                    data = source.next(settings.chunkSize());
                } catch (IOException | RuntimeException e) {
                    // The source failed: the proxy stores nothing for an aborted put.
                    c.send(call.id, new Message.PutEnd(true));
                    try {
                        await(c, call);
                    } catch (RuntimeException expected) {
                        // The proxy's answer to an aborted put is a failure; the source's is the one to report.
                    }
                    throw new StorageException("put of " + begin.name() + " aborted: reading its bytes failed: "
                            + e.getMessage(), e);
                }
                if (data == null) {
                    break;
                }
                c.send(call.id, new Message.Data(data));
            }
            c.send(call.id, new Message.PutEnd(false));
        } catch (IOException e) {
            c.close("writing failed: " + e);
            throw new OsdUnavailableException(describe() + ": the connection broke during a put of " + begin.name()
                    + "; the put may or may not have happened", e);
        }
        Object answer = await(c, call);
        return expect(answer, Message.Info.class).info().orElseThrow(() ->
                new ProxyProtocolException("the proxy answered a put without the object's info"));
    }

    private Object call(Message.Request request) {
        return call(request, Expected.NONE);
    }

    private Object call(Message.Request request, Expected expected) {
        Connection c = pick();
        Call call = c.register(expected);
        try {
            c.send(call.id, request);
        } catch (IOException e) {
            c.close("writing failed: " + e);
        }
        return await(c, call);
    }

    private Object await(Connection c, Call call) {
        Object answer;
        try {
            answer = call.result.get(settings.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // The answer may still come; a connection that lost track of one request cannot be trusted with others.
            c.close("no answer within " + settings.requestTimeoutMillis() + " ms");
            throw new OsdUnavailableException(describe() + ": no answer within " + settings.requestTimeoutMillis()
                    + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OsdUnavailableException(describe() + ": interrupted while waiting for an answer");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new StorageException(describe() + ": " + e.getCause(), e.getCause());
        }
        if (answer instanceof Message.Failure f) {
            throw f.toException();
        }
        return answer;
    }

    private <T> T expect(Object answer, Class<T> type) {
        if (!type.isInstance(answer)) {
            throw new ProxyProtocolException(describe() + " answered with " + (answer == null ? "no value"
                    : answer.getClass().getSimpleName()) + ", not " + type.getSimpleName());
        }
        return type.cast(answer);
    }

    private String describe() {
        return "proxy at " + host + ":" + port;
    }

    private Connection pick() {
        int n = slots.length;
        int start = Math.floorMod(next.getAndIncrement(), n);
        return connection(start);
    }

    private Connection connection(int slot) {
        synchronized (slotLocks[slot]) {
            if (closed) {
                throw new OsdUnavailableException(describe() + ": the client is closed");
            }
            Connection c = slots[slot];
            if (c == null || !c.open.get()) {
                c = open();
                slots[slot] = c;
            }
            return c;
        }
    }

    private Connection open() {
        SocketChannel channel = null;
        AtomicBoolean expired = new AtomicBoolean();
        try {
            channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            InetSocketAddress address = new InetSocketAddress(host, port);
            if (address.isUnresolved()) {
                throw new OsdUnavailableException(describe() + ": cannot resolve " + host);
            }
            channel.socket().connect(address, settings.connectTimeoutMillis());
            // Blocking channels ignore socket timeouts: a guard closes the channel if the proxy stays silent.
            SocketChannel guarded = channel;
            var guard = timer.schedule(() -> {
                expired.set(true);
                closeQuietly(guarded);
            }, settings.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
            FrameCodec codec = new FrameCodec(new Limits(settings.maxFrame()));
            Message.Welcome welcome;
            try {
                FrameCodec.write(channel, codec.encode(0, new Message.Hello(FrameCodec.VERSION)));
                FrameCodec.Frame frame = codec.read(channel);
                if (frame == null) {
                    throw new OsdUnavailableException(describe() + " closed the connection during the handshake");
                }
                if (frame.message() instanceof Message.Refused refused) {
                    throw new ProxyProtocolException(describe() + " refused the connection: " + refused.reason());
                }
                if (!(frame.message() instanceof Message.Welcome w) || w.version() != FrameCodec.VERSION
                        || w.maxFrame() < Limits.MIN_MAX_FRAME) {
                    throw new ProxyProtocolException(describe() + " answered the handshake with "
                            + frame.message() + ", not a welcome to version " + FrameCodec.VERSION);
                }
                welcome = w;
            } finally {
                guard.cancel(false);
            }
            Connection c = new Connection(channel, welcome);
            c.reader.start();
            return c;
        } catch (SocketTimeoutException e) {
            closeQuietly(channel);
            throw new OsdUnavailableException(describe() + ": no connection within "
                    + settings.connectTimeoutMillis() + " ms", e);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new OsdUnavailableException(describe() + (expired.get() ? ": no answer to the handshake within "
                    + settings.connectTimeoutMillis() + " ms" : ": cannot connect: " + e), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // It is being closed because it is broken.
            }
        }
    }

    /**
     * What a request may be answered with in DATA frames: nothing, one buffer of any length (a get), or exactly the
     * lengths asked for (a read). The announcement is checked against it, so a server cannot make the client
     * allocate what it did not ask for.
     *
     * @param lengths the lengths a read asked for; null for a get; empty for a request without data
     */
    private record Expected(List<Long> lengths) {
        static final Expected NONE = new Expected(List.of());
        static final Expected ONE = new Expected(null);

        String check(Message.Blobs announced) {
            if (this == NONE) {
                return "a blobs head for a request that reads no data";
            }
            if (lengths == null) {
                // The codec has checked each length against what one buffer holds.
                return announced.lengths().size() == 1 ? null : "a get answered with " + announced.lengths().size()
                        + " buffers";
            }
            return lengths.equals(announced.lengths()) ? null : "a read of " + lengths.size() + " ranges answered"
                    + " with lengths that differ from the ranges";
        }
    }

    /**
     * One announced buffer being filled. Up to {@link #AT_ONCE}, or when the caller asked for exactly this length, it
     * is allocated at once and filled as frames arrive; beyond, it is gathered from the DATA frames' own buffers as
     * they arrive and copied together at the end, so an announced length costs only the bytes the server really sends.
     */
    private static final class Blob {
        /**
         * The longest get allocated before its bytes arrive: what a server that lies can cost a call. Gathering costs a
         * get about a tenth of its speed (64 MiB gets, docs/PERFORMANCE.md), so it is kept for the long ones.
         */
        static final long AT_ONCE = 64L << 20;
        private final int length;
        private final ByteBuffer whole;
        private final List<ByteBuffer> pieces;
        private int received;

        Blob(long length, boolean allocate) {
            this.length = (int) length;
            this.whole = allocate ? ByteBuffer.allocate(this.length) : null;
            this.pieces = allocate ? null : new ArrayList<>();
        }

        int missing() {
            return length - received;
        }

        /** Takes {@code piece} (at most {@link #missing()} bytes), a slice of a frame that is not used again. */
        void add(ByteBuffer piece) {
            received += piece.remaining();
            if (whole != null) {
                whole.put(piece);
            } else {
                pieces.add(piece);
            }
        }

        ByteBuffer done() {
            if (whole != null) {
                return whole.flip();
            }
            if (pieces.size() == 1) {
                return pieces.get(0);
            }
            ByteBuffer out = ByteBuffer.allocate(length);
            pieces.forEach(out::put);
            return out.flip();
        }
    }

    /** A request on its way: its future, what it may be answered with, and for a get or read the blobs it fills. */
    private static final class Call {
        final long id;
        final Expected expected;
        final CompletableFuture<Object> result = new CompletableFuture<>();
        List<Blob> buffers;
        int current;

        Call(long id, Expected expected) {
            this.id = id;
            this.expected = expected;
        }
    }

    /** One pipelined connection: callers write whole frames under a lock; one reader thread completes the calls. */
    private final class Connection {
        private final SocketChannel channel;
        private final FrameCodec readerCodec;
        private final FrameCodec writer;
        private final ReentrantLock writeLock = new ReentrantLock();
        private final Map<Long, Call> pending = new ConcurrentHashMap<>();
        private final AtomicLong ids = new AtomicLong();
        private final AtomicBoolean open = new AtomicBoolean(true);
        final Thread reader;

        Connection(SocketChannel channel, Message.Welcome welcome) {
            this.channel = channel;
            this.reader = new Thread(this::readLoop, "proxy-client-" + host + ":" + port);
            reader.setDaemon(true);
            // Never send a frame over the limit the proxy announced: it would close the connection on us.
            this.writer = new FrameCodec(new Limits(Math.min(settings.maxFrame(), welcome.maxFrame())));
            this.readerCodec = new FrameCodec(new Limits(settings.maxFrame()));
        }

        Call register(Expected expected) {
            Call call = new Call(ids.incrementAndGet(), expected);
            pending.put(call.id, call);
            if (!open.get() && pending.remove(call.id) != null) {
                call.result.completeExceptionally(new OsdUnavailableException(describe()
                        + ": the connection closed"));
            }
            return call;
        }

        /**
         * Encodes on the caller's thread (a request over the limits fails here, touching nothing) and writes the
         * frame whole under the lock, so frames of concurrent callers interleave but never mix.
         */
        void send(long id, Message message) throws IOException {
            ByteBuffer[] frame;
            try {
                frame = writer.encode(id, message);
            } catch (IllegalArgumentException e) {
                Call call = pending.remove(id);
                if (call != null) {
                    call.result.completeExceptionally(new IllegalArgumentException(describe() + ": refused before"
                            + " sending: " + e.getMessage(), e));
                }
                if (message instanceof Message.Data || message instanceof Message.PutEnd) {
                    close("a put frame could not be encoded");
                }
                return;
            }
            writeLock.lock();
            try {
                if (!open.get()) {
                    return;
                }
                // Blocking writes ignore socket timeouts: a proxy that stops reading must not hang callers forever.
                ScheduledFuture<?> guard;
                try {
                    guard = timer.schedule(() -> close("a write took longer than " + settings.requestTimeoutMillis()
                            + " ms"), settings.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    throw new IOException("the client is closed");
                }
                try {
                    FrameCodec.write(channel, frame);
                } finally {
                    guard.cancel(false);
                }
            } finally {
                writeLock.unlock();
            }
        }

        private void readLoop() {
            String why = "the proxy closed the connection";
            try {
                while (open.get()) {
                    FrameCodec.Frame frame = readerCodec.read(channel);
                    if (frame == null) {
                        break;
                    }
                    dispatch(frame.id(), frame.message());
                }
            } catch (ProxyProtocolException e) {
                why = "protocol error: " + e.getMessage();
            } catch (IOException e) {
                why = "the connection failed: " + e;
            } finally {
                close(why);
            }
        }

        private void dispatch(long id, Message message) {
            Call call = pending.get(id);
            if (call == null) {
                throw new ProxyProtocolException("an answer to request " + id + ", which is not waiting");
            }
            if (message instanceof Message.Data data) {
                if (call.buffers == null) {
                    throw new ProxyProtocolException("data for request " + id + " before its blobs");
                }
                ByteBuffer in = data.data();
                while (in.hasRemaining()) {
                    if (call.current >= call.buffers.size()) {
                        throw new ProxyProtocolException("more data for request " + id + " than announced");
                    }
                    Blob target = call.buffers.get(call.current);
                    int n = Math.min(target.missing(), in.remaining());
                    target.add(in.slice(in.position(), n));
                    in.position(in.position() + n);
                    skipFull(call);
                }
                if (call.current >= call.buffers.size()) {
                    finish(call);
                }
                return;
            }
            if (message instanceof Message.Blobs blobs) {
                if (call.buffers != null) {
                    throw new ProxyProtocolException("a second blobs head for request " + id);
                }
                if (!blobs.present()) {
                    if (call.expected.lengths() != null) {
                        throw new ProxyProtocolException("request " + id + " answered with no object; only a get is");
                    }
                    pending.remove(id);
                    call.result.complete(null);
                    return;
                }
                String wrong = call.expected.check(blobs);
                if (wrong != null) {
                    throw new ProxyProtocolException("request " + id + ": " + wrong);
                }
                boolean asked = call.expected.lengths() != null;
                call.buffers = new ArrayList<>(blobs.lengths().size());
                for (long l : blobs.lengths()) {
                    call.buffers.add(new Blob(l, asked || l <= Blob.AT_ONCE));
                }
                skipFull(call);
                if (call.current >= call.buffers.size()) {
                    finish(call);
                }
                return;
            }
            if (message instanceof Message.Failure && call.buffers != null) {
                // The server could not send all it announced (the object went away or failed a check meanwhile).
                pending.remove(id);
                call.result.complete(message);
                return;
            }
            if (!(message instanceof Message.Response) || call.buffers != null) {
                throw new ProxyProtocolException("a " + message.getClass().getSimpleName() + " frame for request "
                        + id);
            }
            pending.remove(id);
            call.result.complete(message);
        }

        private void skipFull(Call call) {
            while (call.current < call.buffers.size() && call.buffers.get(call.current).missing() == 0) {
                call.current++;
            }
        }

        private void finish(Call call) {
            pending.remove(call.id);
            List<ByteBuffer> out = new ArrayList<>(call.buffers.size());
            call.buffers.forEach(b -> out.add(b.done()));
            call.result.complete(out);
        }

        void close(String why) {
            if (!open.compareAndSet(true, false)) {
                return;
            }
            closeQuietly(channel);
            for (Long id : pending.keySet()) {
                Call call = pending.remove(id);
                if (call != null) {
                    call.result.completeExceptionally(new OsdUnavailableException(describe() + ": " + why
                            + "; connection closed (a put or apply on it may or may not have happened)"));
                }
            }
        }
    }
}
