package io.albireo.nbd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.volume.VDisk;
import io.albireo.api.volume.VPoolConfig;
import io.albireo.testing.fuzz.FrameFuzzer;
import io.albireo.volumedriver.internal.VolumeStack;

/**
 * The NBD server under mutated negotiations and mutated requests on real connections, for a bounded time each
 * ({@code -Dalbireo.fuzz.seconds}): it never stops serving, leaves no connection behind, and never changes a vDisk no
 * template names (the vDisk "kept", written before and read back after, byte for byte).
 */
class NbdServerFuzzTest {
    private static final long SIZE = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void mutatedNegotiationsAndRequestsNeitherStopTheServerNorTouchWhatTheyDidNotName() throws Exception {
        try (VolumeStack stack = new VolumeStack(dir)) {
            stack.volumes().createVPool(VPoolConfig.of("pool").withScoSize(1 << 20).withWriteBuffer(null, 16L << 20));
            stack.volumes().createVDisk("pool", "disk", SIZE);
            stack.volumes().createVDisk("pool", "kept", 8L << 20);
            byte[] kept = new byte[8 << 20];
            new Random(5).nextBytes(kept);
            try (VDisk k = stack.volumes().open("kept")) {
                k.write(0, ByteBuffer.wrap(kept), true).join();
            }
            NbdServer server = new NbdServer(stack.volumes(), new InetSocketAddress("127.0.0.1", 0), 16,
                    new NbdConnection.Limits(64 << 10, 1 << 20, 32, 8L << 20));
            try {
                FrameFuzzer negotiation = new FrameFuzzer("NBD negotiation", 8);
                negotiation.sendAll(server.address(), clientFlags(), options());
                FrameFuzzer transmission = new FrameFuzzer("NBD transmission", 12);
                transmission.sendAll(server.address(), concat(clientFlags(), concat(options().get(0),
                        concat(options().get(4), options().get(2)))), requests());
                System.out.println("NBD: " + negotiation.cases() + " + " + transmission.cases()
                        + " connections of mutated negotiations and requests");
                assertTrue(negotiation.cases() > 10 && transmission.cases() > 10, "the fuzzers ran");

                long deadline = System.nanoTime() + 120_000_000_000L;
                while (!server.connections().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(List.of(), server.connections(), "every connection is gone");
                try (NbdTestClient c = new NbdTestClient(server.address())) {
                    c.go("kept");
                    for (int at = 0; at < kept.length; at += 1 << 20) {
                        NbdTestClient.Reply r = c.request(0, Nbd.CMD_READ, at, 1 << 20, null);
                        assertEquals(0, r.errno());
                        assertEquals(ByteBuffer.wrap(kept, at, 1 << 20), ByteBuffer.wrap(r.data()),
                                "the vDisk no template names is untouched at " + at);
                    }
                }
                try (NbdTestClient c = new NbdTestClient(server.address())) {
                    c.go("disk");
                    assertEquals(0, c.request(0, Nbd.CMD_WRITE, 0, 4096, new byte[4096]).errno(), "it still serves");
                }
            } finally {
                server.close();
            }
        }
    }

    private static byte[] clientFlags() {
        return ByteBuffer.allocate(4).putInt(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES).array();
    }

    /** Every option the server speaks, for the export "disk". */
    private static List<byte[]> options() {
        byte[] name = "disk".getBytes(StandardCharsets.US_ASCII);
        byte[] context = Nbd.BASE_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer meta = ByteBuffer.allocate(4 + name.length + 4 + 4 + context.length).putInt(name.length).put(name)
                .putInt(1).putInt(context.length).put(context);
        ByteBuffer info = ByteBuffer.allocate(4 + name.length + 2 + 4).putInt(name.length).put(name).putShort((short) 2)
                .putShort((short) Nbd.INFO_NAME).putShort((short) Nbd.INFO_BLOCK_SIZE);
        List<byte[]> options = new ArrayList<>();
        options.add(option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]));
        options.add(option(Nbd.OPT_LIST, new byte[0]));
        options.add(option(Nbd.OPT_GO, info.array()));
        options.add(option(Nbd.OPT_INFO, info.array()));
        options.add(option(Nbd.OPT_SET_META_CONTEXT, meta.array()));
        options.add(option(Nbd.OPT_LIST_META_CONTEXT, meta.array()));
        options.add(option(Nbd.OPT_EXPORT_NAME, name));
        options.add(option(Nbd.OPT_STARTTLS, new byte[0]));
        options.add(option(Nbd.OPT_ABORT, new byte[0]));
        return options;
    }

    private static byte[] option(int option, byte[] data) {
        return ByteBuffer.allocate(16 + data.length).putLong(Nbd.IHAVEOPT).putInt(option).putInt(data.length)
                .put(data).array();
    }

    /** Every command, on "disk". */
    private static List<byte[]> requests() {
        List<byte[]> r = new ArrayList<>();
        r.add(request(0, Nbd.CMD_READ, 1 << 20, 8192, null));
        r.add(request(Nbd.CMD_FLAG_FUA, Nbd.CMD_WRITE, 2 << 20, 4096, new byte[4096]));
        r.add(request(0, Nbd.CMD_WRITE, (3 << 20) + 100, 700, new byte[700]));
        r.add(request(0, Nbd.CMD_FLUSH, 0, 0, null));
        r.add(request(0, Nbd.CMD_TRIM, 4 << 20, 65536, null));
        r.add(request(Nbd.CMD_FLAG_FAST_ZERO, Nbd.CMD_WRITE_ZEROES, 5 << 20, 10000, null));
        r.add(request(Nbd.CMD_FLAG_REQ_ONE, Nbd.CMD_BLOCK_STATUS, 0, 8 << 20, null));
        r.add(request(0, Nbd.CMD_DISC, 0, 0, null));
        return r;
    }

    private static byte[] request(int flags, int type, long offset, int length, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(28 + (payload == null ? 0 : payload.length)).putInt(Nbd.REQUEST_MAGIC)
                .putShort((short) flags).putShort((short) type).putLong(7).putLong(offset).putInt(length);
        if (payload != null) {
            b.put(payload);
        }
        return b.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.write(a);
            out.write(b);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
