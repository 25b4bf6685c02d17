package io.albireo.framing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server's bounds, on real sockets: a test protocol echoes frames of type 1 back, holds frames of type 2 until the
 * test releases them, and refuses with a frame of type 3.
 */
class FrameServerTest {
    static final int ECHO = 1;
    static final int HOLD = 2;
    static final int REFUSED = 3;
    static final int MAX_FRAME = 64 * 1024;

    /** The frames sessions hold, for the test to release. */
    private final Queue<Held> held = new ConcurrentLinkedQueue<>();
    private final List<SocketChannel> clients = new ArrayList<>();
    private FrameServer server;

    private record Held(FrameServer.Link link, RawFrame frame) {
    }

    private FrameServer start(int maxConnections, long maxConnectionBytes, long maxBytes, int maxFrames)
            throws IOException {
        server = new FrameServer(new FrameServer.Settings("test", new InetSocketAddress("127.0.0.1", 0), MAX_FRAME,
                maxConnections, maxConnectionBytes, maxBytes, maxFrames, 2), new FrameServer.Protocol() {
                    @Override
                    public FrameServer.Session open(FrameServer.Link link) {
                        return new FrameServer.Session() {
                            @Override
                            public void frame(RawFrame frame) {
                                switch (frame.type()) {
                                    case ECHO -> {
                                        link.send(new FrameBuilder(ECHO, frame.id()).value(frame.body())
                                                .finish(MAX_FRAME, "echo"));
                                        link.release(frame);
                                    }
                                    case HOLD -> held.add(new Held(link, frame));
                                    default -> {
                                        link.release(frame);
                                        throw new IllegalArgumentException("unknown frame type " + frame.type());
                                    }
                                }
                            }

                            @Override
                            public void closed(String why) {
                            }
                        };
                    }

                    @Override
                    public ByteBuffer[] refusal(String reason) {
                        return new FrameBuilder(REFUSED, 0).string(reason).finish(MAX_FRAME, "refused");
                    }
                });
        return server;
    }

