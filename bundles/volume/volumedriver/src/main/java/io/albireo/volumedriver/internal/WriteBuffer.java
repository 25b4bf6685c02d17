package io.albireo.volumedriver.internal;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A vPool's write buffer on local disk: the SCO files of its vDisks, bounded in bytes. An SCO being filled or not yet
 * on the backend must stay; one already on the backend (and checkpointed past) stays as a cache of its clusters until
 * the space is needed. When the buffer is full of SCOs the backend does not have yet, the writer that needs a new SCO
 * waits for an upload: writes slow down to the backend's pace, they never fail for it.
 */
final class WriteBuffer {
    /** An SCO file the buffer may drop once it is on the backend. */
    interface Evictable {
        /** @return the SCO's size in the buffer, in bytes */
        long bytes();

        /** @return when it was sealed, for oldest-first eviction */
        long sealedAt();

        /** @return whether the backend holds it and no replay needs its file */
        boolean evictable();

        /** Drops the local file; readers go to the backend from now on. */
        void evict();
    }

    private final Path directory;
    private final long capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private final Set<Evictable> cached = ConcurrentHashMap.newKeySet();
    /** Bytes reserved by SCO files, guarded by lock. */
    private long used;

    WriteBuffer(Path directory, long capacity) {
        this.directory = directory;
        this.capacity = capacity;
    }

    /** @return where the vDisks' files live */
    Path directory() {
        return directory;
    }

    /** @return its bound in bytes */
    long capacity() {
        return capacity;
    }

    /** @return the bytes its SCO files reserve */
    long used() {
        lock.lock();
        try {
            return used;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reserves room for a new SCO: evicts SCOs the backend holds, oldest first, and waits for uploads when none is
     * left to evict.
     *
     * @throws InterruptedException if interrupted while it waits
     */
    void reserve(long bytes) throws InterruptedException {
        lock.lock();
        try {
            while (used + bytes > capacity) {
                Evictable oldest = cached.stream().filter(Evictable::evictable)
                        .min(Comparator.comparingLong(Evictable::sealedAt)).orElse(null);
                if (oldest != null) {
                    cached.remove(oldest);
                    oldest.evict();
                    used -= oldest.bytes();
                } else {
                    freed.await(1, TimeUnit.SECONDS);
                }
            }
            used += bytes;
        } finally {
            lock.unlock();
        }
    }

    /** Counts an SCO found on disk at start, whatever the bound. */
    void adopt(long bytes) {
        lock.lock();
        try {
            used += bytes;
        } finally {
            lock.unlock();
        }
    }

    /** An SCO may be evicted once it says so: wakes writers that wait for room. */
    void evictableLater(Evictable sco) {
        cached.add(sco);
        lock.lock();
        try {
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Gives back an SCO's room (its vDisk was closed or deleted with it). */
    void release(Evictable sco) {
        cached.remove(sco);
        lock.lock();
        try {
            used -= sco.bytes();
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
