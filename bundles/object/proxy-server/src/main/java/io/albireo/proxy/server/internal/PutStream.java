package io.albireo.proxy.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The bytes of one streamed put, as the store reads them: the connection's reader feeds DATA frames in, the store's
 * put reads them out on a worker thread. At most {@link #DEPTH} frames wait, so a slow store slows its client down
 * instead of filling the server's memory. If the put is aborted (by the client or a lost connection) every read
 * throws, so the store fails the put and stores nothing.
 */
final class PutStream extends InputStream {
    static final int DEPTH = 4;

    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private boolean ended;
    private String abortReason;
    private boolean finished;
    private long received;

    /** Adds a DATA frame; waits while the queue is full, and drops the data if the store is done reading. */
    synchronized void feed(ByteBuffer data) throws InterruptedException {
        received += data.remaining();
        while (queue.size() >= DEPTH && !finished) {
            wait();
        }
        if (!finished && data.hasRemaining()) {
            queue.add(data);
            notifyAll();
        }
    }

    /** The client's PUT_END: the object ends here, or the put is given up. */
    synchronized void end(String abortReason) {
        ended = true;
        if (abortReason != null && this.abortReason == null) {
            this.abortReason = abortReason;
        }
        notifyAll();
    }

    /** The store's put returned or failed: nothing more is read, later data is dropped. */
    synchronized void finish() {
        finished = true;
        queue.clear();
        notifyAll();
    }

    synchronized long received() {
        return received;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (queue.isEmpty() && !ended && abortReason == null) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the object's bytes");
            }
        }
        if (abortReason != null) {
            throw new IOException("put aborted: " + abortReason);
        }
        ByteBuffer head = queue.peek();
        if (head == null) {
            return -1;
        }
        int n = Math.min(len, head.remaining());
        head.get(b, off, n);
        if (!head.hasRemaining()) {
            queue.poll();
            notifyAll();
        }
        return n;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int available() {
        int n = 0;
        for (ByteBuffer b : queue) {
            n += b.remaining();
        }
        return n;
    }
}
