package io.albireo.proxy.server.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.albireo.api.AssertFailedException;
import io.albireo.api.IntegrityException;
import io.albireo.api.StorageException;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectStore;
import io.albireo.api.object.ObjectStore.ObjectAssert;
import io.albireo.api.object.ObjectStore.ObjectChange;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.proxy.client.ProxyClient;
import io.albireo.framing.FrameServer;
import io.albireo.proxy.protocol.FrameCodec;
import io.albireo.proxy.protocol.Limits;
import io.albireo.proxy.protocol.Message;
import io.albireo.api.object.NamespaceNotFoundException;
import io.albireo.api.object.ObjectNotFoundException;
import io.albireo.api.object.RangeOutOfBoundsException;

/** The protocol, the server and the client together, over real loopback sockets, on {@link MapObjectStore}. */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a guard against hangs, not a measurement
class ProxyServerTest {
    /** Small frames, so that large objects must cross in many of them. */
    private static final Limits LIMITS = new Limits(256 * 1024);
    private static final ProxyClient.Settings SETTINGS = new ProxyClient.Settings(2, 5_000, 60_000,
            LIMITS.maxFrame(), 128 * 1024);

    /** Gets streaming at once (ProxyServer's default). */
    private static final int GET_THREADS = 64;

    private final AtomicReference<ObjectStore> store = new AtomicReference<>(new MapObjectStore());
    private ProxyServer server;
    private ProxyClient client;

