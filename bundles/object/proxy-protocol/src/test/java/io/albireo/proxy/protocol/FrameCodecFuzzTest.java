package io.albireo.proxy.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.albireo.api.Bytes;
import io.albireo.api.codec.Digest;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectStore.ObjectAssert;
import io.albireo.api.object.ObjectStore.ObjectChange;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;
import io.albireo.testing.fuzz.FrameFuzzer;

/**
 * Mutated frames of every type, for a bounded time ({@code -Dalbireo.fuzz.seconds}): each decodes, or fails as a
 * {@link ProxyProtocolException} or an end of stream, and never allocates more than a small multiple of its size.
 */
class FrameCodecFuzzTest {
    @Test
    void mutatedFramesDecodeOrFailCleanlyWithBoundedAllocation() throws Exception {
        FrameCodec codec = new FrameCodec(new Limits(Limits.MIN_MAX_FRAME * 4));
        ByteBuffer v = ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5});
        Digest d = Digest.of("crc32c", new byte[] {1, 2, 3, 4});
        ObjectInfo info = new ObjectInfo("ns", "o", "id", 5, d);
        List<Message> templates = List.of(new Message.Hello(1), new Message.Welcome(1, 1 << 20),
                new Message.Refused("no"), new Message.CreateNamespace("ns", "preset"),
                new Message.DeleteNamespace("ns"), new Message.ListNamespaces(),
                new Message.PutBegin("ns", "o", Overwrite.previous("id")), new Message.PutEnd(false),
                new Message.Get("ns", "o"), new Message.Read(List.of(new ObjectRange("ns", "o", 1, 2))),
                new Message.Delete("ns", "o"), new Message.Stat("ns", "o"),
                new Message.ListObjects("ns", "p", "a", 10), new Message.GetManifest("ns", "o"),
                new Message.Apply("ns", List.of(ObjectAssert.exists("a"), ObjectAssert.hasId("b", "id"),
                        ObjectAssert.hasChecksum("c", d)), List.of(new ObjectChange.Put("p", v, Overwrite.NONE),
                                new ObjectChange.Delete("q", Overwrite.EXISTING))),
                new Message.Data(v), new Message.Done(), new Message.Names(List.of("a", "b"), true),
                new Message.Info(Optional.of(info)), new Message.Infos(List.of(Optional.of(info), Optional.empty())),
                new Message.Flag(true), new Message.ManifestBytes(Optional.of(v)),
                new Message.Blobs(true, List.of(5L, 0L)),
                new Message.Failure(Message.Failure.Kind.ASSERT_FAILED, "failed", 1, Bytes.utf8("k")));
        List<byte[]> frames = new ArrayList<>();
        for (Message m : templates) {
            frames.add(FrameFuzzer.bytes(codec.encode(7, m)));
        }
        FrameFuzzer fuzzer = new FrameFuzzer("proxy frames", 10);
        long decoded = fuzzer.decodeAll(frames, codec.limits().maxFrame(),
                frame -> codec.read(Channels.newChannel(new ByteArrayInputStream(frame))) != null,
                ProxyProtocolException.class, EOFException.class);
        System.out.println("proxy frames: " + fuzzer.cases() + " cases, " + decoded + " decoded");
        assertTrue(fuzzer.cases() > 100, "the fuzzer ran");
    }
}
