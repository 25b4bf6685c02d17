package io.albireo.proxy.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.HexFormat;
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
        long decoded = 0;
        while (fuzzer.more()) {
            byte[] frame = fuzzer.mutate(frames);
            long before = FrameFuzzer.allocatedBytes();
            try {
                if (codec.read(Channels.newChannel(new ByteArrayInputStream(frame))) != null) {
                    decoded++;
                }
            } catch (ProxyProtocolException | EOFException expected) {
                // a clean refusal
            } catch (Exception | Error e) {
                fail("seed " + fuzzer.seed() + ": " + HexFormat.of().formatHex(frame) + " failed with " + e, e);
            }
            long allocated = FrameFuzzer.allocatedBytes() - before;
            // The first cases load classes and fill caches: their allocations are not the decoder's.
            // A length field within the limit is allocated for whole before its body arrives: that much is allowed.
            long declared = frame.length < 4 ? 0 : ByteBuffer.wrap(frame).getInt(0);
            long allowed = 256 * 1024 + 64L * frame.length
                    + (declared >= 0 && declared <= codec.limits().maxFrame() ? declared : 0);
            assertTrue(fuzzer.cases() < 5000 || allocated <= allowed, "seed " + fuzzer.seed() + ": "
                    + HexFormat.of().formatHex(frame) + " made the decoder allocate " + allocated + " bytes");
        }
        System.out.println("proxy frames: " + fuzzer.cases() + " cases, " + decoded + " decoded");
        assertTrue(fuzzer.cases() > 100, "the fuzzer ran");
    }
}