    @BeforeEach
    void start() throws IOException {
        server = new ProxyServer(store::get, ProxyServer.settings(new InetSocketAddress("127.0.0.1", 0), LIMITS), 4,
                64, GET_THREADS);
        client = ProxyClient.connect("127.0.0.1", server.address().getPort(), SETTINGS);
        client.createNamespace("ns", null);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private MapObjectStore map() {
        return (MapObjectStore) store.get();
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }

    @Test
    void everyCallRoundTrips() {
        client.createNamespace("other", "default");
        assertEquals(List.of("ns", "other"), client.listNamespaces());
        client.deleteNamespace("other");
        assertEquals(List.of("ns"), client.listNamespaces());

        ObjectInfo a = client.put("ns", "a", utf8("alpha"), Overwrite.NONE);
        assertEquals(new ObjectInfo("ns", "a", a.objectId(), 5, a.checksum()), a);
        assertEquals(Optional.of(a), client.stat("ns", "a"));
        assertEquals(Optional.empty(), client.stat("ns", "zz"));
        assertEquals("alpha", text(client.get("ns", "a").orElseThrow()));
        assertEquals(Optional.empty(), client.get("ns", "zz"));
        client.put("ns", "b", ByteBuffer.allocate(0), Overwrite.UNCONDITIONAL);
        assertEquals(0, client.get("ns", "b").orElseThrow().remaining());
        client.put("ns", "c1", utf8("x"), Overwrite.NONE);
        client.put("ns", "c2", utf8("y"), Overwrite.NONE);

        assertEquals(new ObjectStore.ObjectListing(List.of("a", "b"), true), client.list("ns", "", null, 2));
        assertEquals(new ObjectStore.ObjectListing(List.of("c1", "c2"), false), client.list("ns", "", "b", 10));
        assertEquals(new ObjectStore.ObjectListing(List.of("c2"), false), client.list("ns", "c", "c1", 10));

        Manifest m = client.manifest("ns", "a").orElseThrow();
        assertEquals(a.objectId(), m.objectId());
        assertEquals(3, m.chunks().get(0).fragments().get(0).osd());
        assertEquals(Optional.empty(), client.manifest("ns", "zz"));

        List<Optional<ObjectInfo>> applied = client.apply("ns", List.of(ObjectAssert.hasId("a", a.objectId()),
                ObjectAssert.hasChecksum("a", a.checksum()), ObjectAssert.exists("b"), ObjectAssert.absent("d")),
                List.of(new ObjectChange.Put("d", utf8("delta"), Overwrite.NONE),
                        new ObjectChange.Delete("b", Overwrite.EXISTING)));
        assertEquals(2, applied.size());
        assertEquals(5, applied.get(0).orElseThrow().size());
        assertEquals(Optional.empty(), applied.get(1));

        List<ByteBuffer> parts = client.read(List.of(new ObjectRange("ns", "a", 1, 3),
                new ObjectRange("ns", "d", 0, 5), new ObjectRange("ns", "a", 5, 0)));
        assertEquals(List.of("lph", "delta", ""), parts.stream().map(ProxyServerTest::text).toList());

        assertTrue(client.delete("ns", "a"));
        assertFalse(client.delete("ns", "a"));
        ObjectInfo replaced = client.put("ns", "d", utf8("D"), Overwrite.previous(applied.get(0).get().objectId()));
        assertEquals(1, replaced.size());
    }

    @Test
    void failuresComeBackAsTheirTypes() {
        ObjectInfo a = client.put("ns", "a", utf8("alpha"), Overwrite.NONE);
        AssertFailedException e = assertThrows(AssertFailedException.class, () -> client.apply("ns",
                List.of(ObjectAssert.exists("a"), ObjectAssert.absent("a"), ObjectAssert.exists("zz")),
                List.of(new ObjectChange.Put("n", utf8("new"), Overwrite.NONE))));
        assertEquals(1, e.index());
        assertEquals("a", e.key().utf8());
        assertEquals(Optional.empty(), client.stat("ns", "n"));
        assertThrows(AssertFailedException.class, () -> client.put("ns", "a", utf8("again"), Overwrite.NONE));
        assertEquals(Optional.of(a), client.stat("ns", "a"));
        ObjectNotFoundException object = assertThrows(ObjectNotFoundException.class,
                () -> client.read(List.of(new ObjectRange("ns", "zz", 0, 1))));
        assertFalse(object instanceof NamespaceNotFoundException, object.toString());
        assertThrows(RangeOutOfBoundsException.class, () -> client.read(List.of(new ObjectRange("ns", "a", 3, 9))));
        assertThrows(IllegalArgumentException.class, () -> client.createNamespace("ns", null));
        assertEquals("namespace 'nope' does not exist", assertThrows(NamespaceNotFoundException.class,
                () -> client.stat("nope", "a")).getMessage());
    }

    @Test
    void aSwappedStoreIsUnavailableMeanwhileAndConnectionsSurvive() {
        client.put("ns", "a", utf8("alpha"), Overwrite.NONE);
        client.stat("ns", "a"); // both pooled connections are open now
        assertEquals(2, server.connections());
        ObjectStore old = store.getAndSet(null);
        assertThrows(OsdUnavailableException.class, () -> client.stat("ns", "a"));
        assertThrows(OsdUnavailableException.class, () -> client.put("ns", "b", utf8("b"), Overwrite.NONE));
        store.set(old);
        assertEquals(5, client.stat("ns", "a").orElseThrow().size());
        assertEquals(2, client.openConnections());
        assertEquals(2, server.connections());
    }

    @Test
    void theClientReconnectsToARestartedServer() throws Exception {
        client.put("ns", "a", utf8("alpha"), Overwrite.NONE);
        int port = server.address().getPort();
        server.close();
        // Wait for the client to see its connections end (a condition, not a measured time).
        for (int i = 0; i < 1000 && client.openConnections() > 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, client.openConnections());
        assertThrows(OsdUnavailableException.class, () -> client.stat("ns", "a"));
        server = new ProxyServer(store::get, ProxyServer.settings(new InetSocketAddress("127.0.0.1", port), LIMITS),
                4, 64, GET_THREADS);
        assertEquals(5, client.stat("ns", "a").orElseThrow().size());
        assertEquals(1, client.openConnections());
    }

    /** 50 MiB from a stream, in DATA frames of 128 KiB under a frame limit of 256 KiB: no large frame anywhere. */
    @Test
    void aLargeObjectStreamsThroughBoundedFrames() {
        long size = 50L << 20;
        CRC32C sent = new CRC32C();
        ObjectInfo info = client.put("ns", "big", new Generated(size, sent), Overwrite.NONE);
        assertEquals(size, info.size());
        ByteBuffer back = client.get("ns", "big").orElseThrow();
        assertEquals(size, back.remaining());
        CRC32C received = new CRC32C();
        received.update(back);
        assertEquals(sent.getValue(), received.getValue());
        List<ByteBuffer> tail = client.read(List.of(new ObjectRange("ns", "big", size - 300_000, 300_000)));
        assertEquals(300_000, tail.get(0).remaining());
    }

    /**
     * A get streams: with a client that reads nothing, the server stops taking pieces of the object from the store
     * once its answer waits to be written, and holds a piece or two, not the object.
     */
    @Test
    void aGetStreamsItsObjectAndAClientThatDoesNotReadHoldsAPieceOrTwo() throws Exception {
        long size = 48L << 20;
        CRC32C sent = new CRC32C();
        client.put("ns", "big", new Generated(size, sent), Overwrite.NONE);
        map().pieceSize = 1 << 20;
        try (SocketChannel c = SocketChannel.open()) {
            c.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024); // else the kernel would take what we test
            c.connect(server.address());
            FrameCodec codec = new FrameCodec(LIMITS);
            FrameCodec.write(c, codec.encode(0, new Message.Hello(FrameCodec.VERSION)));
            assertInstanceOf(Message.Welcome.class, next(c));
            FrameCodec.write(c, codec.encode(7, new Message.Get("ns", "big")));
            // Until the server stops: no new piece for half a second.
            int pieces = -1;
            while (pieces != map().piecesRead.get()) {
                pieces = map().piecesRead.get();
                Thread.sleep(500);
            }
            assertTrue(pieces <= 16, pieces + " of the 48 pieces were read for a client that reads nothing");
            long held = server.network().bytesHeld();
            assertTrue(held <= 3L << 20, "the server holds " + held + " bytes of a get nobody reads");

            Message.Blobs head = assertInstanceOf(Message.Blobs.class, next(c));
            assertEquals(List.of(size), head.lengths());
            CRC32C received = new CRC32C();
            long got = 0;
            while (got < size) {
                ByteBuffer data = assertInstanceOf(Message.Data.class, next(c)).data();
                got += data.remaining();
                received.update(data);
            }
            assertEquals(size, got);
            assertEquals(sent.getValue(), received.getValue());
            assertEquals(48, map().piecesRead.get());
        }
    }

