package io.albireo.proxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.albireo.api.Bytes;
import io.albireo.api.codec.Digest;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectStore.ObjectAssert;
import io.albireo.api.object.ObjectStore.ObjectChange;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;
import io.albireo.testing.fuzz.FrameFuzzer;
import io.albireo.testing.golden.GoldenFile;

/**
 * The proxy protocol, version 1, pinned by golden files: one frame per message type (and per failure kind, overwrite
 * kind, assert kind and change kind), in {@code src/test/resources/golden/proxy-protocol-v1-NAME.hex}. The encoder must
 * still write exactly those bytes, and the decoder must still read them as the sample they were written from
 * (docs/PROXY-PROTOCOL.md, docs/FORMATS.md). Lists hold two items or more, optional fields are present.
 */
class FrameCodecGoldenTest {
    /** The id of every sample request and response: its eight bytes show the byte order. */
    private static final long ID = 0x0102030405060708L;
    private static final Digest CRC = Digest.ofLong("crc32c", 0x1234abcdL, 4);
    private static final ObjectInfo INFO = new ObjectInfo("ns", "obj", "id-1", 4096, CRC);

    private final FrameCodec codec = new FrameCodec(Limits.DEFAULT);

    /** A sample message and the frame id it goes with (0 in the handshake). */
    private record Sample(long id, Message message) {
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** The golden samples, by golden file name; a new message type or kind gets a new entry and file. */
    private static Map<String, Sample> samples() {
        Map<String, Sample> s = new LinkedHashMap<>();
        s.put("hello", new Sample(0, new Message.Hello(1)));
        s.put("welcome", new Sample(0, new Message.Welcome(1, Limits.DEFAULT_MAX_FRAME)));
        s.put("refused", new Sample(0, new Message.Refused("version 2: this server speaks version 1")));
        s.put("create-namespace", new Sample(ID, new Message.CreateNamespace("ns", "fast")));
        s.put("create-namespace-default-preset", new Sample(ID, new Message.CreateNamespace("ns", null)));
        s.put("delete-namespace", new Sample(ID, new Message.DeleteNamespace("ns")));
        s.put("list-namespaces", new Sample(ID, new Message.ListNamespaces()));
        s.put("put-begin", new Sample(ID, new Message.PutBegin("ns", "obj", Overwrite.previous("id-0"))));
        s.put("put-begin-version", new Sample(ID, new Message.PutBegin("ns", "obj", Overwrite.version("id-0", 7))));
        s.put("data", new Sample(ID, new Message.Data(ascii("hello"))));
        s.put("put-end", new Sample(ID, new Message.PutEnd(false)));
        s.put("put-end-abort", new Sample(ID, new Message.PutEnd(true)));
        s.put("get", new Sample(ID, new Message.Get("ns", "obj")));
        s.put("read", new Sample(ID, new Message.Read(List.of(new ObjectRange("ns", "a", 4096, 100),
                new ObjectRange("ns2", "b", 1L << 32, 8)))));
        s.put("delete", new Sample(ID, new Message.Delete("ns", "obj")));
        s.put("stat", new Sample(ID, new Message.Stat("ns", "obj")));
        s.put("list", new Sample(ID, new Message.ListObjects("ns", "p/", "p/a", 1000)));
        s.put("manifest", new Sample(ID, new Message.GetManifest("ns", "obj")));
        s.put("apply", new Sample(ID, new Message.Apply("ns",
                List.of(ObjectAssert.exists("a"), ObjectAssert.absent("b"), ObjectAssert.hasId("c", "id-c"),
                        ObjectAssert.hasChecksum("d", CRC)),
                List.of(new ObjectChange.Put("e", ascii("xy"), Overwrite.NONE),
                        new ObjectChange.Put("f", ascii("z"), Overwrite.UNCONDITIONAL),
                        new ObjectChange.Delete("g", Overwrite.EXISTING)))));
        s.put("done", new Sample(ID, new Message.Done()));
        s.put("names", new Sample(ID, new Message.Names(List.of("a", "b"), true)));
        s.put("info", new Sample(ID, new Message.Info(Optional.of(INFO))));
        s.put("infos", new Sample(ID, new Message.Infos(List.of(Optional.of(INFO), Optional.empty()))));
        s.put("flag", new Sample(ID, new Message.Flag(true)));
        s.put("manifest-bytes", new Sample(ID, new Message.ManifestBytes(Optional.of(ByteBuffer.wrap(
                new byte[] {1, 2, 3})))));
        s.put("blobs", new Sample(ID, new Message.Blobs(true, List.of(5L, 0L))));
        s.put("failure-assert-failed", new Sample(ID, new Message.Failure(Message.Failure.Kind.ASSERT_FAILED,
                "assert 1 failed", 1, Bytes.utf8("b"))));
        failure(s, Message.Failure.Kind.BAD_REQUEST, "bad");
        failure(s, Message.Failure.Kind.NOT_FOUND, "no obj");
        failure(s, Message.Failure.Kind.UNAVAILABLE, "later");
        failure(s, Message.Failure.Kind.INTEGRITY, "crc");
        failure(s, Message.Failure.Kind.FULL, "full");
        failure(s, Message.Failure.Kind.METADATA, "taken");
        failure(s, Message.Failure.Kind.FAILED, "oops");
        failure(s, Message.Failure.Kind.NAMESPACE_NOT_FOUND, "no ns");
        failure(s, Message.Failure.Kind.OUT_OF_RANGE, "past the end");
        return s;
    }

