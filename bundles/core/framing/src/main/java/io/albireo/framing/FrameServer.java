package io.albireo.framing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@link Session}s over non-blocking TCP connections, with every resource bounded:
 *
 * <ul>
 * <li>connections: past {@link Settings#maxConnections()} a new one gets the protocol's refusal frame and is closed;
 * <li>threads: one acceptor and {@link Settings#loops()} event loops however many connections there are, so
 * thousands of idle connections cost no thread at all;
 * <li>memory: a frame's array is allocated only once its length is within {@link Settings#maxFrame()}, and only if
 * the bytes the connection holds (frames its session has not released, answers not yet written) stay within
 * {@link Settings#maxConnectionBytes()} and the bytes all connections hold within {@link Settings#maxBytes()}; at
 * most {@link Settings#maxFrames()} frames per connection are held. Past a bound the connection is simply not read
 * until its session releases enough, so a client that floods or stops reading its answers stalls only itself, and
 * TCP's flow control slows it down; nothing fails.
 * </ul>
 *
 * A session sees a connection's frames in order on the connection's loop thread and must not block there; it answers
 * through {@link Link#send}, from any thread, which never blocks either: what the socket does not take at once is
 * queued and written by the loop as the client reads. A malformed frame (a length over the limit, or an exception
 * from {@link Session#frame}) gets the protocol's refusal frame with the reason and closes the connection.
 */
public final class FrameServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FrameServer.class);
    /** Bytes one read call takes from a socket into a loop's buffer. */
    static final int READ_BUFFER = 64 * 1024;
    /**
     * Bytes offered to a socket in one write call. At each call the JDK copies the whole remainder of a heap buffer
     * into a direct one: a 16 MiB answer offered whole to a socket that takes 4 MiB at a time would be copied several
     * times over (64 MiB gets ran at 350 MB/s on loopback for 526 MB/s with blocking writes, docs/PERFORMANCE.md).
     */
    static final int WRITE_WINDOW = 1 << 20;
    /** Refusals of connections over the limit are logged at most this often. */
    private static final long REFUSAL_LOG_NANOS = 60_000_000_000L;

    /**
     * A server's bounds.
     *
     * @param name what it serves, for thread names and log lines
     * @param address where to listen (port 0: any free port)
     * @param maxFrame the largest frame accepted, after its length field
     * @param maxConnections the most connections open at once
     * @param maxConnectionBytes the most bytes one connection may hold: its frames not yet released and its answers
     *        not yet written; at least one frame
     * @param maxBytes the most bytes all connections together may hold; at least one connection's
     * @param maxFrames the most frames one connection may hold (requests unanswered)
     * @param loops the event-loop threads
     */
    public record Settings(String name, InetSocketAddress address, int maxFrame, int maxConnections,
            long maxConnectionBytes, long maxBytes, int maxFrames, int loops) {
        /** Validates the bounds against each other. */
        public Settings {
            if (maxFrame < Frames.MIN_MAX_FRAME) {
                throw new IllegalArgumentException("maxFrame must be at least " + Frames.MIN_MAX_FRAME + " bytes; got "
                        + maxFrame);
            }
            if (maxConnections < 1 || maxFrames < 1 || loops < 1) {
                throw new IllegalArgumentException("maxConnections, maxFrames and loops must be at least 1; got "
                        + maxConnections + ", " + maxFrames + " and " + loops);
            }
            if (maxConnectionBytes < maxFrame + 4L) {
                throw new IllegalArgumentException("maxConnectionBytes (" + maxConnectionBytes + ") must hold one"
                        + " frame of maxFrame (" + maxFrame + ") bytes");
            }
            if (maxBytes < maxConnectionBytes) {
                throw new IllegalArgumentException("maxBytes (" + maxBytes + ") must be at least maxConnectionBytes ("
                        + maxConnectionBytes + ")");
            }
        }
    }

    /** One connection's protocol: its handshake, its requests, its answers. */
    public interface Session {
        /**
         * A whole frame arrived. Called on the connection's loop thread, one frame at a time, in order; it must not
         * block. The frame's bytes count against the bounds until {@link Link#release} is called for it.
         *
         * @throws RuntimeException if the frame breaks the protocol: the connection is refused with its message
         */
        void frame(RawFrame frame);

        /** The connection closed, for the reason given; called once, on any thread. */
        void closed(String why);
    }

    /** How a protocol opens sessions and says no. */
    public interface Protocol {
        /** @return the session of a new connection */
        Session open(Link link);

        /** @return the frame that tells a client why it is refused (over a bound, or malformed) before it is closed */
        ByteBuffer[] refusal(String reason);

        /** @return the protocol that opens sessions with {@code sessions} and refuses with {@code refusals} */
        static Protocol of(java.util.function.Function<Link, Session> sessions,
                java.util.function.Function<String, ByteBuffer[]> refusals) {
            return new Protocol() {
                @Override
                public Session open(Link link) {
                    return sessions.apply(link);
                }

                @Override
                public ByteBuffer[] refusal(String reason) {
                    return refusals.apply(reason);
                }
            };
        }
    }

    /** A connection as its session sees it; every method may be called from any thread. */
    public interface Link {
        /** @return the client's address */
        SocketAddress peer();

        /** Sends a frame; never blocks: what the socket does not take now is written as the client reads. */
        void send(ByteBuffer[] frame);

        /** Gives back the bounds a frame held: its bytes and its place among the connection's frames. */
        void release(RawFrame frame);

        /**
         * Waits until at most {@code bytes} of this connection's answers are still to be written, for a session that
         * streams a long answer piece by piece: so that a client reading slowly holds one piece, not the whole
         * answer. Blocks: call it from a worker, never from a loop thread. A client that reads nothing of it for
         * {@code stallMillis} has its connection closed, so that it cannot hold the worker.
         *
         * @return whether the connection is still open
         * @throws InterruptedException if interrupted while waiting
         */
        boolean awaitWritten(long bytes, long stallMillis) throws InterruptedException;

        /** Closes the connection (a no-op once closed). */
        void close(String why);

        /** @return whether it is still open */
        boolean isOpen();
    }

    private final Settings settings;
    private final Protocol protocol;
    private final ServerSocketChannel server;
    private final Loop[] loops;
    private final Thread acceptor;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    /** Bytes all connections hold. */
    private final AtomicLong held = new AtomicLong();
    /** Connections waiting for {@link #held} to fall. */
    private final Queue<Connection> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger nextLoop = new AtomicInteger();
    private final AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - REFUSAL_LOG_NANOS);
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean closed;

    /** Listens on the address and starts the acceptor and the loops. */
    public FrameServer(Settings settings, Protocol protocol) throws IOException {
        this.settings = settings;
        this.protocol = protocol;
        this.server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(settings.address(), 1024);
        this.loops = new Loop[settings.loops()];
        try {
            for (int i = 0; i < loops.length; i++) {
                loops[i] = new Loop(settings.name() + "-loop-" + i);
            }
        } catch (IOException e) {
            close();
            throw e;
        }
        this.acceptor = DaemonThreads.named(settings.name() + "-accept-" + address().getPort())
                .newThread(this::acceptLoop);
        acceptor.start();
        for (Loop loop : loops) {
            loop.thread.start();
        }
    }

    /** @return the address it listens on (the real port when 0 was asked for) */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the bounds */
    public Settings settings() {
        return settings;
    }

    /** @return the connections open now */
    public int connections() {
        return connections.size();
    }

    /** @return the bytes all connections hold now */
    public long bytesHeld() {
        return held.get();
    }

    /** @return the connections refused since the start for being over {@link Settings#maxConnections()} */
    public long refusedConnections() {
        return refused.get();
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("{}: accepting a connection failed", settings.name(), e);
                    sleep(100);
                }
                continue;
            }
            try {
                if (connections.size() >= settings.maxConnections()) {
                    refuse(channel);
                    continue;
                }
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.configureBlocking(false);
                Connection c = new Connection(channel, loops[Math.floorMod(nextLoop.getAndIncrement(), loops.length)]);
                connections.add(c);
                c.loop.run(c::register);
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: setting up a connection failed: {}", settings.name(), e.toString());
                closeQuietly(channel);
            }
        }
    }

    /** Tells a client over the connection limit why, while the socket is still blocking, and closes it. */
    private void refuse(SocketChannel channel) {
        refused.incrementAndGet();
        String reason = settings.name() + " has its limit of " + settings.maxConnections() + " connections open;"
                + " close idle ones or raise maxConnections";
        long now = System.nanoTime();
        long last = lastRefusalLog.get();
        if (now - last >= REFUSAL_LOG_NANOS && lastRefusalLog.compareAndSet(last, now)) {
            LOG.warn("{}: refusing connections: {} ({} refused so far)", settings.name(), reason, refused.get());
        }
        try {
            channel.socket().setSoTimeout(1000);
            Frames.write(channel, protocol.refusal(reason));
        } catch (IOException | RuntimeException e) {
            // the client is told by the close instead
        } finally {
            closeQuietly(channel);
        }
    }

    /** Takes bytes from the shared bound, unless they would pass it while others hold some. */
    private boolean takeShared(long bytes) {
        while (true) {
            long h = held.get();
            if (h > 0 && h + bytes > settings.maxBytes()) {
                return false;
            }
            if (held.compareAndSet(h, h + bytes)) {
                return true;
            }
        }
    }

    /** Gives bytes back to the shared bound and lets the connections waiting for it try again. */
    private void giveShared(long bytes) {
        held.addAndGet(-bytes);
        if (waiting.isEmpty()) {
            return;
        }
        List<Connection> woken = new ArrayList<>();
        Connection c;
        while ((c = waiting.poll()) != null) {
            woken.add(c);
        }
        for (Connection w : woken) {
            w.wake(); // one still short of room joins the queue again
        }
    }

    /** @return whether {@code bytes} more would fit the shared bound now */
    private boolean sharedRoom(long bytes) {
        long h = held.get();
        return h == 0 || h + bytes <= settings.maxBytes();
    }

    /** One event loop: a selector and the connections registered with it. */
    private final class Loop implements Runnable {
        final Selector selector;
        final Thread thread;
        final ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BUFFER);
        final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

        Loop(String name) throws IOException {
            this.selector = Selector.open();
            this.thread = DaemonThreads.named(name).newThread(this);
        }

        /** Runs a task on this loop's thread, soon. */
        void run(Runnable task) {
            tasks.add(task);
            selector.wakeup();
        }

        @Override
        public void run() {
            try {
                while (!closed) {
                    selector.select();
                    Runnable task;
                    while ((task = tasks.poll()) != null) {
                        task.run();
                    }
                    for (SelectionKey key : selector.selectedKeys()) {
                        Connection c = (Connection) key.attachment();
                        try {
                            if (key.isValid() && key.isWritable()) {
                                c.writable();
                            }
                            if (key.isValid() && key.isReadable()) {
                                c.readable();
                            }
                        } catch (IOException e) {
                            c.close("the connection failed: " + e.getMessage());
                        } catch (RuntimeException e) {
                            c.refuse(e);
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException | ClosedSelectorException e) {
                if (!closed) {
                    LOG.error("{}: an event loop failed; its connections are closed", settings.name(), e);
                }
            } finally {
                for (SelectionKey key : selector.keys()) {
                    if (key.attachment() instanceof Connection c) {
                        c.close("the server is stopping");
                    }
                }
                try {
                    selector.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
    }

    /**
     * Writes {@code buffers} in order, as far as the socket takes them, offering at most {@link #WRITE_WINDOW} bytes
     * per call, and advances them by what was written.
     *
     * @return the bytes written
     */
    static long writeWindows(GatheringByteChannel channel, Iterable<ByteBuffer> buffers) throws IOException {
        ByteBuffer[] views = new ByteBuffer[64];
        long total = 0;
        while (true) {
            int count = 0;
            long offered = 0;
            for (ByteBuffer b : buffers) {
                if (count == views.length || offered == WRITE_WINDOW) {
                    break;
                }
                if (b.hasRemaining()) {
                    int take = (int) Math.min(b.remaining(), WRITE_WINDOW - offered);
                    views[count++] = b.slice(b.position(), take);
                    offered += take;
                }
            }
            if (count == 0) {
                return total;
            }
            long n = channel.write(views, 0, count);
            total += n;
            for (ByteBuffer b : buffers) {
                if (n == 0) {
                    break;
                }
                int k = (int) Math.min(b.remaining(), n);
                b.position(b.position() + k);
                n -= k;
            }
            if (views[count - 1].hasRemaining()) {
                return total; // the socket is full
            }
        }
    }

    /** One client connection: its reading state (loop thread only), its output queue and its bounds. */
    private final class Connection implements Link {
        final SocketChannel channel;
        final Loop loop;
        final SocketAddress peer;
        private volatile SelectionKey key;
        private Session session;
        // Reading, on the loop thread only.
        private final ByteBuffer lengthField = ByteBuffer.allocate(4);
        /** The frame being read, once its length is known and its bytes taken from the bounds. */
        private ByteBuffer partial;
        /** Bytes read past a frame the bounds did not let in yet: handled before the socket is read again. */
        private ByteBuffer carry;
        /** Set by the loop when a bound stops reading; cleared by the loop when it reads again. */
        volatile boolean paused;
        /** The bytes of the frame a bound keeps out while paused. */
        private volatile long pending;
        private final AtomicBoolean wakeQueued = new AtomicBoolean();
        // Bounds, from any thread.
        private final AtomicLong heldBytes = new AtomicLong();
        private final AtomicInteger heldFrames = new AtomicInteger();
        // Writing, under the lock of output.
        private final ArrayDeque<ByteBuffer> output = new ArrayDeque<>();
        private long outputBytes;
        private final AtomicBoolean open = new AtomicBoolean(true);

        Connection(SocketChannel channel, Loop loop) throws IOException {
            this.channel = channel;
            this.loop = loop;
            this.peer = channel.getRemoteAddress();
        }

        /** On the loop: joins the selector and opens the session. */
        void register() {
            try {
                key = channel.register(loop.selector, SelectionKey.OP_READ, this);
                session = protocol.open(this);
            } catch (IOException | RuntimeException e) {
                close("setting up the connection failed: " + e);
            }
            if (closed) {
                close("the server is stopping");
            }
        }

        @Override
        public SocketAddress peer() {
            return peer;
        }

        @Override
        public boolean isOpen() {
            return open.get();
        }

        // ---- reading, on the loop thread ---------------------------------------------------------------------------

        void readable() throws IOException {
            ByteBuffer buffer = loop.buffer;
            // A few rounds at most, so that one busy connection does not starve the others of its loop.
            for (int round = 0; round < 16 && open.get() && !paused; round++) {
                int n;
                if (partial != null && partial.remaining() >= buffer.capacity()) {
                    // A large frame: straight into its own array, a MiB at a time, so that the JDK's temporary
                    // direct buffer for a heap read stays a MiB, not a frame.
                    ByteBuffer window = partial.slice(partial.position(), Math.min(partial.remaining(), 1 << 20));
                    n = channel.read(window);
                    if (n > 0) {
                        partial.position(partial.position() + n);
                        if (!partial.hasRemaining()) {
                            deliver();
                        }
                    }
                } else {
                    buffer.clear();
                    n = channel.read(buffer);
                    if (n > 0) {
                        buffer.flip();
                        if (!take(buffer)) {
                            carry = ByteBuffer.allocate(buffer.remaining()).put(buffer).flip();
                            return;
                        }
                    }
                }
                if (n < 0) {
                    close(partial != null || lengthField.position() > 0 ? "the connection ended inside a frame"
                            : "the client closed the connection");
                    return;
                }
                if (n == 0) {
                    return;
                }
            }
        }

        /**
         * Takes frames out of {@code bytes}.
         *
         * @return false if a bound stopped it with bytes left (the connection is paused then)
         */
        private boolean take(ByteBuffer bytes) {
            while (bytes.hasRemaining() && open.get()) {
                if (partial == null) {
                    if (lengthField.hasRemaining()) {
                        int n = Math.min(lengthField.remaining(), bytes.remaining());
                        lengthField.put(lengthField.position(), bytes, bytes.position(), n);
                        lengthField.position(lengthField.position() + n);
                        bytes.position(bytes.position() + n);
                        if (lengthField.hasRemaining()) {
                            return true;
                        }
                    }
                    if (!admit()) {
                        return false;
                    }
                }
                int n = Math.min(partial.remaining(), bytes.remaining());
                partial.put(partial.position(), bytes, bytes.position(), n);
                partial.position(partial.position() + n);
                bytes.position(bytes.position() + n);
                if (!partial.hasRemaining()) {
                    deliver();
                }
            }
            return true;
        }

        /**
         * The length field is whole: checks it, takes its frame's bytes from the bounds and allocates the frame.
         *
         * @return false if a bound does not let it in yet (the connection is paused then)
         */
        private boolean admit() {
            int length = Frames.checkLength(lengthField.getInt(0), settings.maxFrame(), IllegalArgumentException::new);
            if (!take(length + 4L)) {
                pause(length + 4L);
                return false;
            }
            heldFrames.incrementAndGet();
            partial = ByteBuffer.allocate(length);
            lengthField.clear();
            return true;
        }

        private void deliver() {
            ByteBuffer frame = partial.flip();
            partial = null;
            session.frame(RawFrame.of(frame));
        }

        /** Takes bytes from this connection's bound and the shared one. */
        private boolean take(long bytes) {
            if (!ownRoom(bytes)) {
                return false;
            }
            if (!takeShared(bytes)) {
                waiting.add(this);
                return false;
            }
            heldBytes.addAndGet(bytes);
            return true;
        }

        /** @return whether this connection's own bounds let a frame of {@code bytes} in now */
        private boolean ownRoom(long bytes) {
            long h = heldBytes.get();
            return heldFrames.get() < settings.maxFrames() && (h == 0 || h + bytes <= settings.maxConnectionBytes());
        }

        /**
         * Stops reading until the bounds let a frame of {@code bytes} in. The check after the flag is set closes the
         * race with a release that came in between, which saw no flag.
         */
        private void pause(long bytes) {
            pending = bytes;
            paused = true;
            key.interestOpsAnd(~SelectionKey.OP_READ);
            wake();
        }

        /**
         * From any thread: lets a paused connection try again on its loop, if the bounds now have room.
         *
         * @return whether it was woken
         */
        boolean wake() {
            if (!paused || !open.get() || !ownRoom(pending)) {
                return false; // its own releases wake it
            }
            if (!sharedRoom(pending)) {
                // Only the shared bound keeps it out now: it waits for a release of any connection. The check
                // after joining the queue closes the race with a release that came in between.
                waiting.add(this);
                if (!sharedRoom(pending)) {
                    return false;
                }
            }
            if (wakeQueued.compareAndSet(false, true)) {
                loop.run(this::resume);
                return true;
            }
            return false;
        }

        /** On the loop: admits the frame that waited, takes the bytes carried, and reads the socket again. */
        private void resume() {
            wakeQueued.set(false);
            if (!paused || !open.get()) {
                return;
            }
            paused = false;
            try {
                if (partial == null && !lengthField.hasRemaining() && !admit()) {
                    return;
                }
                if (carry != null) {
                    ByteBuffer c = carry;
                    carry = null;
                    if (!take(c)) {
                        carry = c;
                        return;
                    }
                }
                key.interestOpsOr(SelectionKey.OP_READ);
            } catch (RuntimeException e) {
                refuse(e);
            }
        }

        @Override
        public void release(RawFrame frame) {
            heldFrames.decrementAndGet();
            give(frame.size());
        }

        private void give(long bytes) {
            heldBytes.addAndGet(-bytes);
            giveShared(bytes);
            wake();
        }

        // ---- writing, from any thread --------------------------------------------------------------------------------

        @Override
        public void send(ByteBuffer[] frame) {
            long queued = 0;
            synchronized (output) {
                if (!open.get()) {
                    return;
                }
                boolean idle = output.isEmpty();
                try {
                    if (idle) {
                        writeWindows(channel, Arrays.asList(frame));
                    }
                } catch (IOException e) {
                    closeLater("writing failed: " + e.getMessage());
                    return;
                }
                for (ByteBuffer b : frame) {
                    if (b.hasRemaining()) {
                        output.add(b);
                        queued += b.remaining();
                    }
                }
                if (queued == 0) {
                    return;
                }
                outputBytes += queued;
                heldBytes.addAndGet(queued);
                held.addAndGet(queued);
                if (idle) { // the loop writes the rest as the socket drains
                    key.interestOpsOr(SelectionKey.OP_WRITE);
                    loop.selector.wakeup();
                }
            }
        }

        @Override
        public boolean awaitWritten(long bytes, long stallMillis) throws InterruptedException {
            synchronized (output) {
                long queued = outputBytes;
                long deadline = System.nanoTime() + stallMillis * 1_000_000;
                while (open.get() && outputBytes > bytes) {
                    if (outputBytes < queued) { // the client reads: the deadline starts again
                        queued = outputBytes;
                        deadline = System.nanoTime() + stallMillis * 1_000_000;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    output.wait(Math.max(1, left / 1_000_000));
                }
            }
            if (open.get() && outputBytes() > bytes) {
                close("the client read nothing of its answer for " + stallMillis + " ms");
            }
            return open.get();
        }

        private long outputBytes() {
            synchronized (output) {
                return outputBytes;
            }
        }

        /** On the loop: writes what is queued as far as the socket takes it. */
        void writable() throws IOException {
            long written = 0;
            synchronized (output) {
                written = writeWindows(channel, output);
                while (!output.isEmpty() && !output.peek().hasRemaining()) {
                    output.poll();
                }
                outputBytes -= written;
                if (output.isEmpty()) {
                    key.interestOpsAnd(~SelectionKey.OP_WRITE);
                }
                if (written > 0) {
                    output.notifyAll(); // a streaming session may be waiting for room
                }
            }
            if (written > 0) {
                give(written);
            }
        }

        // ---- closing -------------------------------------------------------------------------------------------------

        /** A protocol violation: tells the client why, then closes. */
        void refuse(RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.warn("{}: closing the connection from {}: {}", settings.name(), peer, reason);
            LOG.debug("{}: the violation", settings.name(), e);
            try {
                send(protocol.refusal(reason));
            } catch (RuntimeException ignored) {
                // the close tells the client instead
            }
            close("protocol error: " + reason);
        }

        private void dropPartial() {
            if (partial != null) {
                long bytes = partial.capacity() + 4L;
                partial = null;
                heldFrames.decrementAndGet();
                give(bytes);
            }
            carry = null;
        }

        private void closeLater(String why) {
            loop.run(() -> close(why));
        }

        @Override
        public void close(String why) {
            if (!open.compareAndSet(true, false)) {
                return;
            }
            connections.remove(this);
            if (key != null) {
                key.cancel();
            }
            closeQuietly(channel);
            long dropped;
            synchronized (output) {
                dropped = outputBytes;
                outputBytes = 0;
                output.clear();
                output.notifyAll();
            }
            if (dropped > 0) {
                give(dropped);
            }
            // The frame being read is given back on the loop, which owns it; the frames the session holds, as it
            // releases them.
            loop.run(this::dropPartial);
            if (session != null) {
                try {
                    session.closed(why);
                } catch (RuntimeException e) {
                    LOG.warn("{}: closing the session of {} failed", settings.name(), peer, e);
                }
            }
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops listening, closes every connection and stops the threads (waiting for them a few seconds at most). */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        List<Connection> open = new ArrayList<>(connections);
        for (Connection c : open) {
            c.close("the server is stopping");
        }
        for (Loop loop : loops) {
            if (loop != null) {
                loop.selector.wakeup();
            }
        }
        try {
            if (acceptor != null) {
                acceptor.join(5000);
            }
            for (Loop loop : loops) {
                if (loop != null) {
                    loop.thread.join(5000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