    /** A read's answer is held whole: one larger than a connection may hold is refused before anything is read. */
    @Test
    void aReadLargerThanAConnectionMayHoldIsRefused() {
        client.put("ns", "a", utf8("alpha"), Overwrite.NONE);
        long most = server.network().settings().maxConnectionBytes();
        int each = 1 << 30;
        List<ObjectRange> huge = new ArrayList<>();
        for (long asked = 0; asked <= most; asked += each) {
            huge.add(new ObjectRange("ns", "a", 0, each));
        }
        int before = map().readCalls.get();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> client.read(huge));
        assertTrue(e.getMessage().contains("maxConnectionBytes"), e.getMessage());
        assertEquals(before, map().readCalls.get(), "the store was not asked");
        assertEquals("alpha", text(client.read(List.of(new ObjectRange("ns", "a", 0, 5))).get(0)));
    }

    /**
     * Gets stream on their own threads: clients that read nothing of their gets hold those (until they are
     * disconnected), never the workers that answer everything else, and a get past getThreads is refused at once.
     */
    @Test
    void stalledGetsHoldOnlyTheGetThreadsAndOneMoreIsRefused() throws Exception {
        int getThreads = 2; // few, so that the test can hold them all: the server again, on the same port
        int port = server.address().getPort();
        server.close();
        server = new ProxyServer(store::get, ProxyServer.settings(new InetSocketAddress("127.0.0.1", port), LIMITS),
                4, 64, getThreads);
        client.put("ns", "big", new Generated(32L << 20, new CRC32C()), Overwrite.NONE);
        map().pieceSize = 1 << 20;
        List<SocketChannel> stalled = new ArrayList<>();
        try {
            for (int i = 0; i <= getThreads; i++) {
                SocketChannel c = SocketChannel.open();
                stalled.add(c);
                c.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
                c.connect(server.address());
                FrameCodec codec = new FrameCodec(LIMITS);
                FrameCodec.write(c, codec.encode(0, new Message.Hello(FrameCodec.VERSION)));
                assertInstanceOf(Message.Welcome.class, next(c));
                if (i < getThreads) {
                    FrameCodec.write(c, codec.encode(7, new Message.Get("ns", "big")));
                    // Until this get holds its thread: its head is sent before it waits.
                    assertInstanceOf(Message.Blobs.class, next(c));
                } else {
                    FrameCodec.write(c, codec.encode(8, new Message.Get("ns", "big")));
                    Message.Failure refused = assertInstanceOf(Message.Failure.class, next(c));
                    assertEquals(Message.Failure.Kind.UNAVAILABLE, refused.kind());
                    assertTrue(refused.message().contains("getThreads"), refused.message());
                }
            }
            // The workers are free: everything else is answered.
            assertEquals(32L << 20, client.stat("ns", "big").orElseThrow().size());
            assertEquals(3, client.read(List.of(new ObjectRange("ns", "big", 0, 3))).get(0).remaining());
        } finally {
            for (SocketChannel c : stalled) {
                c.close();
            }
        }
        // Once the server has seen them go (a write to a closed socket fails), gets stream again.
        for (int i = 0; i < 3000 && server.connections() > SETTINGS.connections(); i++) {
            Thread.sleep(10);
        }
        assertEquals(32L << 20, client.get("ns", "big").orElseThrow().remaining());
    }

    @Test
    void aGetWhoseObjectFailsMidwayEndsWithTheFailureAndTheConnectionGoesOn() {
        client.put("ns", "bad", ByteBuffer.allocate(5 << 20), Overwrite.NONE);
        map().pieceSize = 1 << 20;
        map().failAfterPieces = 2;
        IntegrityException e = assertThrows(IntegrityException.class, () -> client.get("ns", "bad"));
        assertEquals("piece 2 of bad failed its checksum", e.getMessage());
        map().failAfterPieces = -1;
        assertEquals(5 << 20, client.get("ns", "bad").orElseThrow().remaining());
        assertEquals(5 << 20, client.stat("ns", "bad").orElseThrow().size());
    }

    @Test
    void manyRangesOfManyObjectsInOneRead() {
        byte[][] objects = new byte[20][];
        Random random = new Random(7);
        for (int i = 0; i < objects.length; i++) {
            objects[i] = new byte[10_000 + i * 1000];
            random.nextBytes(objects[i]);
            client.put("ns", "o" + i, ByteBuffer.wrap(objects[i]), Overwrite.NONE);
        }
        List<ObjectRange> ranges = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            int o = random.nextInt(objects.length);
            int offset = random.nextInt(objects[o].length);
            ranges.add(new ObjectRange("ns", "o" + o, offset, random.nextInt(objects[o].length - offset + 1)));
        }
        List<ByteBuffer> parts = client.read(ranges);
        assertEquals(ranges.size(), parts.size());
        for (int i = 0; i < ranges.size(); i++) {
            ObjectRange r = ranges.get(i);
            byte[] expected = new byte[r.length()];
            System.arraycopy(objects[Integer.parseInt(r.name().substring(1))], (int) r.offset(), expected, 0,
                    r.length());
            byte[] actual = new byte[parts.get(i).remaining()];
            parts.get(i).get(actual);
            assertArrayEquals(expected, actual, "range " + i);
        }
    }

    @Test
    void manyThreadsPipelineOnFewConnections() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        String name = "t" + thread + "-" + i;
                        byte[] bytes = new byte[thread * 1000 + i];
                        new Random(thread * 1000L + i).nextBytes(bytes);
                        client.put("ns", name, ByteBuffer.wrap(bytes), Overwrite.NONE);
                        ByteBuffer back = client.get("ns", name).orElseThrow();
                        byte[] actual = new byte[back.remaining()];
                        back.get(actual);
                        assertArrayEquals(bytes, actual, name);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(1600, map().objects("ns"));
        assertTrue(client.openConnections() <= 2, "connections: " + client.openConnections());
        assertTrue(server.connections() <= 2);
    }

    @Test
    void aFailingSourceAbortsThePutAndLeavesNothing() {
        InputStream failing = new InputStream() {
            private int left = 300_000;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    throw new IOException("disk gone");
                }
                left--;
                return 1;
            }
        };
        StorageException e = assertThrows(StorageException.class, () -> client.put("ns", "x", failing,
                Overwrite.NONE));
        assertTrue(e.getMessage().contains("disk gone"), e.getMessage());
        assertEquals(Optional.empty(), client.stat("ns", "x"));
        client.put("ns", "y", utf8("fine"), Overwrite.NONE);
    }

    // ---- raw frames ------------------------------------------------------------------------------------------------

    private SocketChannel raw(int version) throws IOException {
        SocketChannel c = SocketChannel.open(server.address());
        FrameCodec.write(c, new FrameCodec(LIMITS).encode(0, new Message.Hello(version)));
        return c;
    }

    private static Message next(SocketChannel c) throws IOException {
        FrameCodec.Frame f = new FrameCodec(Limits.DEFAULT).read(c);
        return f == null ? null : f.message();
    }

    /**
     * The figure of issue 16: 4,000 idle connections to the proxy used to cost 4,000 threads (a reader each) and as
     * many writers. Now they cost none: the event loops serve them all.
     */
    @Test
    void fourThousandIdleConnectionsCostNoThreads() throws Exception {
        int n = connectionsThisMachineAllows(4000);
        server.close();
        FrameServer.Settings d = ProxyServer.settings(new InetSocketAddress("127.0.0.1", 0), LIMITS);
        server = new ProxyServer(store::get, new FrameServer.Settings(d.name(), d.address(), d.maxFrame(), n + 10,
                d.maxConnectionBytes(), d.maxBytes(), d.maxFrames(), d.loops()), 4, 64, GET_THREADS);
        client.close();
        client = ProxyClient.connect("127.0.0.1", server.address().getPort(), SETTINGS);
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        int before = threads.getThreadCount();
        List<SocketChannel> idle = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                idle.add(raw(1));
            }
            for (SocketChannel c : idle) {
                assertInstanceOf(Message.Welcome.class, next(c), "every connection is welcomed");
            }
            int after = threads.getThreadCount();
            assertTrue(server.connections() >= n, server.connections() + " connections");
            assertTrue(after - before <= 4, n + " idle connections made " + (after - before) + " threads");
            assertEquals(5, client.put("ns", "x", utf8("hello"), Overwrite.NONE).size(), "and the proxy serves");
        } finally {
            for (SocketChannel c : idle) {
                c.close();
            }
        }
    }

    /** @return {@code wanted}, or fewer if this process may not open twice that many descriptors (both ends) */
    static int connectionsThisMachineAllows(int wanted) {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            long room = os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - 200;
            return (int) Math.max(100, Math.min(wanted, room / 2));
        }
        return wanted;
    }

    @Test
    void aWrongVersionIsRefused() throws IOException {
        try (SocketChannel c = raw(2)) {
            Message.Refused refused = assertInstanceOf(Message.Refused.class, next(c));
            assertTrue(refused.reason().contains("version 1"), refused.reason());
            assertNull(next(c));
        }
    }

    @Test
    void malformedFramesCloseTheConnectionAndTouchNothing() throws IOException {
        FrameCodec codec = new FrameCodec(LIMITS);
        Map<ByteBuffer, String> attacks = Map.of(
                ByteBuffer.allocate(4).putInt(0, LIMITS.maxFrame() + 1), "a frame of 262145 bytes: frames are 9 to",
                ByteBuffer.allocate(13).putInt(0, 9).put(4, (byte) 0x7e), "unknown frame type 0x7e",
                ByteBuffer.allocate(17).putInt(0, 13).put(4, (byte) 0x16).putInt(13, 2_000_000),
                "a count of 2000000 is over the limit",
                ByteBuffer.wrap(concat(codec.encode(5, new Message.Delete("ns", "keep")), 1)),
                "1 bytes left over after a delete frame",
                ByteBuffer.wrap(concat(codec.encode(5, new Message.Data(utf8("no put"))), 0)),
                "data for request 5, which is no open put");
        client.put("ns", "keep", utf8("kept"), Overwrite.NONE);
        for (Map.Entry<ByteBuffer, String> attack : attacks.entrySet()) {
            try (SocketChannel c = raw(1)) {
                assertInstanceOf(Message.Welcome.class, next(c));
                c.write(attack.getKey());
                assertRefused(c, attack.getValue());
            }
        }
        assertEquals("kept", text(client.get("ns", "keep").orElseThrow()));
        assertEquals(List.of("keep"), client.list("ns", "", null, 10).names());
    }

    /** The server says why in a REFUSED frame, then closes the connection. */
    private void assertRefused(SocketChannel c, String reason) throws IOException {
        Message.Refused refused = assertInstanceOf(Message.Refused.class, next(c), "the server says why");
        assertTrue(refused.reason().contains(reason), refused.reason());
        assertNull(next(c), "the server must close the connection");
    }

    private static byte[] concat(ByteBuffer[] frame, int extra) {
        int n = 0;
        for (ByteBuffer b : frame) {
            n += b.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(n + extra);
        for (ByteBuffer b : frame) {
            out.put(b.duplicate());
        }
        out.putInt(0, n + extra - 4);
        return out.array();
    }

    @Test
    void aClientKilledMidPutLeavesNothingAndTheServerGoesOn() throws Exception {
        FrameCodec codec = new FrameCodec(LIMITS);
        try (SocketChannel c = raw(1)) {
            assertInstanceOf(Message.Welcome.class, next(c));
            FrameCodec.write(c, codec.encode(9, new Message.PutBegin("ns", "half", Overwrite.NONE)));
            for (int i = 0; i < 10; i++) {
                FrameCodec.write(c, codec.encode(9, new Message.Data(ByteBuffer.allocate(100_000))));
            }
        }
        // A malformed frame in the middle of a put aborts it too.
        try (SocketChannel c = raw(1)) {
            assertInstanceOf(Message.Welcome.class, next(c));
            FrameCodec.write(c, codec.encode(9, new Message.PutBegin("ns", "half2", Overwrite.NONE)));
            FrameCodec.write(c, codec.encode(9, new Message.Data(ByteBuffer.allocate(100_000))));
            c.write(ByteBuffer.allocate(13).putInt(0, 9).put(4, (byte) 0x7e));
            assertRefused(c, "unknown frame type 0x7e");
        }
        try (ProxyClient other = ProxyClient.connect("127.0.0.1", server.address().getPort(), SETTINGS)) {
            // The aborted puts end on their own threads: wait for the server to be done with them, not for a time.
            for (int i = 0; i < 1000 && server.connections() > 2; i++) {
                Thread.sleep(10);
            }
            assertEquals(Optional.empty(), other.stat("ns", "half"));
            assertEquals(Optional.empty(), other.stat("ns", "half2"));
            assertEquals(4, other.put("ns", "whole", utf8("done"), Overwrite.NONE).size());
        }
    }

    /** An object's bytes made up as they are read, with their checksum: the test never holds them twice. */
    static final class Generated extends InputStream {
        private final CRC32C crc;
        private long left;
        private long counter;

        Generated(long size, CRC32C crc) {
            this.left = size;
            this.crc = crc;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) (counter++ * 31 >>> 3);
            }
            crc.update(b, off, n);
            left -= n;
            return n;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }
    }
}
