package io.albireo.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.Assert;
import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.api.osd.Osd;
import io.albireo.asd.protocol.FrameCodec;
import io.albireo.asd.protocol.Limits;
import io.albireo.asd.protocol.Message;

class AsdServerTest {
    @TempDir
    Path dir;

    private AsdStore store;
    private AsdServer server;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws IOException {
        store = AsdStore.open(dir, new AsdStore.Settings(1_000_000, 1024, "fsync", 64));
        server = new AsdServer(store, "node-1", AsdServer.settings(new InetSocketAddress("127.0.0.1", 0),
                Limits.DEFAULT), 2, 2);
        address = server.address();
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    private TestClient client() throws IOException {
        Message[] answer = new Message[1];
        TestClient c = TestClient.connect(address, store.longId(), answer);
        assertEquals(new Message.Welcome(FrameCodec.VERSION, store.longId(), "node-1", Limits.DEFAULT_MAX_FRAME),
                answer[0]);
        return c;
    }

    @Test
    void requestsFromThisJvmGetTheAnswersASocketWouldGet() throws Exception {
        ByteBuffer big = ByteBuffer.wrap(new byte[100_000]).put(5, (byte) 7);
        assertEquals(new Message.Applied(), server.handle(new Message.Apply(List.of(Assert.absent(Bytes.utf8("k"))),
                List.of(Update.set(Bytes.utf8("k"), big.asReadOnlyBuffer())))).get(10, TimeUnit.SECONDS));
        assertEquals(0, big.position(), "the caller's value is read, not moved");
        Message.Values values = (Message.Values) server.handle(new Message.Get(List.of(Bytes.utf8("k"),
                Bytes.utf8("no")))).get(10, TimeUnit.SECONDS);
        assertEquals(List.of(Optional.of(big), Optional.empty()), values.values());
        Message.Values slice = (Message.Values) server.handle(new Message.GetSlices(List.of(
                new io.albireo.api.osd.Osd.Slice(Bytes.utf8("k"), 4, 2)))).get(10, TimeUnit.SECONDS);
        assertEquals(List.of(Optional.of(ByteBuffer.wrap(new byte[] {0, 7}))), slice.values());
        assertEquals(new Message.AssertFailed(0, Bytes.utf8("k")), server.handle(new Message.Apply(
                List.of(Assert.absent(Bytes.utf8("k"))), List.of(Update.delete(Bytes.utf8("k"))))).get(10,
                        TimeUnit.SECONDS));
        server.close();
        Message.Response stopped = server.handle(new Message.Get(List.of(Bytes.utf8("k")))).get(10, TimeUnit.SECONDS);
        assertEquals(Message.Failure.Kind.UNAVAILABLE, ((Message.Failure) stopped).kind());
    }

    @Test
    void aClientOfTheRightDiskIsWelcomedAndServed() throws IOException {
        try (TestClient c = client()) {
            ByteBuffer big = ByteBuffer.wrap(new byte[100_000]).put(5, (byte) 7);
            assertInstanceOf(Message.Applied.class, c.call(new Message.Apply(List.of(Assert.absent(Bytes.utf8("k"))),
                    List.of(Update.set(Bytes.utf8("k"), big)))));
            Message.Values values = (Message.Values) c.call(new Message.Get(List.of(Bytes.utf8("k"),
                    Bytes.utf8("no"))));
            assertEquals(List.of(Optional.of(big), Optional.empty()), values.values());
            assertEquals(new Message.AssertFailed(0, Bytes.utf8("k")), c.call(new Message.Apply(
                    List.of(Assert.absent(Bytes.utf8("k"))), List.of(Update.delete(Bytes.utf8("k"))))));
            Message.Usage usage = (Message.Usage) c.call(new Message.GetDiskUsage());
            assertEquals(1 + 100_000, usage.usage().used());
            Message.Statistics stats = (Message.Statistics) c.call(new Message.GetStatistics());
            assertEquals(1, stats.statistics().operations().get("apply").count());
        }
    }

    /**
     * A version 1 driver (before GET_ONCE) is welcomed at its version and served; a version the ASD does not speak is
     * refused, saying which it does; a version 2 client reads once through GET_ONCE the bytes GET reads.
     */
    @Test
    void olderDriversAreWelcomedAtTheirVersionAndUnknownVersionsRefused() throws IOException {
        ByteBuffer big = ByteBuffer.allocate(DirectIo.DIRECT_READ_MIN + 5000);
        new java.util.Random(3).nextBytes(big.array());
        try (TestClient c = new TestClient(address)) {
            c.send(0, new Message.Hello(1, store.longId()));
            assertEquals(new Message.Welcome(1, store.longId(), "node-1", Limits.DEFAULT_MAX_FRAME),
                    c.receive().message());
            c.call(new Message.Apply(List.of(), List.of(Update.set(Bytes.utf8("big"), big.duplicate()))));
            assertEquals(List.of(Optional.of(big)),
                    ((Message.Values) c.call(new Message.Get(List.of(Bytes.utf8("big"))))).values());
        }
        try (TestClient c = new TestClient(address)) {
            c.send(0, new Message.Hello(FrameCodec.VERSION + 1, ""));
            assertRefused(c, "a version from the future", "speaks protocol versions 1 to " + FrameCodec.VERSION
                    + ", not " + (FrameCodec.VERSION + 1));
        }
        try (TestClient c = client()) {
            assertEquals(List.of(Optional.of(big), Optional.empty()), ((Message.Values) c.call(new Message.Get(
                    List.of(Bytes.utf8("big"), Bytes.utf8("no")), true))).values());
            Message.Statistics stats = (Message.Statistics) c.call(new Message.GetStatistics());
            assertEquals(2, stats.statistics().operations().get("getOnce").count(), "one per key");
        }
    }

    @Test
    void aClientPointedAtTheWrongDiskLearnsItAtOnce() throws IOException {
        Message[] answer = new Message[1];
        try (TestClient c = TestClient.connect(address, "some-other-disk", answer)) {
            assertEquals(new Message.Refused("this is ASD " + store.longId() + " on node node-1, not some-other-disk"),
                    answer[0]);
            assertNull(c.receive(), "and the ASD closes the connection");
        }
        try (TestClient c = new TestClient(address)) {
            c.send(0, new Message.Hello(7, ""));
            assertEquals(new Message.Refused("this ASD speaks protocol versions 1 to 2, not 7"), c.receive().message());
        }
    }

    @Test
    void requestsArePipelinedAndAnsweredById() throws IOException {
        try (TestClient c = client()) {
            for (int i = 1; i <= 200; i++) {
                c.send(i, i % 2 == 0 ? new Message.Apply(List.of(), List.of(Update.set(Bytes.utf8("k" + i),
                        ByteBuffer.wrap(new byte[i * 20])))) : new Message.GetDiskUsage());
            }
            Map<Long, Message> answers = new HashMap<>();
            for (int i = 1; i <= 200; i++) {
                FrameCodec.Frame f = c.receive();
                answers.put(f.id(), f.message());
            }
            for (long i = 1; i <= 200; i++) {
                Class<? extends Message> expected = i % 2 == 0 ? Message.Applied.class : Message.Usage.class;
                assertInstanceOf(expected, answers.get(i), "id " + i);
            }
        }
        assertEquals(ByteBuffer.wrap(new byte[4000]), store.get(Bytes.utf8("k200")).orElseThrow());
    }

    /**
     * Small slice reads are answered by the connection's reader, the others by the read pool through the writer: both
     * write to one socket, and every frame arrives whole, each answer under its own id.
     */
    @Test
    void inlineAndPooledAnswersInterleaveAsWholeFrames() throws IOException {
        byte[] bytes = new byte[1 << 19];
        new java.util.Random(3).nextBytes(bytes);
        ByteBuffer big = ByteBuffer.wrap(bytes);
        int large = (int) AsdServer.INLINE_SLICE_BYTES + 1;
        try (TestClient c = client()) {
            assertInstanceOf(Message.Applied.class, c.call(new Message.Apply(List.of(),
                    List.of(Update.set(Bytes.utf8("big"), big)))));
            for (int i = 1; i <= 300; i++) {
                c.send(i, switch (i % 3) {
                    case 0 -> new Message.GetSlices(List.of(new Osd.Slice(Bytes.utf8("big"), i * 1000L, 4096),
                            new Osd.Slice(Bytes.utf8("absent"), 0, 10)));
                    case 1 -> new Message.GetSlices(List.of(new Osd.Slice(Bytes.utf8("big"), i, large)));
                    default -> new Message.Get(List.of(Bytes.utf8("big")));
                });
            }
            Map<Long, Message> answers = new HashMap<>();
            for (int i = 1; i <= 300; i++) {
                FrameCodec.Frame f = c.receive();
                answers.put(f.id(), f.message());
            }
            for (int i = 1; i <= 300; i++) {
                Message.Values v = (Message.Values) answers.get((long) i);
                List<Optional<ByteBuffer>> expected = switch (i % 3) {
                    case 0 -> List.of(Optional.of(big.slice(i * 1000, 4096)), Optional.empty());
                    case 1 -> List.of(Optional.of(big.slice(i, large)));
                    default -> List.of(Optional.of(big));
                };
                assertEquals(expected, v.values(), "request " + i);
            }
        }
    }

    /**
     * Idle connections up to the default limit cost no thread (they used to cost two each), and one more is told why
     * it is refused.
     */
    @Test
    void idleConnectionsUpToTheLimitCostNoThreadsAndOneMoreIsRefused() throws Exception {
        int n = AsdServer.Bounds.MAX_CONNECTIONS;
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        int before = threads.getThreadCount();
        List<TestClient> idle = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                idle.add(client());
            }
            assertTrue(threads.getThreadCount() - before <= 4, n + " idle connections made "
                    + (threads.getThreadCount() - before) + " threads");
            try (TestClient over = new TestClient(address)) {
                assertRefused(over, "one connection past the limit", "has its limit of " + n + " connections open");
            }
            assertInstanceOf(Message.Usage.class, idle.get(n - 1).call(new Message.GetDiskUsage()));
        } finally {
            for (TestClient c : idle) {
                c.close();
            }
        }
    }

    @Test
    void malformedAndOversizedFramesCloseTheConnectionAndTouchNothing() throws IOException {
        try (TestClient c = client()) {
            c.call(new Message.Apply(List.of(), List.of(Update.set(Bytes.utf8("kept"), ByteBuffer.wrap(new byte[10])))));
            c.sendRaw(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());
            assertRefused(c, "an oversized frame closes the connection before its body is read",
                    "a frame of 2147483647 bytes: frames are 9 to");
        }
        try (TestClient c = client()) {
            // An apply whose update count says 2 but holds one update: nothing of it may be applied.
            ByteBuffer body = ByteBuffer.allocate(64).putInt(0).putInt(2).putShort((short) 3).put("bad".getBytes())
                    .put((byte) 0);
            body.flip();
            byte[] frame = ByteBuffer.allocate(4 + 9 + body.remaining()).putInt(9 + body.remaining())
                    .put((byte) 0x13).putLong(9).put(body).array();
            c.sendRaw(frame);
            assertRefused(c, "a malformed apply closes the connection", "apply frame ends before its fields do");
        }
        try (TestClient c = new TestClient(address)) {
            c.sendRaw("GET / HTTP/1.1\r\n\r\n".getBytes());
            assertRefused(c, "not an ASD client", "frames are 9 to");
        }
        assertEquals(Optional.empty(), store.get(Bytes.utf8("bad")));
        assertEquals(ByteBuffer.wrap(new byte[10]), store.get(Bytes.utf8("kept")).orElseThrow());
        try (TestClient c = client()) {
            assertInstanceOf(Message.Usage.class, c.call(new Message.GetDiskUsage()), "the ASD still serves");
        }
    }

    /**
     * The ASD told the client why in a REFUSED frame (unless a reset beat it), then closed the connection: an end of
     * stream, or a reset when it left bytes unread.
     */
    private static void assertRefused(TestClient c, String why, String reason) {
        try {
            FrameCodec.Frame f = c.receive();
            if (f != null) {
                Message.Refused refused = assertInstanceOf(Message.Refused.class, f.message(), why);
                assertTrue(refused.reason().contains(reason), why + ": " + refused.reason());
                f = c.receive();
            }
            assertNull(f, why);
        } catch (IOException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("reset"), why + ": " + e);
        }
    }

    @Test
    void aFullAsdAnswersFullAndStillDeletes() throws IOException {
        try (TestClient c = client()) {
            assertInstanceOf(Message.Applied.class, c.call(new Message.Apply(List.of(), List.of(Update.set(
                    Bytes.utf8("a"), ByteBuffer.wrap(new byte[900_000]))))));
            Message.Failure full = (Message.Failure) c.call(new Message.Apply(List.of(), List.of(Update.set(
                    Bytes.utf8("b"), ByteBuffer.wrap(new byte[200_000])))));
            assertEquals(Message.Failure.Kind.FULL, full.kind());
            assertTrue(full.message().contains("is full"), full.message());
            assertInstanceOf(Message.Applied.class, c.call(new Message.Apply(List.of(),
                    List.of(Update.delete(Bytes.utf8("a"))))));
        }
    }

    @Test
    void aBlobThatFailsItsChecksumIsAnsweredCorruptNeverAsData() throws IOException {
        try (TestClient c = client()) {
            assertInstanceOf(Message.Applied.class, c.call(new Message.Apply(List.of(), List.of(Update.set(
                    Bytes.utf8("k"), ByteBuffer.wrap(new byte[100_000]))))));
            // The value is the first in the first segment: its last byte flipped in place.
            java.nio.file.Path segment = dir.resolve("segments").resolve("0000000000000000");
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(segment,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {1}), 99_999);
            }
            Message.Failure corrupt = (Message.Failure) c.call(new Message.Get(List.of(Bytes.utf8("k"))));
            assertEquals(Message.Failure.Kind.CORRUPT, corrupt.kind());
            assertTrue(corrupt.message().contains("does not match its checksum"), corrupt.message());
        }
    }
}
