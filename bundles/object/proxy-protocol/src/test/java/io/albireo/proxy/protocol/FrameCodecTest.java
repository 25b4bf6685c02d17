package io.albireo.proxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.codec.Digest;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectNotFoundException;
import io.albireo.api.object.ObjectStore.ObjectAssert;
import io.albireo.api.object.ObjectStore.ObjectChange;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;
import io.albireo.api.osd.OsdUnavailableException;

/** Every message through encode and read, and the typed failures there and back. */
class FrameCodecTest {
    private final FrameCodec codec = new FrameCodec(Limits.DEFAULT);

    private FrameCodec.Frame roundTrip(long id, Message m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer b : codec.encode(id, m)) {
            Channels.newChannel(out).write(b);
        }
        return codec.read(Channels.newChannel(new ByteArrayInputStream(out.toByteArray())));
    }

    @Test
    void everyMessageRoundTrips() throws IOException {
        Digest crc = Digest.ofLong("crc32c", 0x1234, 4);
        ObjectInfo info = new ObjectInfo("ns", "n", "id-1", 42, crc);
        ByteBuffer big = ByteBuffer.wrap(new byte[100_000]);
        List<Message> messages = List.of(new Message.Hello(1), new Message.Welcome(1, 1 << 20),
                new Message.Refused("no"), new Message.Data(big), new Message.CreateNamespace("ns", null),
                new Message.CreateNamespace("ns", "fast"), new Message.DeleteNamespace("ns"),
                new Message.ListNamespaces(), new Message.PutBegin("ns", "é", Overwrite.previous("v1")),
                new Message.PutEnd(true), new Message.Get("ns", "n"),
                new Message.Read(List.of(new ObjectRange("ns", "a", 1L << 40, 7), new ObjectRange("x", "b", 0, 0))),
                new Message.Delete("ns", "n"), new Message.Stat("ns", "n"),
                new Message.ListObjects("ns", "p", null, 10), new Message.ListObjects("ns", "", "a", 0),
                new Message.GetManifest("ns", "n"),
                new Message.Apply("ns", List.of(ObjectAssert.exists("a"), ObjectAssert.absent("b"),
                        ObjectAssert.hasId("c", "i"), ObjectAssert.hasChecksum("d", crc)),
                        List.of(new ObjectChange.Put("e", big, Overwrite.NONE),
                                new ObjectChange.Delete("f", Overwrite.EXISTING))),
                new Message.Done(), new Message.Names(List.of("a", "b"), true),
                new Message.Info(Optional.of(info)), new Message.Info(Optional.empty()),
                new Message.Infos(List.of(Optional.of(info), Optional.empty())), new Message.Flag(true),
                new Message.ManifestBytes(Optional.of(ByteBuffer.wrap(new byte[] {1, 2}))),
                new Message.Blobs(true, List.of(3L, 0L)), new Message.Blobs(false, List.of()),
                new Message.Failure(Message.Failure.Kind.ASSERT_FAILED, "assert 2", 2, Bytes.utf8("k")),
                new Message.Failure(Message.Failure.Kind.UNAVAILABLE, "later", 0, Bytes.EMPTY));
        long id = 1;
        for (Message m : messages) {
            FrameCodec.Frame f = roundTrip(id, m);
            assertEquals(id++, f.id());
            assertEquals(m, f.message(), m.getClass().getSimpleName());
        }
    }

    @Test
    void failuresMapToTheirExceptions() {
        AssertFailedException a = assertInstanceOf(AssertFailedException.class,
                Message.Failure.of(new AssertFailedException(3, Bytes.utf8("x"))).toException());
        assertEquals(3, a.index());
        assertInstanceOf(IllegalArgumentException.class, Message.Failure.of(new IllegalArgumentException("b"))
                .toException());
        assertInstanceOf(OsdUnavailableException.class, Message.Failure.of(new OsdUnavailableException("u"))
                .toException());
        assertInstanceOf(ObjectNotFoundException.class, Message.Failure.of(new ObjectNotFoundException("n"))
                .toException());
        assertEquals(Message.Failure.Kind.FAILED, Message.Failure.of(new IllegalStateException("s")).kind());
    }

    @Test
    void boundsAreCheckedBeforeAnythingIsSent() {
        String long4097 = "x".repeat(4097);
        assertThrows(IllegalArgumentException.class, () -> codec.encode(1, new Message.Stat("ns", long4097)));
        FrameCodec small = new FrameCodec(new Limits(Limits.MIN_MAX_FRAME));
        assertThrows(IllegalArgumentException.class, () -> small.encode(1,
                new Message.Data(ByteBuffer.allocate(Limits.MIN_MAX_FRAME))));
    }

    @Test
    void malformedFramesAreRefused() {
        ProxyProtocolException e = assertThrows(ProxyProtocolException.class, () -> codec.read(Channels.newChannel(
                new ByteArrayInputStream(ByteBuffer.allocate(4).putInt(0, Integer.MAX_VALUE).array()))));
        assertTrue(e.getMessage().contains("frames are"), e.getMessage());
        ByteBuffer badUtf8 = ByteBuffer.allocate(4);
        badUtf8.putShort((short) 2).put((byte) 0xc3).put((byte) 0x28).flip();
        assertThrows(ProxyProtocolException.class, () -> codec.decode(0x11, badUtf8));
        ByteBuffer notHello = ByteBuffer.wrap("ALBIREO-ASD\0\0\0\1".getBytes(StandardCharsets.US_ASCII));
        assertThrows(ProxyProtocolException.class, () -> codec.decode(0x01, notHello));
        ByteBuffer badFlag = ByteBuffer.wrap(new byte[] {2});
        assertThrows(ProxyProtocolException.class, () -> codec.decode(0x14, badFlag));
    }
}
