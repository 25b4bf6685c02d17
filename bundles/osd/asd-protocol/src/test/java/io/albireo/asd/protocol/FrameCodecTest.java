package io.albireo.asd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

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

class FrameCodecTest {
    private final FrameCodec codec = new FrameCodec(Limits.DEFAULT);

    private static byte[] wire(ByteBuffer[] frame) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer b : frame) {
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    private FrameCodec.Frame read(byte[] wire) throws IOException {
        return codec.read(Channels.newChannel(new ByteArrayInputStream(wire)));
    }

    private Message roundTrip(Message m) throws IOException {
        FrameCodec.Frame frame = read(wire(codec.encode(42, m)));
        assertEquals(42, frame.id());
        return frame.message();
    }

    private static ByteBuffer value(int size, int seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }

    @Test
    void everyMessageRoundTrips() throws IOException {
        assertEquals(new Message.Hello(1, "asd-7"), roundTrip(new Message.Hello(1, "asd-7")));
        assertEquals(new Message.Welcome(1, "asd-7", "node-é", 65536), roundTrip(new Message.Welcome(1, "asd-7",
                "node-é", 65536)));
        assertEquals(new Message.Refused("wrong disk"), roundTrip(new Message.Refused("wrong disk")));
        List<Bytes> keys = List.of(Bytes.utf8("a"), Bytes.EMPTY, Bytes.of(new byte[Limits.MAX_KEY]));
        assertEquals(new Message.Get(keys), roundTrip(new Message.Get(keys)));
        List<Osd.Slice> slices = List.of(new Osd.Slice(Bytes.utf8("f"), 1L << 40, 4096));
        assertEquals(new Message.GetSlices(slices), roundTrip(new Message.GetSlices(slices)));
        Message.Range bounded = new Message.Range(new KeyRange(Bytes.utf8("a"), Bytes.utf8("b")), 10, true);
        assertEquals(bounded, roundTrip(bounded));
        Message.Range open = new Message.Range(KeyRange.all(), 0, false);
        assertEquals(open, roundTrip(open));
        assertInstanceOf(Message.GetDiskUsage.class, roundTrip(new Message.GetDiskUsage()));
        assertInstanceOf(Message.GetStatistics.class, roundTrip(new Message.GetStatistics()));
        assertInstanceOf(Message.Applied.class, roundTrip(new Message.Applied()));
        assertEquals(new Message.AssertFailed(3, Bytes.utf8("k")), roundTrip(new Message.AssertFailed(3,
                Bytes.utf8("k"))));
        assertEquals(new Message.Usage(new DiskUsage(5, 10)), roundTrip(new Message.Usage(new DiskUsage(5, 10))));
        OsdStatistics stats = new OsdStatistics(Map.of("apply", new OsdStatistics.Operation(7, 700, 1.5, 9.25)));
        assertEquals(new Message.Statistics(stats), roundTrip(new Message.Statistics(stats)));
        for (Message.Failure.Kind kind : Message.Failure.Kind.values()) {
            assertEquals(new Message.Failure(kind, "why"), roundTrip(new Message.Failure(kind, "why")));
        }
        List<Entry> entries = List.of(new Entry(Bytes.utf8("a"), Bytes.utf8("1")), new Entry(Bytes.utf8("b"), null));
        assertEquals(new Message.Entries(entries, true), roundTrip(new Message.Entries(entries, true)));
    }

    @Test
    void appliesAndValuesCarryTheirBytesExactly() throws IOException {
        ByteBuffer small = value(100, 1);
        ByteBuffer large = value(3 << 20, 2);
        Message.Apply apply = new Message.Apply(
                List.of(Assert.absent(Bytes.utf8("new")), Assert.value(Bytes.utf8("old"), small)),
                List.of(Update.set(Bytes.utf8("big"), large), Update.delete(Bytes.utf8("gone")),
                        Update.set(Bytes.utf8("empty"), ByteBuffer.allocate(0))));
        Message.Apply back = (Message.Apply) roundTrip(apply);
        assertTrue(back.asserts().get(0).requiresAbsent());
        assertEquals(small, back.asserts().get(1).expected());
        assertEquals(large, back.updates().get(0).value());
        assertTrue(back.updates().get(1).isDelete());
        assertEquals(0, back.updates().get(2).length());

        Message.Values values = new Message.Values(List.of(Optional.of(large), Optional.empty(), Optional.of(small)));
        Message.Values valuesBack = (Message.Values) roundTrip(values);
        assertEquals(values.values(), valuesBack.values());
    }

    @Test
    void largeValuesAreWrittenFromTheirOwnBuffers() {
        ByteBuffer large = ByteBuffer.allocateDirect(1 << 20);
        ByteBuffer[] frame = codec.encode(1, new Message.Values(List.of(Optional.of(large))));
        assertTrue(Arrays.stream(frame).anyMatch(b -> b.isDirect() && b.remaining() == 1 << 20),
                "the value is a view of the caller's buffer, not a copy");
        assertEquals(0, large.position(), "the caller's buffer does not move");
    }

    /** A channel that hands out at most a few random bytes per read, as a socket may. */
    private static ReadableByteChannel trickle(byte[] wire, int seed) {
        Random random = new Random(seed);
        ReadableByteChannel in = Channels.newChannel(new ByteArrayInputStream(wire));
        return new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                int n = Math.min(dst.remaining(), 1 + random.nextInt(random.nextBoolean() ? 16 : 9000));
                ByteBuffer part = dst.slice(dst.position(), n);
                int got = in.read(part);
                if (got > 0) {
                    dst.position(dst.position() + got);
                }
                return got;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * The buffered reader: pipelined frames smaller than, as large as and larger than its buffer, arriving in pieces of
     * any size, come out whole and in order; then a clean end; an end inside a frame and a frame over the limit fail as
     * with {@link FrameCodec#read}.
     */
    @Test
    void theBufferedReaderSplitsPipelinedFramesArrivingInAnyPieces() throws IOException {
        int b = io.albireo.framing.FrameReader.BUFFER;
        int[] sizes = {0, 1, 100, 4096, b - 40, b - 39, b - 38, b, b + 1, 3 * b + 7, 1 << 20, 5};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Message> sent = new java.util.ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            Message m = new Message.Values(List.of(Optional.of(value(sizes[i], i)), Optional.empty()));
            sent.add(m);
            out.writeBytes(wire(codec.encode(i, m)));
        }
        for (int seed = 0; seed < 20; seed++) {
            FrameCodec.Reader reader = codec.reader(trickle(out.toByteArray(), seed));
            for (int i = 0; i < sizes.length; i++) {
                FrameCodec.Frame f = reader.read();
                assertEquals(i, f.id());
                assertEquals(sent.get(i), f.message(), "frame " + i + " of " + sizes[i] + " value bytes");
            }
            assertNull(reader.read(), "a clean end after the last frame");
        }
        byte[] wire = wire(codec.encode(1, new Message.Get(List.of(Bytes.utf8("abc")))));
        assertThrows(EOFException.class, () -> codec.reader(trickle(Arrays.copyOf(wire, wire.length - 1), 1)).read());
        assertThrows(EOFException.class, () -> codec.reader(trickle(Arrays.copyOf(wire, 2), 1)).read());
        byte[] header = ByteBuffer.allocate(4).putInt(Limits.MIN_MAX_FRAME + 1).array();
        assertEquals("a frame of 65537 bytes: frames are 9 to 65536 bytes", assertThrows(OsdProtocolException.class,
                () -> new FrameCodec(new Limits(Limits.MIN_MAX_FRAME)).reader(trickle(header, 1)).read())
                .getMessage());
    }

    @Test
    void aCleanEndBeforeAFrameIsNotAnError() throws IOException {
        assertNull(read(new byte[0]));
    }

    @Test
    void anEndInsideAFrameIs() {
        byte[] wire = wire(codec.encode(1, new Message.Get(List.of(Bytes.utf8("abc")))));
        assertThrows(EOFException.class, () -> read(Arrays.copyOf(wire, wire.length - 1)));
        assertThrows(EOFException.class, () -> read(Arrays.copyOf(wire, 2)));
    }

    @Test
    void framesOverTheLimitAreRefusedBeforeTheyAreRead() {
        FrameCodec small = new FrameCodec(new Limits(Limits.MIN_MAX_FRAME));
        byte[] header = ByteBuffer.allocate(4).putInt(Limits.MIN_MAX_FRAME + 1).array();
        OsdProtocolException e = assertThrows(OsdProtocolException.class,
                () -> small.read(Channels.newChannel(new ByteArrayInputStream(header))));
        assertEquals("a frame of 65537 bytes: frames are 9 to 65536 bytes", e.getMessage());
        byte[] negative = ByteBuffer.allocate(4).putInt(-1).array();
        assertTrue(assertThrows(OsdProtocolException.class, () -> read(negative)).getMessage()
                .startsWith("a frame of 4294967295 bytes"));
        assertThrows(IllegalArgumentException.class,
                () -> small.encode(1, new Message.Values(List.of(Optional.of(ByteBuffer.allocate(70_000))))));
    }

    @Test
    void malformedFramesAreRefusedWithAReason() {
        assertRefused("unknown frame type 0x77", frame(0x77, new byte[0]));
        assertRefused("3 bytes left over after a applied frame", frame(FrameCodec.APPLIED, new byte[3]));
        assertRefused("a get frame ends before its fields do", frame(FrameCodec.GET, new byte[] {0, 0, 0, 1, 0}));
        assertRefused("a count of 4294967295 is over the limit of 100000",
                frame(FrameCodec.GET, new byte[] {-1, -1, -1, -1}));
        assertRefused("a key of 5000 bytes is over the limit of 4096",
                frame(FrameCodec.GET, ByteBuffer.allocate(6).putInt(1).putShort((short) 5000).array()));
        assertRefused("a flag byte holds 7, not 0 or 1",
                frame(FrameCodec.VALUES, ByteBuffer.allocate(5).putInt(1).put((byte) 7).array()));
        assertRefused("a value of 1000 bytes, with 0 left in the frame",
                frame(FrameCodec.VALUES, ByteBuffer.allocate(9).putInt(1).put((byte) 1).putInt(1000).array()));
        assertRefused("a string is not valid UTF-8",
                frame(FrameCodec.REFUSED, ByteBuffer.allocate(4).putShort((short) 2).put((byte) 0xc3)
                        .put((byte) 0x28).array()));
        assertRefused("not an ASD client: the hello does not start with ALBIREO-ASD",
                frame(FrameCodec.HELLO, "HTTP/1.1 GET /".getBytes(StandardCharsets.US_ASCII)));
        assertRefused("unknown failure code 9", frame(FrameCodec.FAILURE, new byte[] {9, 0, 0}));
        assertRefused("a range frame is invalid: range end 61 is before its start 62",
                frame(FrameCodec.RANGE, ByteBuffer.allocate(16).putShort((short) 1).put((byte) 'b').put((byte) 1)
                        .putShort((short) 1).put((byte) 'a').putInt(1).put((byte) 0).array()));
    }

    @Test
    void decodedValuesAreViewsOfTheFrame() throws IOException {
        ByteBuffer large = value(10_000, 3);
        Message.Values back = (Message.Values) roundTrip(new Message.Values(List.of(Optional.of(large))));
        ByteBuffer view = back.values().get(0).orElseThrow();
        assertTrue(view.hasArray());
        assertTrue(view.arrayOffset() > 0 && view.array().length > view.remaining(),
                "a view into the frame's array (after its head), not a copy of the value");
        assertEquals(large, view);
    }

    private void assertRefused(String reason, byte[] wire) {
        OsdProtocolException e = assertThrows(OsdProtocolException.class, () -> read(wire));
        assertEquals(reason, e.getMessage());
    }

    private static byte[] frame(int type, byte[] body) {
        return ByteBuffer.allocate(4 + 1 + 8 + body.length).putInt(1 + 8 + body.length).put((byte) type).putLong(5)
                .put(body).array();
    }
}