    @AfterEach
    void stop() throws IOException {
        for (SocketChannel c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(server.address());
        clients.add(c);
        return c;
    }

    private static ByteBuffer[] frame(int type, long id, int bodyBytes, int seed) {
        byte[] body = new byte[bodyBytes];
        new Random(seed).nextBytes(body);
        return new FrameBuilder(type, id).bytes(body).finish(1 << 30, "test");
    }

    private static RawFrame read(SocketChannel c) throws IOException {
        return FrameReader.readOne(c, 1 << 30, IllegalStateException::new);
    }

    @Test
    void thousandsOfIdleConnectionsCostNoThreads() throws Exception {
        int n = connectionsThisMachineAllows(4000);
        start(n + 10, 1 << 20, 64 << 20, 16);
        int before = ManagementFactory.getThreadMXBean().getThreadCount();
        for (int i = 0; i < n; i++) {
            connect();
        }
        await(() -> server.connections() == n, "all " + n + " connections are open");
        int after = ManagementFactory.getThreadMXBean().getThreadCount();
        assertTrue(after - before <= 2, n + " idle connections made " + (after - before) + " threads");
        // Every one of them is served: a sample of them echo, the first and the last included.
        for (int i = 0; i < n; i += Math.max(1, n / 50)) {
            echo(clients.get(i), i);
        }
        echo(clients.get(n - 1), n);
    }

    /** @return {@code wanted}, or fewer if this process may not open twice that many descriptors (both ends) */
    static int connectionsThisMachineAllows(int wanted) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            long room = os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - 200;
            return (int) Math.max(100, Math.min(wanted, room / 2));
        }
        return wanted;
    }

    private void echo(SocketChannel c, int id) throws IOException {
        Frames.write(c, frame(ECHO, id, 100, id));
        RawFrame answer = read(c);
        assertEquals(id, answer.id());
        ByteBuffer expected = frame(ECHO, id, 100, id)[0];
        expected.position(Frames.HEAD);
        assertEquals(expected, new FrameBody(answer.body(), IllegalStateException::new).value());
    }

    @Test
    void aConnectionOverTheLimitIsToldWhyAndClosed() throws Exception {
        start(3, 1 << 20, 64 << 20, 16);
        for (int i = 0; i < 3; i++) {
            connect();
        }
        await(() -> server.connections() == 3, "three connections are open");
        SocketChannel fourth = connect();
        RawFrame refusal = read(fourth);
        assertEquals(REFUSED, refusal.type());
        String reason = new FrameBody(refusal.body(), IllegalStateException::new).string();
        assertTrue(reason.contains("limit of 3 connections"), reason);
        assertNull(read(fourth), "then the connection is closed");
        assertEquals(1, server.refusedConnections());
        echo(clients.get(0), 1);
        clients.get(1).close();
        await(() -> server.connections() == 2, "a connection closed");
        echo(connect(), 2);
    }

    @Test
    void aFrameOverTheLimitIsToldWhyBeforeItsBodyIsRead() throws Exception {
        start(10, 1 << 20, 64 << 20, 16);
        SocketChannel c = connect();
        c.write(ByteBuffer.allocate(4).putInt(0, MAX_FRAME + 1));
        RawFrame refusal = read(c);
        assertEquals(REFUSED, refusal.type());
        assertEquals("a frame of 65537 bytes: frames are 9 to 65536 bytes",
                new FrameBody(refusal.body(), IllegalStateException::new).string());
        assertNull(read(c));
        assertEquals(0, server.bytesHeld(), "nothing was allocated for it");
        SocketChannel other = connect();
        Frames.write(other, frame(7, 1, 10, 1));
        assertTrue(new FrameBody(read(other).body(), IllegalStateException::new).string()
                .contains("unknown frame type 7"), "a session's exception refuses the connection");
    }

    @Test
    void aConnectionHoldsAtMostItsBytesThenWaitsUntilItsFramesAreReleased() throws Exception {
        long perConnection = 4L * MAX_FRAME;
        start(10, perConnection, 64 << 20, 1000);
        SocketChannel c = connect();
        c.configureBlocking(false);
        int frames = 40;
        ByteBuffer stream = ByteBuffer.allocate(frames * (Frames.HEAD + 60_000));
        for (int i = 0; i < frames; i++) {
            for (ByteBuffer b : frame(HOLD, i, 60_000, i)) {
                stream.put(b);
            }
        }
        stream.flip();
        // Writes as much as the server and the kernel's buffers take: the server must stop reading at its bound.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (stream.hasRemaining() && System.nanoTime() < deadline) {
            if (c.write(stream) == 0) {
                Thread.sleep(10);
            }
        }
        await(() -> held.size() >= 4, "the server holds frames up to its bound");
        Thread.sleep(200); // what the server would take past its bound, it would take now
        assertTrue(server.bytesHeld() <= perConnection, server.bytesHeld() + " bytes held");
        assertTrue(held.size() < frames, "the connection is not read past its bound");
        // Releasing lets the rest in, in order and whole.
        List<Long> ids = new ArrayList<>();
        deadline = System.nanoTime() + 60_000_000_000L;
        while (ids.size() < frames && System.nanoTime() < deadline) {
            Held h = held.poll();
            if (h == null) {
                if (stream.hasRemaining()) {
                    c.write(stream);
                }
                Thread.sleep(1);
                continue;
            }
            assertTrue(server.bytesHeld() <= perConnection, server.bytesHeld() + " bytes held");
            byte[] body = new byte[h.frame().body().remaining()];
            h.frame().body().duplicate().get(body);
            byte[] expected = new byte[60_000];
            new Random(h.frame().id()).nextBytes(expected);
            assertArrayEquals(expected, body, "frame " + h.frame().id());
            ids.add(h.frame().id());
            h.link().release(h.frame());
        }
        List<Long> expected = new ArrayList<>();
        for (long i = 0; i < frames; i++) {
            expected.add(i);
        }
        assertEquals(expected, ids);
        await(() -> server.bytesHeld() == 0, "every byte is given back");
    }

    @Test
    void allConnectionsTogetherHoldAtMostTheSharedBound() throws Exception {
        long shared = 6L * MAX_FRAME;
        start(10, 4L * MAX_FRAME, shared, 1000);
        List<SocketChannel> floods = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            SocketChannel c = connect();
            c.configureBlocking(false);
            floods.add(c);
        }
        ByteBuffer one = ByteBuffer.allocate(Frames.HEAD + 60_000);
        for (ByteBuffer b : frame(HOLD, 1, 60_000, 1)) {
            one.put(b);
        }
        for (int round = 0; round < 10; round++) {
            for (SocketChannel c : floods) {
                c.write(one.duplicate().flip());
            }
        }
        await(() -> held.size() >= 6, "the server holds frames up to the shared bound");
        Thread.sleep(200);
        assertTrue(server.bytesHeld() <= shared, server.bytesHeld() + " bytes held");
        assertTrue(held.size() <= 6, held.size() + " frames held");
        // Giving some back lets a waiting connection in.
        int before = held.size();
        for (int i = 0; i < 2; i++) {
            Held h = held.poll();
            h.link().release(h.frame());
        }
        await(() -> held.size() >= before, "waiting connections are let in again");
        assertTrue(server.bytesHeld() <= shared, server.bytesHeld() + " bytes held");
    }

    /**
     * A connection kept out first by its own bound, then only by the shared one, is let in when another connection
     * gives shared room back (it used to wait for its own release only, and never came back).
     */
    @Test
    void aConnectionStoppedByItsOwnBoundThenTheSharedOneIsLetInByAnotherRelease() throws Exception {
        start(10, 70_000, 130_000, 1);
        SocketChannel b = connect();
        SocketChannel c = connect();
        SocketChannel a = connect();
        Frames.write(b, frame(HOLD, 20, 60_000, 20));
        await(() -> held.size() == 1, "b's frame is held");
        Frames.write(c, frame(HOLD, 30, 60_000, 30));
        await(() -> held.size() == 2, "c's frame is held");
        Frames.write(a, frame(HOLD, 10, 100, 10));
        await(() -> held.size() == 3, "a's small frame is held");
        Frames.write(a, frame(HOLD, 11, 60_000, 11)); // kept out by a's own bound of one frame
        Thread.sleep(200);
        assertEquals(3, held.size());
        release(10); // a's own bound has room now, the shared one has not
        Thread.sleep(200);
        assertEquals(2, held.size(), "the shared bound keeps a's large frame out");
        release(20); // shared room, given back by another connection
        await(() -> held.stream().anyMatch(h -> h.frame().id() == 11), "a's large frame is let in");
    }

    private void release(long id) {
        Held h = held.stream().filter(x -> x.frame().id() == id).findFirst().orElseThrow();
        held.remove(h);
        h.link().release(h.frame());
    }

    @Test
    void aClientThatDoesNotReadItsAnswersStallsOnlyItself() throws Exception {
        long perConnection = 4L * MAX_FRAME;
        start(10, perConnection, 64 << 20, 1000);
        SocketChannel deaf = connect();
        deaf.configureBlocking(false);
        ByteBuffer one = ByteBuffer.allocate(Frames.HEAD + 60_000);
        for (ByteBuffer b : frame(ECHO, 1, 60_000, 1)) {
            one.put(b);
        }
        long deadline = System.nanoTime() + 3_000_000_000L;
        int sent = 0;
        while (System.nanoTime() < deadline) {
            ByteBuffer b = one.duplicate().flip();
            while (b.hasRemaining() && System.nanoTime() < deadline) {
                if (deaf.write(b) == 0) {
                    Thread.sleep(5);
                }
            }
            sent++;
        }
        assertTrue(sent < 1000, "the server stopped reading a client that does not read: " + sent + " frames taken");
        assertTrue(server.bytesHeld() <= perConnection + 60_000 + Frames.HEAD, server.bytesHeld() + " bytes held");
        echo(connect(), 5);
    }

    @Test
    void framesOfAnySizeArrivingInAnyPiecesComeOutWholeAndInOrder() throws Exception {
        start(10, 8L << 20, 64 << 20, 1000);
        server.close();
        server = new FrameServer(new FrameServer.Settings("test", new InetSocketAddress("127.0.0.1", 0), 4 << 20, 10,
                16L << 20, 64L << 20, 1000, 1), new FrameServer.Protocol() {
                    @Override
                    public FrameServer.Session open(FrameServer.Link link) {
                        return new FrameServer.Session() {
                            @Override
                            public void frame(RawFrame frame) {
                                // Echo a digest of the body: the answers stay small.
                                byte[] body = new byte[frame.body().remaining()];
                                frame.body().get(body);
                                link.send(new FrameBuilder(ECHO, frame.id()).i32(body.length)
                                        .i32(java.util.Arrays.hashCode(body)).finish(MAX_FRAME, "digest"));
                                link.release(frame);
                            }

                            @Override
                            public void closed(String why) {
                            }
                        };
                    }

                    @Override
                    public ByteBuffer[] refusal(String reason) {
                        return new FrameBuilder(REFUSED, 0).string(reason).finish(MAX_FRAME, "refused");
                    }
                });
        int b = FrameServer.READ_BUFFER;
        int[] sizes = {0, 1, 9, 100, b - 14, b - 13, b - 12, b, b + 1, 3 * b + 7, (1 << 20) + 3, 3 << 20, 5};
        java.io.ByteArrayOutputStream wire = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < sizes.length; i++) {
            for (ByteBuffer part : frame(ECHO, i, sizes[i], i)) {
                byte[] bytes = new byte[part.remaining()];
                part.get(bytes);
                wire.writeBytes(bytes);
            }
        }
        byte[] all = wire.toByteArray();
        Random random = new Random(7);
        try (SocketChannel c = SocketChannel.open(server.address())) {
            for (int at = 0; at < all.length;) {
                int n = Math.min(all.length - at, 1 + random.nextInt(random.nextBoolean() ? 7 : 200_000));
                Frames.write(c, new ByteBuffer[] {ByteBuffer.wrap(all, at, n)});
                at += n;
            }
            for (int i = 0; i < sizes.length; i++) {
                RawFrame answer = read(c);
                assertEquals(i, answer.id());
                byte[] expected = new byte[sizes[i]];
                new Random(i).nextBytes(expected);
                assertEquals(sizes[i], answer.body().getInt(), "frame " + i);
                assertEquals(java.util.Arrays.hashCode(expected), answer.body().getInt(), "frame " + i);
            }
        }
        await(() -> server.bytesHeld() == 0, "every byte is given back");
    }

    @Test
    void settingsThatCannotHoldAFrameAreRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new FrameServer.Settings("x", new InetSocketAddress(0), MAX_FRAME, 10, MAX_FRAME, 1 << 20, 10,
                        1));
        assertTrue(e.getMessage().contains("maxConnectionBytes"), e.getMessage());
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    static String text(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b).toString();
    }

    /**
     * Writes offer a socket at most a window at a time, so that the JDK, which copies the whole remainder of a heap
     * buffer at every call, copies each byte about once; and they deliver every byte in order whatever the socket
     * takes.
     */
    @Test
    void writesOfferAWindowAtATimeAndDeliverEveryByteInOrder() throws IOException {
        byte[] big = new byte[(5 << 20) + 17];
        new Random(3).nextBytes(big);
        List<ByteBuffer> parts = List.of(ByteBuffer.wrap(new byte[] {1, 2, 3}), ByteBuffer.wrap(big),
                ByteBuffer.allocate(0), ByteBuffer.wrap(new byte[] {4}));
        java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
        List<Long> offers = new ArrayList<>();
        Random takes = new Random(4);
        java.nio.channels.GatheringByteChannel socket = new java.nio.channels.GatheringByteChannel() {
            @Override
            public long write(ByteBuffer[] srcs, int offset, int length) {
                long offered = 0;
                for (int i = offset; i < offset + length; i++) {
                    offered += srcs[i].remaining();
                }
                offers.add(offered);
                long room = takes.nextInt(3) == 0 ? 0 : takes.nextInt(3 << 20); // a socket that is often full
                long n = 0;
                for (int i = offset; i < offset + length && room > 0; i++) {
                    int k = (int) Math.min(room, srcs[i].remaining());
                    byte[] b = new byte[k];
                    srcs[i].get(b);
                    sink.writeBytes(b);
                    room -= k;
                    n += k;
                }
                return n;
            }

            @Override
            public long write(ByteBuffer[] srcs) {
                return write(srcs, 0, srcs.length);
            }

            @Override
            public int write(ByteBuffer src) {
                return (int) write(new ByteBuffer[] {src}, 0, 1);
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        long total = 0;
        for (int calls = 0; parts.stream().anyMatch(ByteBuffer::hasRemaining); calls++) {
            total += FrameServer.writeWindows(socket, parts);
            assertTrue(calls < 10_000, "no progress");
        }
        assertEquals(big.length + 4, total);
        byte[] expected = new byte[big.length + 4];
        expected[0] = 1;
        expected[1] = 2;
        expected[2] = 3;
        System.arraycopy(big, 0, expected, 3, big.length);
        expected[expected.length - 1] = 4;
        assertArrayEquals(expected, sink.toByteArray());
        assertTrue(offers.stream().allMatch(o -> o <= FrameServer.WRITE_WINDOW), "offers " + offers);
    }

    /**
     * A session streaming a long answer waits for it to be written: while the client reads it goes on, a client that
     * reads nothing for the stall time has its connection closed, so that it cannot hold the streaming thread.
     */
    @Test
    void awaitWrittenWaitsForAReaderAndClosesOnAClientThatReadsNothing() throws Exception {
        start(16, 64 << 20, 256 << 20, 16);
        SocketChannel reader = SocketChannel.open();
        SocketChannel stalled = SocketChannel.open();
        for (SocketChannel c : List.of(reader, stalled)) {
            c.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 16 * 1024);
            c.connect(server.address());
            clients.add(c);
            c.write(frame(HOLD, 1, 0, 0));
        }
        for (int i = 0; i < 500 && held.size() < 2; i++) {
            Thread.sleep(10);
        }
        assertEquals(2, held.size());
        Held first = held.poll();
        Held second = held.poll();
        ByteBuffer[] big = new FrameBuilder(ECHO, 1).value(ByteBuffer.allocate(8 << 20)).finish(1 << 30, "big");
        // Which held frame came from which client is the server's business: find out by who reads.
        Thread drain = new Thread(() -> {
            ByteBuffer sink = ByteBuffer.allocate(1 << 20);
            try {
                while (reader.read(sink.clear()) >= 0) {
                    // read everything
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
        drain.setDaemon(true);
        drain.start();
        first.link().send(big);
        second.link().send(new FrameBuilder(ECHO, 1).value(ByteBuffer.allocate(8 << 20)).finish(1 << 30, "big"));
        boolean firstOpen = first.link().awaitWritten(0, 1000);
        boolean secondOpen = second.link().awaitWritten(0, 1000);
        assertTrue(firstOpen != secondOpen, "one client reads, one does not: " + firstOpen + ", " + secondOpen);
        Held stalledOne = firstOpen ? second : first;
        assertTrue(!stalledOne.link().isOpen(), "the client that read nothing was disconnected");
        assertTrue((firstOpen ? first : second).link().isOpen(), "the one that read is still connected");
        first.link().release(first.frame());
        second.link().release(second.frame());
    }
}
