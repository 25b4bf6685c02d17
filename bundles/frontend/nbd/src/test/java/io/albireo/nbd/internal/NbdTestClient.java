package io.albireo.nbd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A minimal NBD client for what no real client does: requests out of range or malformed, and a connection that only
 * holds an export open (so that a crash test crashes a vDisk that is open, not one its last client closed cleanly).
 */
final class NbdTestClient implements AutoCloseable {

    record Reply(int errno, byte[] data) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private long handles;

    NbdTestClient(InetSocketAddress address) throws IOException {
        socket = new Socket(address.getAddress(), address.getPort());
        socket.setSoTimeout(30_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        assertEquals(Nbd.NBDMAGIC, in.readLong());
        assertEquals(Nbd.IHAVEOPT, in.readLong());
        in.readShort();
        send(ByteBuffer.allocate(4).putInt(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES).array());
    }

    /** @return the type of the option's last reply (ACK or an error) */
    int option(int option, byte[] data) throws IOException {
        send(ByteBuffer.allocate(16 + data.length).putLong(Nbd.IHAVEOPT).putInt(option).putInt(data.length)
                .put(data).array());
        for (;;) {
            assertEquals(Nbd.OPTION_REPLY_MAGIC, in.readLong());
            assertEquals(option, in.readInt());
            int type = in.readInt();
            in.readFully(new byte[in.readInt()]);
            if (type != Nbd.REP_INFO && type != Nbd.REP_SERVER && type != Nbd.REP_META_CONTEXT) {
                return type;
            }
        }
    }

    void go(String name) throws IOException {
        assertEquals(Nbd.REP_ACK, option(Nbd.OPT_GO, goData(name)));
    }

    Reply request(int flags, int type, long offset, int length, byte[] payload) throws IOException {
        long handle = ++handles;
        ByteBuffer b = ByteBuffer.allocate(28 + (payload == null ? 0 : payload.length)).putInt(Nbd.REQUEST_MAGIC)
                .putShort((short) flags).putShort((short) type).putLong(handle).putLong(offset).putInt(length);
        if (payload != null) {
            b.put(payload);
        }
        send(b.array());
        assertEquals(Nbd.SIMPLE_REPLY_MAGIC, in.readInt());
        int errno = in.readInt();
        assertEquals(handle, in.readLong());
        byte[] data = new byte[errno == 0 && type == Nbd.CMD_READ ? length : 0];
        in.readFully(data);
        return new Reply(errno, data);
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    boolean closedByServer() {
        try {
            InputStream s = socket.getInputStream();
            return s.read() < 0;
        } catch (IOException e) {
            return true; // a reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** @return the data of an NBD_OPT_GO of {@code name} with no information requests */
    static byte[] goData(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(6 + n.length).putInt(n.length).put(n).putShort((short) 0).array();
    }
}
