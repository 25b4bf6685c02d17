package io.albireo.osd.asd.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.albireo.api.Assert;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.Update;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdStatistics;
import io.albireo.asd.protocol.FrameCodec;
import io.albireo.asd.protocol.Limits;
import io.albireo.asd.protocol.Message;

/**
 * A small ASD for the driver's tests: speaks the protocol with {@link FrameCodec} over real sockets, keeps values in a
 * sorted map, and can be made to misbehave: refuse the handshake, hold requests unanswered (to answer them later, in
 * any order), answer with something else, send garbage, drop its connections, accept and hang up, or stop and start
 * again on the same port.
 */
final class TestAsd implements AutoCloseable {
    final NavigableMap<Bytes, byte[]> store = new ConcurrentSkipListMap<>();
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger hellos = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    final List<Peer> peers = new CopyOnWriteArrayList<>();
    final BlockingQueue<Held> held = new LinkedBlockingQueue<>();

    volatile String longId = "asd-test-1";
    volatile String nodeId = "node-1";
    volatile int maxFrame = Limits.DEFAULT_MAX_FRAME;
    /** The version it welcomes with: an older ASD's, to test a newer driver against it. */
    volatile int welcomeVersion = FrameCodec.VERSION;
    /** The requests answered, by frame type name as the statistics name them ("get", "get-once"). */
    final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
    /** Refuse every hello with this reason. */
    volatile String refuseReason;
    /** Welcome with our own long id even when another was asked for (a broken ASD). */
    volatile boolean ignoreExpected;
    /** Accept the TCP connection and close it at once: an ASD that dies on every connection. */
    volatile boolean hangUpOnAccept;
    /** Read the hello and never answer it. */
    volatile boolean silentHandshake;
    /** Queue requests in {@link #held} instead of answering them. */
    volatile boolean hold;
    /** Answer requests with this instead, where it returns non-null. */
    volatile Function<Message.Request, Message.Response> override;

    private final FrameCodec codec = new FrameCodec(Limits.DEFAULT);
    private volatile int port;
    private volatile ServerSocketChannel server;
    private volatile Thread acceptor;

    static TestAsd start() throws IOException {
        TestAsd asd = new TestAsd();
        asd.listen(0);
        return asd;
    }

    int port() {
        return port;
    }

    /** Listens again on the same port after {@link #stop()}. */
    void restart() throws IOException {
        listen(port);
    }

