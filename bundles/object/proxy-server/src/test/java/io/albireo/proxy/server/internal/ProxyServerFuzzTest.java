package io.albireo.proxy.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.albireo.api.object.ObjectStore.ObjectAssert;
import io.albireo.api.object.ObjectStore.ObjectChange;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;
import io.albireo.proxy.client.ProxyClient;
import io.albireo.proxy.protocol.FrameCodec;
import io.albireo.proxy.protocol.Limits;
import io.albireo.proxy.protocol.Message;
import io.albireo.testing.fuzz.FrameFuzzer;

/**
 * The proxy server under mutated frames (puts streamed and cut off, requests, applies) on real connections, for a
 * bounded time ({@code -Dalbireo.fuzz.seconds}): it never stops serving, never changes an object of a namespace no
 * frame named, and gives back every byte and put thread the connections held once they are closed.
 */
class ProxyServerFuzzTest {
    @Test
    void mutatedFramesNeitherStopTheServerNorTouchWhatTheyDidNotName() throws Exception {
        MapObjectStore store = new MapObjectStore();
        Limits limits = new Limits(Limits.MIN_MAX_FRAME * 4);
        try (ProxyServer server = new ProxyServer(() -> store, ProxyServer.settings(
                new InetSocketAddress("127.0.0.1", 0), limits), 4, 16, 16)) {
            // Kept objects in a namespace whose name no mutation of "f" could become.
            String keptNamespace = "kept-namespace-of-the-fuzz-test-0123456789abcdef";
            store.createNamespace(keptNamespace, null);
            store.createNamespace("f", null);
            for (int i = 0; i < 10; i++) {
                store.put(keptNamespace, "o" + i, ByteBuffer.wrap(new byte[i * 1000]), Overwrite.NONE);
            }
            FrameCodec codec = new FrameCodec(limits);
            ByteBuffer v = ByteBuffer.wrap("value".getBytes(StandardCharsets.UTF_8));
            List<byte[]> templates = new ArrayList<>();
            for (Message m : List.of(new Message.PutBegin("f", "a", Overwrite.UNCONDITIONAL), new Message.Data(v),
                    new Message.PutEnd(false), new Message.PutEnd(true), new Message.Get("f", "a"),
                    new Message.Read(List.of(new ObjectRange("f", "a", 1, 2))), new Message.Delete("f", "b"),
                    new Message.Stat("f", "a"), new Message.ListObjects("f", "", null, 10),
                    new Message.ListNamespaces(), new Message.GetManifest("f", "a"),
                    new Message.Apply("f", List.of(ObjectAssert.absent("c")), List.of(new ObjectChange.Put("c", v,
                            Overwrite.UNCONDITIONAL), new ObjectChange.Delete("d", Overwrite.NONE))))) {
                templates.add(FrameFuzzer.bytes(codec.encode(3, m)));
            }
            byte[] hello = FrameFuzzer.bytes(codec.encode(0, new Message.Hello(FrameCodec.VERSION)));
            FrameFuzzer fuzzer = new FrameFuzzer("proxy server", 10);
            fuzzer.sendAll(server.address(), hello, templates);
            System.out.println("proxy server: " + fuzzer.cases() + " connections of mutated frames");
            for (int i = 0; i < 10; i++) {
                assertEquals(ByteBuffer.wrap(new byte[i * 1000]), store.get(keptNamespace, "o" + i).orElseThrow(),
                        "kept object " + i);
            }
            assertEquals(List.of("o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9"),
                    store.list(keptNamespace, "", null, 100).names());
            // The fuzzer's connections count until the loops see them end (it may be over the limit meanwhile).
            long deadline = System.nanoTime() + 60_000_000_000L;
            while ((server.network().bytesHeld() != 0 || server.connections() != 0) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, server.connections(), "every connection is gone");
            assertEquals(0, server.network().bytesHeld(), "every byte held is given back");
            try (ProxyClient client = ProxyClient.connect("127.0.0.1", server.address().getPort(),
                    ProxyClient.Settings.DEFAULT)) {
                assertEquals(5, client.put("f", "after", v.duplicate(), Overwrite.UNCONDITIONAL).size(),
                        "it still serves");
            }
            assertTrue(fuzzer.cases() > 10, "the fuzzer ran");
        }
    }
}
