package io.albireo.nbd.internal;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.StorageException;
import io.albireo.api.osd.OsdFullException;
import io.albireo.api.volume.VDisk;
import io.albireo.api.volume.VDiskInfo;
import io.albireo.api.volume.VolumeException;
import io.albireo.api.volume.VolumeService;

/**
 * One NBD client: the fixed newstyle handshake, then the transmission phase, on a blocking socket read by this
 * connection's thread. Requests go to the vDisk at once, without waiting for earlier ones (a client keeps many in
 * flight, up to the bounds), and replies are written by whichever thread completes them, one whole reply at a time.
 *
 * <p>Bounds: an option's data at most {@link Limits#maxOption}; a request's payload (a write's data, a read's length)
 * at most {@link Limits#maxPayload}, announced as the maximum block size; at most {@link Limits#maxRequests}
 * requests and {@link Limits#maxBytesInFlight} bytes in flight, past which the connection stops reading. A request
 * that is well-formed but wrong (out of range, an unknown flag) gets an error reply and the connection stays; one that
 * cannot be read past (a bad magic, a write longer than the bound) closes the connection before anything of it is
 * done.
 */
final class NbdConnection implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(NbdConnection.class);
    /** The transmission flags this server offers. */
    static final int TRANSMISSION_FLAGS = Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA
            | Nbd.FLAG_SEND_TRIM | Nbd.FLAG_SEND_WRITE_ZEROES | Nbd.FLAG_SEND_DF | Nbd.FLAG_CAN_MULTI_CONN
            | Nbd.FLAG_SEND_FAST_ZERO;
    private static final int META_CONTEXT_ID = 1;
    private static final int KNOWN_COMMAND_FLAGS = Nbd.CMD_FLAG_FUA | Nbd.CMD_FLAG_NO_HOLE | Nbd.CMD_FLAG_DF
            | Nbd.CMD_FLAG_REQ_ONE | Nbd.CMD_FLAG_FAST_ZERO;

    /**
     * What one connection may hold.
     *
     * @param maxOption the most bytes of an option's data
     * @param maxPayload the most bytes of a read or write (the maximum block size announced)
     * @param maxRequests the most requests in flight
     * @param maxBytesInFlight the most bytes of writes and reads in flight
     */
    record Limits(int maxOption, int maxPayload, int maxRequests, long maxBytesInFlight) {
        static final Limits DEFAULT = new Limits(64 << 10, 32 << 20, 128, 128L << 20);
    }

    /** Closes the connection: the stream cannot be read on. */
    private static final class ProtocolError extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolError(String message) {
            super(message);
        }
    }

    private final SocketChannel channel;
    private final VolumeService volumes;
    private final Limits limits;
    private final Runnable onClose;
    private final DataInputStream in;
    private final String peer;
    private final Semaphore requests;
    private final Semaphore bytes;
    private final AtomicLong served = new AtomicLong();
    private volatile VDisk disk;
    private boolean structured;
    private boolean allocationContext;
    private boolean noZeroes;
    private volatile boolean closed;

    NbdConnection(SocketChannel channel, VolumeService volumes, Limits limits, Runnable onClose) throws IOException {
        this.channel = channel;
        this.volumes = volumes;
        this.limits = limits;
        this.onClose = onClose;
        this.peer = String.valueOf(channel.getRemoteAddress());
        this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 256 << 10));
        this.requests = new Semaphore(limits.maxRequests());
        this.bytes = new Semaphore((int) Math.min(Integer.MAX_VALUE, limits.maxBytesInFlight()));
    }

    /** @return the client's address */
    String peer() {
        return peer;
    }

    /** @return the vDisk it transmits to, or empty during the handshake */
    Optional<String> export() {
        VDisk d = disk;
        return d == null ? Optional.empty() : Optional.of(d.name());
    }

    /** @return the requests answered so far */
    long served() {
        return served.get();
    }

    @Override
    public void run() {
        try {
            if (handshake()) {
                transmission();
            }
        } catch (EOFException e) {
            LOG.debug("NBD {}: the client went away", peer);
        } catch (ProtocolError e) {
            LOG.warn("NBD {}: {}; closing the connection", peer, e.getMessage());
        } catch (IOException e) {
            if (!closed) {
                LOG.info("NBD {}: {}", peer, e.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close();
        }
    }

    /** Ends the connection: waits for the requests in flight, then closes the vDisk's handle (which flushes). */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // Requests in flight finish (their writes acknowledged or not) before the handle goes.
            if (requests.tryAcquire(limits.maxRequests(), 60, TimeUnit.SECONDS)) {
                requests.release(limits.maxRequests());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("NBD {}: close failed", peer, e);
        }
        VDisk d = disk;
        if (d != null) {
            d.close();
        }
        onClose.run();
    }

    // ---- handshake ---------------------------------------------------------------------------------------------------

    /** @return whether the client chose an export and transmission begins */
    private boolean handshake() throws IOException {
        write(ByteBuffer.allocate(18).putLong(Nbd.NBDMAGIC).putLong(Nbd.IHAVEOPT)
                .putShort((short) (Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES)).flip());
        int clientFlags = in.readInt();
        if ((clientFlags & ~(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES)) != 0) {
            throw new ProtocolError("unknown client flags 0x" + Integer.toHexString(clientFlags));
        }
        noZeroes = (clientFlags & Nbd.FLAG_C_NO_ZEROES) != 0;
        for (;;) {
            long magic = in.readLong();
            if (magic != Nbd.IHAVEOPT) {
                throw new ProtocolError("an option without the IHAVEOPT magic");
            }
            int option = in.readInt();
            int length = in.readInt();
            if (length < 0 || length > limits.maxOption()) {
                throw new ProtocolError("option " + option + " has " + Integer.toUnsignedString(length)
                        + " bytes of data; at most " + limits.maxOption() + " are read");
            }
            byte[] data = new byte[length];
            in.readFully(data);
            ByteBuffer d = ByteBuffer.wrap(data);
            switch (option) {
                case Nbd.OPT_EXPORT_NAME -> {
                    String name = utf8(data);
                    VDisk opened = openOrNull(name);
                    if (opened == null) {
                        throw new ProtocolError("NBD_OPT_EXPORT_NAME of '" + printable(name) + "', which cannot be opened");
                    }
                    disk = opened;
                    ByteBuffer b = ByteBuffer.allocate(10 + (noZeroes ? 0 : 124)).putLong(opened.size())
                            .putShort((short) TRANSMISSION_FLAGS);
                    write(b.position(b.capacity()).flip());
                    return true;
                }
                case Nbd.OPT_ABORT -> {
                    reply(option, Nbd.REP_ACK, ByteBuffer.allocate(0));
                    return false;
                }
                case Nbd.OPT_LIST -> {
                    if (length != 0) {
                        error(option, Nbd.REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
                        continue;
                    }
                    for (VDiskInfo v : volumes.listVDisks()) {
                        byte[] n = v.name().getBytes(StandardCharsets.UTF_8);
                        reply(option, Nbd.REP_SERVER, ByteBuffer.allocate(4 + n.length).putInt(n.length).put(n)
                                .flip());
                    }
                    reply(option, Nbd.REP_ACK, ByteBuffer.allocate(0));
                }
                case Nbd.OPT_INFO, Nbd.OPT_GO -> {
                    if (info(option, d)) {
                        return true;
                    }
                }
                case Nbd.OPT_STRUCTURED_REPLY -> {
                    if (length != 0) {
                        error(option, Nbd.REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data");
                    } else {
                        structured = true;
                        reply(option, Nbd.REP_ACK, ByteBuffer.allocate(0));
                    }
                }
                case Nbd.OPT_LIST_META_CONTEXT, Nbd.OPT_SET_META_CONTEXT -> metaContext(option, d);
                case Nbd.OPT_STARTTLS -> error(option, Nbd.REP_ERR_UNSUP, "this server does not speak TLS; it "
                        + "serves loopback unless configured otherwise");
                default -> error(option, Nbd.REP_ERR_UNSUP, "option " + option + " is not supported");
            }
        }
    }

    /** NBD_OPT_INFO and NBD_OPT_GO. @return whether transmission begins (a GO that opened the vDisk) */
    private boolean info(int option, ByteBuffer d) throws IOException {
        String name;
        List<Integer> wanted = new ArrayList<>();
        try {
            int n = d.getInt();
            if (n < 0 || n > d.remaining()) {
                error(option, Nbd.REP_ERR_INVALID, "the export name's length is past the option's data");
                return false;
            }
            byte[] nameBytes = new byte[n];
            d.get(nameBytes);
            name = utf8(nameBytes);
            int count = d.getShort() & 0xffff;
            if (d.remaining() != 2 * count) {
                error(option, Nbd.REP_ERR_INVALID, "the information requests do not fill the option's data");
                return false;
            }
            for (int i = 0; i < count; i++) {
                wanted.add(d.getShort() & 0xffff);
            }
        } catch (java.nio.BufferUnderflowException | CharacterCodingException e) {
            error(option, Nbd.REP_ERR_INVALID, "a malformed " + (option == Nbd.OPT_GO ? "NBD_OPT_GO" : "NBD_OPT_INFO"));
            return false;
        }
        Optional<VDiskInfo> info = validName(name) ? volumes.vDisk(name) : Optional.empty();
        if (info.isEmpty()) {
            error(option, Nbd.REP_ERR_UNKNOWN, name.isEmpty() ? "name a vDisk: this server has no default export"
                    : "no vDisk " + printable(name));
            return false;
        }
        VDisk opened = null;
        long size = info.get().size();
        if (option == Nbd.OPT_GO) {
            try {
                opened = volumes.open(name);
                size = opened.size();
            } catch (StorageException e) {
                error(option, Nbd.REP_ERR_POLICY, e.getMessage());
                return false;
            }
        }
        reply(option, Nbd.REP_INFO, ByteBuffer.allocate(12).putShort((short) Nbd.INFO_EXPORT).putLong(size)
                .putShort((short) TRANSMISSION_FLAGS).flip());
        // The block sizes always: 1 byte works (at a read-modify-write's cost), a cluster is preferred.
        reply(option, Nbd.REP_INFO, ByteBuffer.allocate(14).putShort((short) Nbd.INFO_BLOCK_SIZE).putInt(1)
                .putInt(info.get().clusterSize()).putInt(limits.maxPayload()).flip());
        if (wanted.contains(Nbd.INFO_NAME)) {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            reply(option, Nbd.REP_INFO, ByteBuffer.allocate(2 + n.length).putShort((short) Nbd.INFO_NAME).put(n).flip());
        }
        if (wanted.contains(Nbd.INFO_DESCRIPTION)) {
            byte[] n = ("vDisk " + name + " of vPool " + info.get().vPool()).getBytes(StandardCharsets.UTF_8);
            reply(option, Nbd.REP_INFO, ByteBuffer.allocate(2 + n.length).putShort((short) Nbd.INFO_DESCRIPTION)
                    .put(n).flip());
        }
        reply(option, Nbd.REP_ACK, ByteBuffer.allocate(0));
        if (opened != null) {
            disk = opened;
            return true;
        }
        return false;
    }

    /** NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT: base:allocation is the one context. */
    private void metaContext(int option, ByteBuffer d) throws IOException {
        boolean set = option == Nbd.OPT_SET_META_CONTEXT;
        if (set && !structured) {
            error(option, Nbd.REP_ERR_INVALID, "NBD_OPT_SET_META_CONTEXT needs structured replies first");
            return;
        }
        List<String> queries = new ArrayList<>();
        String export;
        try {
            int n = d.getInt();
            if (n < 0 || n > d.remaining()) {
                error(option, Nbd.REP_ERR_INVALID, "the export name's length is past the option's data");
                return;
            }
            byte[] name = new byte[n];
            d.get(name);
            export = utf8(name);
            int count = d.getInt();
            for (int i = 0; i < count; i++) {
                int len = d.getInt();
                if (len < 0 || len > d.remaining()) {
                    error(option, Nbd.REP_ERR_INVALID, "a query's length is past the option's data");
                    return;
                }
                byte[] q = new byte[len];
                d.get(q);
                queries.add(utf8(q));
            }
            if (d.hasRemaining()) {
                error(option, Nbd.REP_ERR_INVALID, "bytes after the queries");
                return;
            }
        } catch (java.nio.BufferUnderflowException | CharacterCodingException e) {
            error(option, Nbd.REP_ERR_INVALID, "a malformed meta context option");
            return;
        }
        if (!validName(export) || volumes.vDisk(export).isEmpty()) {
            error(option, Nbd.REP_ERR_UNKNOWN, "no vDisk " + printable(export));
            return;
        }
        boolean allocation = set ? queries.contains(Nbd.BASE_ALLOCATION)
                : queries.isEmpty() || queries.contains(Nbd.BASE_ALLOCATION) || queries.contains("base:");
        if (allocation) {
            byte[] n = Nbd.BASE_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
            reply(option, Nbd.REP_META_CONTEXT, ByteBuffer.allocate(4 + n.length).putInt(set ? META_CONTEXT_ID : 0)
                    .put(n).flip());
        }
        if (set) {
            allocationContext = allocation;
        }
        reply(option, Nbd.REP_ACK, ByteBuffer.allocate(0));
    }

    private VDisk openOrNull(String name) {
        try {
            return validName(name) ? volumes.open(name) : null;
        } catch (StorageException e) {
            LOG.info("NBD {}: export {} not opened: {}", peer, printable(name), e.getMessage());
            return null;
        }
    }

    private void reply(int option, int type, ByteBuffer data) throws IOException {
        write(ByteBuffer.allocate(20).putLong(Nbd.OPTION_REPLY_MAGIC).putInt(option).putInt(type)
                .putInt(data.remaining()).flip(), data);
    }

    private void error(int option, int type, String message) throws IOException {
        reply(option, type, ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
    }

    // ---- transmission ------------------------------------------------------------------------------------------------

    private void transmission() throws IOException, InterruptedException {
        LOG.info("NBD {}: exporting vDisk {} ({} replies)", peer, disk.name(), structured ? "structured" : "simple");
        byte[] header = new byte[28];
        for (;;) {
            in.readFully(header);
            ByteBuffer h = ByteBuffer.wrap(header);
            if (h.getInt() != Nbd.REQUEST_MAGIC) {
                throw new ProtocolError("a request without the request magic");
            }
            int flags = h.getShort() & 0xffff;
            int type = h.getShort() & 0xffff;
            long handle = h.getLong();
            long offset = h.getLong();
            long length = h.getInt() & 0xffffffffL;
            if (type == Nbd.CMD_DISC) {
                return;
            }
            ByteBuffer payload = null;
            if (type == Nbd.CMD_WRITE) {
                if (length > limits.maxPayload()) {
                    throw new ProtocolError("a write of " + length + " bytes; the maximum block size is "
                            + limits.maxPayload());
                }
                payload = ByteBuffer.allocate((int) length);
                in.readFully(payload.array());
            }
            String invalid = check(type, flags, offset, length);
            if (invalid != null) {
                int errno = (type == Nbd.CMD_WRITE || type == Nbd.CMD_WRITE_ZEROES) && offset + length > disk.size()
                        && offset >= 0 && length <= limits.maxPayload() ? Nbd.ENOSPC
                        : length > limits.maxPayload() && type == Nbd.CMD_READ ? Nbd.EOVERFLOW : Nbd.EINVAL;
                LOG.debug("NBD {}: request {} refused: {}", peer, type, invalid);
                sendError(handle, errno, invalid);
                continue;
            }
            int cost = type == Nbd.CMD_READ || type == Nbd.CMD_WRITE ? (int) length : 0;
            requests.acquire();
            bytes.acquire(cost);
            CompletableFuture<?> work;
            try {
                work = dispatch(type, flags, handle, offset, length, payload);
            } catch (RuntimeException e) {
                work = CompletableFuture.failedFuture(e);
            }
            work.whenComplete((r, e) -> {
                try {
                    if (e != null) {
                        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                        sendError(handle, errno(cause), cause.getMessage() == null ? cause.toString()
                                : cause.getMessage());
                    }
                } catch (IOException io) {
                    LOG.debug("NBD {}: a reply was not sent: {}", peer, io.toString());
                } finally {
                    served.incrementAndGet();
                    bytes.release(cost);
                    requests.release();
                }
            });
        }
    }

    /** @return why a request is refused, or null if it is well within the rules */
    private String check(int type, int flags, long offset, long length) {
        if ((flags & ~KNOWN_COMMAND_FLAGS) != 0) {
            return "unknown command flags 0x" + Integer.toHexString(flags);
        }
        switch (type) {
            case Nbd.CMD_READ, Nbd.CMD_WRITE, Nbd.CMD_TRIM, Nbd.CMD_WRITE_ZEROES, Nbd.CMD_BLOCK_STATUS -> {
                if (offset < 0 || offset + length > disk.size() || offset + length < 0) {
                    return "bytes " + offset + " to " + (offset + length) + " are outside the export ("
                            + disk.size() + " bytes)";
                }
                if (type == Nbd.CMD_READ && length > limits.maxPayload()) {
                    return "a read of " + length + " bytes; the maximum block size is " + limits.maxPayload();
                }
                if (type == Nbd.CMD_BLOCK_STATUS && (!structured || !allocationContext)) {
                    return "NBD_CMD_BLOCK_STATUS needs structured replies and the base:allocation context";
                }
                if (type == Nbd.CMD_BLOCK_STATUS && length == 0) {
                    return "NBD_CMD_BLOCK_STATUS of no bytes";
                }
                return null;
            }
            case Nbd.CMD_FLUSH -> {
                return offset != 0 || length != 0 ? "NBD_CMD_FLUSH with an offset or a length" : null;
            }
            default -> {
                return "command " + type + " is not supported";
            }
        }
    }

    private CompletableFuture<?> dispatch(int type, int flags, long handle, long offset, long length,
            ByteBuffer payload) {
        boolean fua = (flags & Nbd.CMD_FLAG_FUA) != 0;
        VDisk d = disk;
        return switch (type) {
            case Nbd.CMD_READ -> d.read(offset, (int) length).thenAccept(data -> sendData(handle, offset, data));
            case Nbd.CMD_WRITE -> d.write(offset, payload, fua).thenRun(() -> sendDone(handle));
            case Nbd.CMD_FLUSH -> d.flush().thenRun(() -> sendDone(handle));
            case Nbd.CMD_TRIM -> d.trim(offset, length).thenCompose(x -> fua ? d.flush()
                    : CompletableFuture.completedFuture(null)).thenRun(() -> sendDone(handle));
            case Nbd.CMD_WRITE_ZEROES -> d.writeZeroes(offset, length, fua).thenRun(() -> sendDone(handle));
            case Nbd.CMD_BLOCK_STATUS -> d.allocation(offset, length)
                    .thenAccept(extents -> sendStatus(handle, extents, (flags & Nbd.CMD_FLAG_REQ_ONE) != 0));
            default -> CompletableFuture.failedFuture(new IllegalArgumentException("command " + type));
        };
    }

    private static int errno(Throwable e) {
        if (e instanceof IllegalArgumentException) {
            return Nbd.EINVAL;
        }
        if (e instanceof OsdFullException) {
            return Nbd.ENOSPC;
        }
        if (e instanceof VolumeException) {
            return Nbd.ESHUTDOWN;
        }
        return Nbd.EIO;
    }

    // ---- replies -----------------------------------------------------------------------------------------------------

    private void sendDone(long handle) {
        try {
            if (structured) {
                write(structuredHeader(Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_NONE, handle, 0).flip());
            } else {
                write(simpleHeader(0, handle));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void sendData(long handle, long offset, ByteBuffer data) {
        try {
            if (structured) {
                write(structuredHeader(Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_OFFSET_DATA, handle, 8 + data.remaining())
                        .putLong(offset).flip(), data);
            } else {
                write(simpleHeader(0, handle), data);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void sendStatus(long handle, List<VDisk.Extent> extents, boolean one) {
        List<long[]> descriptors = new ArrayList<>();
        for (VDisk.Extent e : extents) {
            int state = e.hole() ? Nbd.STATE_HOLE | Nbd.STATE_ZERO : 0;
            // A descriptor's length is a u32: long extents are told in pieces.
            for (long at = 0; at < e.length(); at += 1L << 31) {
                descriptors.add(new long[] {Math.min(1L << 31, e.length() - at), state});
            }
        }
        if (one || descriptors.size() > 1 << 16) {
            descriptors = descriptors.subList(0, one ? 1 : 1 << 16);
        }
        ByteBuffer b = structuredHeader(Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_BLOCK_STATUS, handle,
                4 + 8 * descriptors.size());
        ByteBuffer body = ByteBuffer.allocate(4 + 8 * descriptors.size()).putInt(META_CONTEXT_ID);
        for (long[] d : descriptors) {
            body.putInt((int) d[0]).putInt((int) d[1]);
        }
        try {
            write(b.flip(), body.flip());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void sendError(long handle, int errno, String message) throws IOException {
        if (structured) {
            byte[] m = message.getBytes(StandardCharsets.UTF_8);
            m = java.util.Arrays.copyOf(m, Math.min(m.length, 4096));
            write(structuredHeader(Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_ERROR, handle, 6 + m.length).putInt(errno)
                    .putShort((short) m.length).put(m).flip());
        } else {
            write(simpleHeader(errno, handle));
        }
    }

    private static ByteBuffer simpleHeader(int errno, long handle) {
        return ByteBuffer.allocate(16).putInt(Nbd.SIMPLE_REPLY_MAGIC).putInt(errno).putLong(handle).flip();
    }

    /** @return a structured reply's header, with room for 4096 bytes more (an error's message); not flipped */
    private static ByteBuffer structuredHeader(int flags, int type, long handle, int length) {
        return ByteBuffer.allocate(20 + (type == Nbd.REPLY_TYPE_ERROR ? length : type == Nbd.REPLY_TYPE_OFFSET_DATA
                ? 8 : 0)).putInt(Nbd.STRUCTURED_REPLY_MAGIC).putShort((short) flags).putShort((short) type)
                .putLong(handle).putInt(length);
    }

    /** Writes whole buffers, one reply at a time whichever thread sends it. */
    private synchronized void write(ByteBuffer... buffers) throws IOException {
        long left = 0;
        for (ByteBuffer b : buffers) {
            left += b.remaining();
        }
        while (left > 0) {
            left -= channel.write(buffers);
        }
    }

    /** @return whether a client's export name can be a vDisk's (anything else is no vDisk, never looked up) */
    private static boolean validName(String name) {
        try {
            io.albireo.api.volume.VPoolConfig.requireName(name, "vDisk");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** @return a client's string fit for a log line or a message: controls escaped, at most 100 characters */
    static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && out.length() < 100; i++) {
            char c = s.charAt(i);
            out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return s.length() > 100 ? out + "..." : out.toString();
    }

    private static String utf8(byte[] b) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
    }
}
