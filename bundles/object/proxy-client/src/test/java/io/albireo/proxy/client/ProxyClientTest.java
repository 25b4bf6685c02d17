package io.albireo.proxy.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.albireo.api.IntegrityException;
import io.albireo.api.StorageException;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.proxy.protocol.FrameCodec;
import io.albireo.proxy.protocol.Limits;
import io.albireo.proxy.protocol.Message;
import io.albireo.testing.fuzz.FrameFuzzer;

/**
 * The client against a scripted server on a real loopback socket: a server that lies (announces lengths it never
 * sends, more buffers than asked for, data for a request that reads none) costs the client no more than the bytes it
 * really sent, and fails the request with a clear error. The client against the real server is tested in
 * proxy-server's ProxyServerTest.
 */
class ProxyClientTest {
    private static final ProxyClient.Settings SETTINGS = ProxyClient.Settings.DEFAULT.withConnections(1)
            .withRequestTimeoutMillis(30_000);

    private final FrameCodec codec = new FrameCodec(Limits.DEFAULT);
    private ServerSocketChannel listener;
    private ProxyClient client;

    /** What the scripted server does with the one request it reads. */
    private interface Script {
        void answer(long id, Message request, SocketChannel channel) throws IOException;
    }

    @BeforeEach
    void listen() throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void close() throws IOException {
        if (client != null) {
            client.close();
        }
        listener.close();
    }

    /** Starts the client, and a server that welcomes it and answers its first request by {@code script}. */
    private CompletableFuture<Message> serve(Script script) {
        CompletableFuture<Message> seen = new CompletableFuture<>();
        Thread server = new Thread(() -> {
            try (SocketChannel channel = listener.accept()) {
                codec.read(channel); // the hello
                FrameCodec.write(channel, codec.encode(0, new Message.Welcome(FrameCodec.VERSION,
                        Limits.DEFAULT_MAX_FRAME)));
                FrameCodec.Frame request = codec.read(channel);
                seen.complete(request.message());
                script.answer(request.id(), request.message(), channel);
                // Hold the connection open until the client has seen everything, then let it go.
                channel.read(ByteBuffer.allocate(1));
            } catch (IOException | RuntimeException e) {
                seen.completeExceptionally(e);
            }
        }, "scripted-proxy");
        server.setDaemon(true);
        server.start();
        client = ProxyClient.connect("127.0.0.1", listener.socket().getLocalPort(), SETTINGS);
        return seen;
    }

    private void send(SocketChannel channel, long id, Message m) throws IOException {
        FrameCodec.write(channel, codec.encode(id, m));
    }

    private static long clientAllocatedBytes() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("proxy-client-")) {
                total += Math.max(0, mx.getThreadAllocatedBytes(t.getId()));
            }
        }
        return total;
    }

    @Test
    void aGetAnnouncedHugeButNeverSentCostsOnlyWhatArrived() {
        serve((id, request, channel) -> {
            send(channel, id, new Message.Blobs(true, List.of(1L << 30)));
            send(channel, id, new Message.Data(ByteBuffer.wrap(new byte[1000])));
            channel.close();
        });
        long before = clientAllocatedBytes();
        OsdUnavailableException e = assertThrows(OsdUnavailableException.class, () -> client.get("ns", "a"));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        long allocated = clientAllocatedBytes() - before;
        assertTrue(allocated < 16 << 20, "the client allocated " + allocated + " bytes for a 1 GiB announcement"
                + " of which 1000 bytes came");
    }

    @Test
    void aLargeGetIsGatheredFromItsFramesIntact() throws Exception {
        byte[] object = new byte[(65 << 20) + 12345]; // past what the client allocates before the bytes arrive
        for (int i = 0; i < object.length; i++) {
            object[i] = (byte) (i * 31 + (i >>> 11));
        }
        CompletableFuture<Message> seen = serve((id, request, channel) -> {
            send(channel, id, new Message.Blobs(true, List.of((long) object.length)));
            int piece = 1 << 20;
            for (int at = 0; at < object.length; at += piece) {
                send(channel, id, new Message.Data(ByteBuffer.wrap(object, at, Math.min(piece, object.length - at))));
            }
        });
        ByteBuffer got = client.get("ns", "big").orElseThrow();
        assertEquals(new Message.Get("ns", "big"), seen.get(10, TimeUnit.SECONDS));
        byte[] bytes = new byte[got.remaining()];
        got.get(bytes);
        assertArrayEquals(object, bytes);
    }

    @Test
    void aReadAnsweredWithOtherLengthsThanAskedIsRefused() {
        serve((id, request, channel) -> send(channel, id, new Message.Blobs(true, List.of(10L, 1L << 30))));
        OsdUnavailableException e = assertThrows(OsdUnavailableException.class, () -> client.read(List.of(
                new ObjectRange("ns", "a", 0, 10), new ObjectRange("ns", "a", 10, 20))));
        assertTrue(e.getMessage().contains("lengths that differ from the ranges"), e.getMessage());
    }

    @Test
    void aGetAnsweredWithTwoBuffersIsRefused() {
        serve((id, request, channel) -> send(channel, id, new Message.Blobs(true, List.of(1L, 1L))));
        OsdUnavailableException e = assertThrows(OsdUnavailableException.class, () -> client.get("ns", "a"));
        assertTrue(e.getMessage().contains("a get answered with 2 buffers"), e.getMessage());
    }

    @Test
    void aLengthNoBufferCanHoldIsRefused() {
        serve((id, request, channel) -> send(channel, id, new Message.Blobs(true, List.of(1L << 40))));
        OsdUnavailableException e = assertThrows(OsdUnavailableException.class, () -> client.get("ns", "a"));
        assertTrue(e.getMessage().contains("a blob length of " + (1L << 40) + " bytes is out of range"),
                e.getMessage());
    }

    @Test
    void dataForARequestThatReadsNoneIsRefused() {
        serve((id, request, channel) -> send(channel, id, new Message.Blobs(true, List.of(4L))));
        OsdUnavailableException e = assertThrows(OsdUnavailableException.class, () -> client.stat("ns", "a"));
        assertTrue(e.getMessage().contains("a request that reads no data"), e.getMessage());
    }

    @Test
    void aFailureAfterPartOfTheDataFailsTheGetWithItsType() {
        serve((id, request, channel) -> {
            send(channel, id, new Message.Blobs(true, List.of(3L << 20)));
            send(channel, id, new Message.Data(ByteBuffer.allocate(1 << 20)));
            send(channel, id, Message.Failure.of(new IntegrityException("chunk 1 failed its checksum")));
        });
        IntegrityException e = assertThrows(IntegrityException.class, () -> client.get("ns", "a"));
        assertEquals("chunk 1 failed its checksum", e.getMessage());
    }

    @Test
    void anUnknownFailureKindFromANewerServerIsAPlainStorageFailure() {
        // Kind 200 is what no version of the protocol has: encoded by hand as the FAILURE frame of the codec.
        serve((id, request, channel) -> {
            byte[] all = FrameFuzzer.bytes(codec.encode(id, Message.Failure.of(new StorageException(
                    "from the future"))));
            int kind = FrameCodec.HEAD; // the body starts with the kind (docs/PROXY-PROTOCOL.md)
            assertEquals(8, all[kind]);
            all[kind] = (byte) 200;
            channel.write(ByteBuffer.wrap(all));
        });
        StorageException e = assertThrows(StorageException.class, () -> client.stat("ns", "a"));
        assertEquals(StorageException.class, e.getClass(), e.toString());
        assertEquals("from the future", e.getMessage());
    }
}
