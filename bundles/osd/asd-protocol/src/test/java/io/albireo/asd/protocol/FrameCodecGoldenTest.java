package io.albireo.asd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
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

import io.albireo.api.Assert;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdStatistics;
import io.albireo.testing.fuzz.FrameFuzzer;
import io.albireo.testing.golden.GoldenFile;

/**
 * The ASD protocol, versions 1 and 2, pinned by golden files: one frame per message type (and per failure kind), in
 * {@code src/test/resources/golden/asd-protocol-v1-NAME.hex}, and the frames version 2 added or changed in
 * {@code asd-protocol-v2-NAME.hex}. The encoder must still write exactly those bytes, and
 * the decoder must still read them as the sample they were written from (docs/ASD-PROTOCOL.md, docs/FORMATS.md).
 * Lists hold two items or more, optional fields are present.
 */
class FrameCodecGoldenTest {
    /** The id of every sample request and response: its eight bytes show the byte order. */
    private static final long ID = 0x0102030405060708L;

    private final FrameCodec codec = new FrameCodec(Limits.DEFAULT);

    /** A sample message and the frame id it goes with (0 in the handshake). */
    private record Sample(long id, Message message) {
    }

    /** The golden samples, by golden file name; a new message type or failure kind gets a new entry and file. */
    private static Map<String, Sample> samples() {
        Map<String, Sample> s = new LinkedHashMap<>();
        s.put("hello", new Sample(0, new Message.Hello(1, "asd-0001")));
        s.put("welcome", new Sample(0, new Message.Welcome(1, "asd-0001", "node-1", Limits.DEFAULT_MAX_FRAME)));
        s.put("refused", new Sample(0, new Message.Refused("this is ASD asd-0002")));
        s.put("get", new Sample(ID, new Message.Get(List.of(Bytes.utf8("k1"), Bytes.utf8("k2")))));
        // Version 2: the same frames, and GET_ONCE.
        s.put("v2-hello", new Sample(0, new Message.Hello(2, "asd-0001")));
        s.put("v2-welcome", new Sample(0, new Message.Welcome(2, "asd-0001", "node-1", Limits.DEFAULT_MAX_FRAME)));
        s.put("v2-get-once", new Sample(ID, new Message.Get(List.of(Bytes.utf8("k1"), Bytes.utf8("k2")), true)));
        s.put("get-slices", new Sample(ID, new Message.GetSlices(List.of(new Osd.Slice(Bytes.utf8("k1"), 4096, 512),
                new Osd.Slice(Bytes.utf8("k2"), 1L << 32, 16)))));
        s.put("range", new Sample(ID, new Message.Range(new KeyRange(Bytes.utf8("a"), Bytes.utf8("m")), 100,
                true)));
        s.put("apply", new Sample(ID, new Message.Apply(
                List.of(Assert.absent(Bytes.utf8("new")), Assert.value(Bytes.utf8("old"), Bytes.utf8("v0"))),
                List.of(Update.set(Bytes.utf8("new"), Bytes.utf8("v1")), Update.delete(Bytes.utf8("old"))))));
        s.put("disk-usage", new Sample(ID, new Message.GetDiskUsage()));
        s.put("statistics", new Sample(ID, new Message.GetStatistics()));
        s.put("values", new Sample(ID, new Message.Values(List.of(Optional.of(ByteBuffer.wrap(new byte[] {1, 2, 3})),
                Optional.empty()))));
        s.put("entries", new Sample(ID, new Message.Entries(List.of(new Entry(Bytes.utf8("a"), Bytes.utf8("x")),
                new Entry(Bytes.utf8("b"), null)), true)));
        s.put("applied", new Sample(ID, new Message.Applied()));
        s.put("assert-failed", new Sample(ID, new Message.AssertFailed(1, Bytes.utf8("old"))));
        s.put("usage", new Sample(ID, new Message.Usage(new DiskUsage(1L << 30, 1L << 40))));
        s.put("stats", new Sample(ID, new Message.Statistics(new OsdStatistics(Map.of(
                "apply", new OsdStatistics.Operation(10, 4096, 1.5, 20.0),
                "get", new OsdStatistics.Operation(3, 300, 0.25, 1.0))))));
        s.put("failure-full", new Sample(ID, new Message.Failure(Message.Failure.Kind.FULL, "full")));
        s.put("failure-bad-request", new Sample(ID, new Message.Failure(Message.Failure.Kind.BAD_REQUEST, "bad")));
        s.put("failure-unavailable", new Sample(ID, new Message.Failure(Message.Failure.Kind.UNAVAILABLE,
                "stopping")));
        s.put("failure-corrupt", new Sample(ID, new Message.Failure(Message.Failure.Kind.CORRUPT, "crc")));
        return s;
    }

    static Stream<Arguments> table() {
        return samples().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    private static GoldenFile golden(String name) {
        return GoldenFile.of(name.startsWith("v2-") ? "asd-protocol-" + name : "asd-protocol-v1-" + name);
    }

    private byte[] encode(String name, Sample sample) {
        // The refusal is what the ASD sends; its frame is the codec's own.
        ByteBuffer[] frame = name.equals("refused") ? codec.refusal(((Message.Refused) sample.message()).reason())
                : codec.encode(sample.id(), sample.message());
        return FrameFuzzer.bytes(frame);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void theEncoderStillWritesTheGoldenFrame(String name, Sample sample) {
        golden(name).assertMatches(encode(name, sample), "ASD protocol " + (name.startsWith("v2-") ? "v2" : "v1") + ": " + sample.message() + "\nframe id "
                + Long.toHexString(sample.id()) + "; docs/ASD-PROTOCOL.md");
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

    /** Every message type and every failure kind has its golden sample. */
    @Test
    void everyMessageTypeAndFailureKindHasAGoldenFile() {
        Set<Class<?>> sampled = new HashSet<>();
        Set<Message.Failure.Kind> kinds = new HashSet<>();
        for (Sample s : samples().values()) {
            sampled.add(s.message().getClass());
            if (s.message() instanceof Message.Failure f) {
                kinds.add(f.kind());
            }
        }
        Deque<Class<?>> todo = new ArrayDeque<>(List.of(Message.class));
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            if (c.isRecord()) {
                assertTrue(sampled.contains(c), c.getSimpleName() + " has no golden sample: add one to samples()");
            } else {
                todo.addAll(List.of(c.getPermittedSubclasses()));
            }
        }
        for (Message.Failure.Kind kind : Message.Failure.Kind.values()) {
            assertTrue(kinds.contains(kind), "failure kind " + kind + " has no golden sample: add one to samples()");
        }
    }
}