    private void listen(int onPort) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        s.bind(new InetSocketAddress("127.0.0.1", onPort));
        port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        server = s;
        Thread t = new Thread(() -> acceptLoop(s), "test-asd-" + port + "-acceptor");
        t.setDaemon(true);
        acceptor = t;
        t.start();
    }

    private void acceptLoop(ServerSocketChannel s) {
        try {
            while (true) {
                SocketChannel c = s.accept();
                accepted.incrementAndGet();
                if (hangUpOnAccept) {
                    c.close();
                    continue;
                }
                Peer peer = new Peer(c);
                peers.add(peer);
                Thread t = new Thread(peer::serve, "test-asd-" + port + "-peer-" + accepted.get());
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException e) {
            // The server socket was closed: stopped.
        }
    }

    /** Closes the listening socket and every connection, as a crashed ASD would. */
    void stop() throws IOException {
        ServerSocketChannel s = server;
        if (s != null) {
            s.close();
        }
        Thread t = acceptor;
        if (t != null) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dropConnections();
    }

    void dropConnections() {
        for (Peer p : peers) {
            p.close();
        }
        peers.clear();
    }

    /** Sends raw bytes on every connection. */
    void sendRaw(byte[] bytes) throws IOException {
        for (Peer p : peers) {
            p.write(new ByteBuffer[] {ByteBuffer.wrap(bytes)});
        }
    }

    /** @return the next held request, waiting up to 10 s */
    Held nextHeld() throws InterruptedException {
        Held h = held.poll(10, TimeUnit.SECONDS);
        if (h == null) {
            throw new AssertionError("no request arrived at the test ASD within 10 s; " + requests.get()
                    + " arrived in all, on " + accepted.get() + " connection(s), " + peers.size() + " open");
        }
        return h;
    }

    @Override
    public void close() throws IOException {
        stop();
    }

    /** A request the test ASD was told to hold. */
    record Held(Peer peer, long id, Message.Request request) {
        /** Answers as the ASD normally would. */
        void answer() throws IOException {
            peer.respond(id, peer.owner().answer(request));
        }

        void answer(Message.Response response) throws IOException {
            peer.respond(id, response);
        }
    }

    /** One client connection. */
    final class Peer {
        private final SocketChannel channel;

        Peer(SocketChannel channel) {
            this.channel = channel;
        }

        TestAsd owner() {
            return TestAsd.this;
        }

        void serve() {
            try {
                FrameCodec.Frame hello = codec.read(channel);
                if (hello == null || !(hello.message() instanceof Message.Hello h)) {
                    close();
                    return;
                }
                hellos.incrementAndGet();
                if (silentHandshake) {
                    while (codec.read(channel) != null) {
                        // Say nothing, ever.
                    }
                    close();
                    return;
                }
                String refusal = refusal(h);
                if (refusal != null) {
                    write(codec.encode(0, new Message.Refused(refusal)));
                    close();
                    return;
                }
                write(codec.encode(0, new Message.Welcome(welcomeVersion, longId, nodeId, maxFrame)));
                FrameCodec.Frame frame;
                while ((frame = codec.read(channel)) != null) {
                    requests.incrementAndGet();
                    Message.Request request = (Message.Request) frame.message();
                    if (request instanceof Message.Get g) {
                        received.computeIfAbsent(g.once() ? "get-once" : "get", k -> new AtomicInteger())
                                .incrementAndGet();
                    }
                    Function<Message.Request, Message.Response> o = override;
                    Message.Response answer = o == null ? null : o.apply(request);
                    if (answer != null) {
                        respond(frame.id(), answer);
                    } else if (hold) {
                        held.add(new Held(this, frame.id(), request));
                    } else {
                        respond(frame.id(), answer(request));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // The client went away or the test closed us.
            }
            close();
        }

        private String refusal(Message.Hello h) {
            if (!FrameCodec.speaks(h.version())) {
                return "this ASD speaks protocol versions " + FrameCodec.MIN_VERSION + " to " + FrameCodec.VERSION;
            }
            if (refuseReason != null) {
                return refuseReason;
            }
            if (!ignoreExpected && !h.expectedLongId().isEmpty() && !h.expectedLongId().equals(longId)) {
                return "this address holds ASD " + longId + ", not " + h.expectedLongId();
            }
            return null;
        }

        void respond(long id, Message.Response response) throws IOException {
            write(codec.encode(id, response));
        }

        synchronized void write(ByteBuffer[] frame) throws IOException {
            FrameCodec.write(channel, frame);
        }

        void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // Already broken.
            }
        }
    }

    /** Answers a request from the store, as a real ASD would. */
    Message.Response answer(Message.Request request) {
        if (request instanceof Message.Get g) {
            List<Optional<ByteBuffer>> values = new ArrayList<>();
            for (Bytes key : g.keys()) {
                byte[] v = store.get(key);
                values.add(v == null ? Optional.empty() : Optional.of(ByteBuffer.wrap(v)));
            }
            return new Message.Values(values);
        }
        if (request instanceof Message.GetSlices g) {
            List<Optional<ByteBuffer>> values = new ArrayList<>();
            for (Osd.Slice s : g.slices()) {
                byte[] v = store.get(s.key());
                if (v == null) {
                    values.add(Optional.empty());
                } else {
                    int from = (int) Math.min(v.length, s.offset());
                    int to = (int) Math.min(v.length, s.offset() + s.length());
                    values.add(Optional.of(ByteBuffer.wrap(v, from, to - from).slice()));
                }
            }
            return new Message.Values(values);
        }
        if (request instanceof Message.Range r) {
            NavigableMap<Bytes, byte[]> view = r.range().end() == null ? store.tailMap(r.range().first(), true)
                    : store.subMap(r.range().first(), true, r.range().end(), false);
            List<Entry> entries = new ArrayList<>();
            boolean more = false;
            for (Map.Entry<Bytes, byte[]> e : view.entrySet()) {
                if (entries.size() == r.limit()) {
                    more = true;
                    break;
                }
                entries.add(new Entry(e.getKey(), r.withValues() ? Bytes.of(e.getValue()) : null));
            }
            return new Message.Entries(entries, more);
        }
        if (request instanceof Message.Apply a) {
            synchronized (store) {
                for (int i = 0; i < a.asserts().size(); i++) {
                    Assert as = a.asserts().get(i);
                    byte[] v = store.get(as.key());
                    if (!as.holdsFor(v == null ? null : ByteBuffer.wrap(v))) {
                        return new Message.AssertFailed(i, as.key());
                    }
                }
                for (Update u : a.updates()) {
                    if (u.isDelete()) {
                        store.remove(u.key());
                    } else {
                        store.put(u.key(), Bytes.copyOf(u.value()).toByteArray());
                    }
                }
            }
            return new Message.Applied();
        }
        if (request instanceof Message.GetDiskUsage) {
            long used = store.values().stream().mapToLong(v -> v.length).sum();
            return new Message.Usage(new DiskUsage(used, 1L << 30));
        }
        if (request instanceof Message.GetStatistics) {
            Map<String, OsdStatistics.Operation> ops = new HashMap<>();
            ops.put("apply", new OsdStatistics.Operation(requests.get(), 0, 12.5, 40.0));
            return new Message.Statistics(new OsdStatistics(ops));
        }
        throw new IllegalStateException("unknown request " + request);
    }
}
