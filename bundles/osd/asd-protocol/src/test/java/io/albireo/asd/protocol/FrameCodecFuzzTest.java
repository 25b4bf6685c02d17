package io.albireo.asd.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.albireo.api.Assert;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdProtocolException;
import io.albireo.api.osd.OsdStatistics;
import io.albireo.testing.fuzz.FrameFuzzer;

/**
 * Mutated frames of every type, for a bounded time ({@code -Dalbireo.fuzz.seconds}): each decodes, or fails as an
 * {@link OsdProtocolException} or an end of stream, and never allocates more than a small multiple of its own size.
 */
class FrameCodecFuzzTest {
    @Test
    void mutatedFramesDecodeOrFailCleanlyWithBoundedAllocation() throws Exception {
        FrameCodec codec = new FrameCodec(new Limits(Limits.MIN_MAX_FRAME * 4));
        ByteBuffer v = ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5});
        List<Message> templates = List.of(new Message.Hello(1, "long-id"),
                new Message.Welcome(1, "long", "node", 1 << 20), new Message.Refused("no"),
                new Message.Get(List.of(Bytes.utf8("a"), Bytes.utf8("bc"))),
                new Message.GetSlices(List.of(new Osd.Slice(Bytes.utf8("k"), 3, 9))),
                new Message.Range(new KeyRange(Bytes.utf8("a"), Bytes.utf8("z")), 10, true),
                new Message.Apply(List.of(Assert.value(Bytes.utf8("a"), v), Assert.absent(Bytes.utf8("b"))),
                        List.of(Update.set(Bytes.utf8("c"), v), Update.delete(Bytes.utf8("d")))),
                new Message.GetDiskUsage(), new Message.GetStatistics(),
                new Message.Values(List.of(Optional.of(v), Optional.empty())),
                new Message.Entries(List.of(new Entry(Bytes.utf8("e"), Bytes.utf8("f"))), true),
                new Message.Applied(), new Message.AssertFailed(1, Bytes.utf8("k")),
                new Message.Usage(new DiskUsage(1, 2)),
                new Message.Statistics(new OsdStatistics(Map.of("get", new OsdStatistics.Operation(1, 2, 3, 4)))),
                new Message.Failure(Message.Failure.Kind.FULL, "full"));
        List<byte[]> frames = new ArrayList<>();
        for (Message m : templates) {
            frames.add(FrameFuzzer.bytes(codec.encode(7, m)));
        }
        FrameFuzzer fuzzer = new FrameFuzzer("ASD frames", 10);
        long decoded = fuzzer.decodeAll(frames, codec.limits().maxFrame(),
                frame -> codec.read(Channels.newChannel(new ByteArrayInputStream(frame))) != null,
                OsdProtocolException.class, EOFException.class);
        System.out.println("ASD frames: " + fuzzer.cases() + " cases, " + decoded + " decoded");
        assertTrue(fuzzer.cases() > 100, "the fuzzer ran");
    }
}
