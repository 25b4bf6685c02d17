package io.albireo.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.Assert;
import io.albireo.api.Bytes;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.osd.Osd;
import io.albireo.asd.protocol.FrameCodec;
import io.albireo.asd.protocol.Limits;
import io.albireo.asd.protocol.Message;
import io.albireo.testing.fuzz.FrameFuzzer;

/**
 * The ASD server under mutated request frames on real connections, for a bounded time ({@code
 * -Dalbireo.fuzz.seconds}): it never stops serving, never changes a value no valid request named, and gives back
 * every byte the connections held once they are closed.
 */
class AsdServerFuzzTest {
    @TempDir
    Path dir;

    @Test
    void mutatedRequestsNeitherStopTheServerNorTouchWhatTheyDidNotName() throws Exception {
        AsdStore store = AsdStore.open(dir, new AsdStore.Settings(0, 1024, "fsync", 64));
        AsdServer server = new AsdServer(store, "node-1", AsdServer.settings(new InetSocketAddress("127.0.0.1", 0),
                Limits.DEFAULT), 2, 2);
        try {
            FrameCodec codec = new FrameCodec(Limits.DEFAULT);
            // Kept values: keys longer than any a mutation of the templates' keys could become.
            List<Bytes> kept = new ArrayList<>();
            List<Update> keep = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Bytes key = Bytes.utf8("kept-value-" + "0123456789abcdef".repeat(4) + i);
                kept.add(key);
                keep.add(Update.set(key, ByteBuffer.wrap(new byte[i * 500])));
            }
            store.apply(List.of(), keep).join();
            ByteBuffer v = ByteBuffer.wrap(new byte[] {1, 2, 3});
            List<byte[]> templates = new ArrayList<>();
            for (Message m : List.of(new Message.Get(List.of(Bytes.utf8("f/a"), Bytes.utf8("f/b"))),
                    new Message.GetSlices(List.of(new Osd.Slice(Bytes.utf8("f/a"), 1, 2))),
                    new Message.Range(new KeyRange(Bytes.utf8("f/"), Bytes.utf8("f0")), 10, true),
                    new Message.Apply(List.of(Assert.absent(Bytes.utf8("f/x"))), List.of(Update.set(
                            Bytes.utf8("f/a"), v), Update.delete(Bytes.utf8("f/b")))),
                    new Message.Apply(List.of(), List.of(Update.set(Bytes.utf8("f/big"),
                            ByteBuffer.wrap(new byte[5000])))),
                    new Message.GetDiskUsage(), new Message.GetStatistics())) {
                templates.add(FrameFuzzer.bytes(codec.encode(1, m)));
            }
            byte[] hello = FrameFuzzer.bytes(codec.encode(0, new Message.Hello(FrameCodec.VERSION, "")));
            FrameFuzzer fuzzer = new FrameFuzzer("ASD server", 10);
            fuzzer.sendAll(server.address(), hello, templates);
            System.out.println("ASD server: " + fuzzer.cases() + " connections of mutated requests");
            for (Bytes key : kept) {
                int i = kept.indexOf(key);
                assertEquals(Optional.of(ByteBuffer.wrap(new byte[i * 500])), store.get(key), "kept value " + i);
            }
            // The fuzzer's connections count until the loops see them end (it may be over the limit meanwhile).
            long deadline = System.nanoTime() + 60_000_000_000L;
            while ((server.network().bytesHeld() != 0 || server.connections() != 0) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, server.connections(), "every connection is gone");
            assertEquals(0, server.network().bytesHeld(), "every byte held is given back");
            try (TestClient client = new TestClient(server.address())) {
                client.send(0, new Message.Hello(FrameCodec.VERSION, ""));
                assertInstanceOf(Message.Welcome.class, client.receive().message());
                assertInstanceOf(Message.Usage.class, client.call(new Message.GetDiskUsage()), "it still serves");
            }
            assertTrue(fuzzer.cases() > 10, "the fuzzer ran");
        } finally {
            server.close();
            store.close();
        }
    }
}