    private static void failure(Map<String, Sample> s, Message.Failure.Kind kind, String message) {
        s.put("failure-" + kind.name().toLowerCase().replace('_', '-'), new Sample(ID, new Message.Failure(kind,
                message, 0, Bytes.EMPTY)));
    }

    static Stream<Arguments> table() {
        return samples().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    private static GoldenFile golden(String name) {
        return GoldenFile.of("proxy-protocol-v1-" + name);
    }

    private byte[] encode(String name, Sample sample) {
        // The refusal is what the server sends; its frame is the codec's own.
        ByteBuffer[] frame = name.equals("refused") ? codec.refusal(((Message.Refused) sample.message()).reason())
                : codec.encode(sample.id(), sample.message());
        return FrameFuzzer.bytes(frame);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void theEncoderStillWritesTheGoldenFrame(String name, Sample sample) {
        golden(name).assertMatches(encode(name, sample), "proxy protocol v1: " + sample.message() + "\nframe id "
                + Long.toHexString(sample.id()) + "; docs/PROXY-PROTOCOL.md");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void theGoldenFrameStillDecodesToItsSample(String name, Sample sample) throws IOException {
        byte[] wire = golden(name).bytes();
        ReadableByteChannel in = Channels.newChannel(new ByteArrayInputStream(wire));
        FrameCodec.Frame frame = codec.read(in);
        assertEquals(sample.id(), frame.id());
        assertEquals(sample.message(), frame.message());
        assertEquals(wire.length, frame.size(), "the frame is the whole file");
        assertNull(codec.read(in), "nothing after the frame");
    }

    /** Every message type, failure kind, overwrite kind, assert kind and change kind has its golden sample. */
    @Test
    void everyMessageTypeAndKindHasAGoldenFile() {
        Set<Class<?>> sampled = new HashSet<>();
        Set<Message.Failure.Kind> kinds = new HashSet<>();
        for (Sample s : samples().values()) {
            Message m = s.message();
            sampled.add(m.getClass());
            if (m instanceof Message.Failure f) {
                kinds.add(f.kind());
            } else if (m instanceof Message.PutBegin p) {
                sampled.add(p.overwrite().getClass());
            } else if (m instanceof Message.Apply a) {
                a.asserts().forEach(as -> sampled.add(as.getClass()));
                for (ObjectChange c : a.changes()) {
                    sampled.add(c.getClass());
                    sampled.add(c instanceof ObjectChange.Put p ? p.overwrite().getClass()
                            : ((ObjectChange.Delete) c).overwrite().getClass());
                }
            }
        }
        Deque<Class<?>> todo = new ArrayDeque<>(List.of(Message.class, Overwrite.class, ObjectAssert.class,
                ObjectChange.class));
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            if (c.isRecord()) {
                assertTrue(sampled.contains(c), c.getName() + " has no golden sample: add one to samples()");
            } else {
                todo.addAll(List.of(c.getPermittedSubclasses()));
            }
        }
        for (Message.Failure.Kind kind : Message.Failure.Kind.values()) {
            assertTrue(kinds.contains(kind), "failure kind " + kind + " has no golden sample: add one to samples()");
        }
    }
}
