package io.albireo.asd.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import io.albireo.asd.protocol.FrameCodec;
import io.albireo.asd.protocol.Limits;
import io.albireo.asd.protocol.Message;

/** The least client that speaks the ASD protocol over a real socket, for the tests: one request at a time or many. */
final class TestClient implements AutoCloseable {
    final SocketChannel channel;
    final FrameCodec codec = new FrameCodec(Limits.DEFAULT);
    private long nextId = 1;

    TestClient(InetSocketAddress address) throws IOException {
        channel = SocketChannel.open(address);
    }

    /** Opens a connection and shakes hands; returns the ASD's answer. */
    static TestClient connect(InetSocketAddress address, String expectedLongId, Message[] answer) throws IOException {
        TestClient client = new TestClient(address);
        client.send(0, new Message.Hello(FrameCodec.VERSION, expectedLongId));
        answer[0] = client.receive().message();
        return client;
    }

    void send(long id, Message m) throws IOException {
        FrameCodec.write(channel, codec.encode(id, m));
    }

    void sendRaw(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    FrameCodec.Frame receive() throws IOException {
        return codec.read(channel);
    }

    /** Sends a request and waits for its answer. */
    Message call(Message.Request request) throws IOException {
        long id = nextId++;
        send(id, request);
        FrameCodec.Frame frame = receive();
        if (frame == null || frame.id() != id) {
            throw new IOException("expected the answer to request " + id + ", got " + frame);
        }
        return frame.message();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
