package io.albireo.proxy.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The bytes of one streamed put, as the store reads them: the connection's loop feeds DATA frames in without waiting,
 * the store's put reads them out on a put thread. Each frame is given back to the connection's bounds once it has been
 * read (or dropped), so a slow store slows its client down (the server stops reading the connection) instead of
 * filling the server's memory. If the put is aborted (by the client or a lost connection) every read throws, so the
 * store fails the put and stores nothing.
 */
final class PutStream extends InputStream {
    /** A DATA frame's bytes and what gives its bounds back. */
    private record Piece(ByteBuffer data, Runnable release) {
    }

    private final ArrayDeque<Piece> queue = new ArrayDeque<>();
    private boolean ended;
    private String abortReason;
    private boolean finished;
    private long received;

    /** Adds a DATA frame without waiting; {@code release} runs once its bytes are read or dropped. */
    void feed(ByteBuffer data, Runnable release) {
        boolean keep;
        synchronized (this) {
            received += data.remaining();
            keep = !finished && data.hasRemaining();
            if (keep) {
                queue.add(new Piece(data, release));
                notifyAll();
            }
        }
        if (!keep) {
            release.run();
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

    /** The store's put returned or failed: nothing more is read, what waits and later data are dropped. */
    void finish() {
        Piece[] dropped;
        synchronized (this) {
            finished = true;
            dropped = queue.toArray(Piece[]::new);
            queue.clear();
            notifyAll();
        }
        for (Piece p : dropped) {
            p.release().run();
        }
    }

    synchronized long received() {
        return received;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        Piece done = null;
        int n;
        synchronized (this) {
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
            Piece head = queue.peek();
            if (head == null) {
                return -1;
            }
            n = Math.min(len, head.data().remaining());
            head.data().get(b, off, n);
            if (!head.data().hasRemaining()) {
                done = queue.poll();
            }
        }
        if (done != null) {
            done.release().run();
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
        for (Piece p : queue) {
            n += p.data().remaining();
        }
        return n;
    }
}
