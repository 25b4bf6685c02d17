package io.albireo.object.layout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Fragments in memory: counts what it serves, and can fail or corrupt chosen fragments. */
final class MemorySource implements FragmentSource {
    private final List<ByteBuffer> fragments;
    private final Set<Integer> failing = ConcurrentHashMap.newKeySet();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();

    MemorySource(List<ByteBuffer> fragments) {
        this.fragments = new ArrayList<>(fragments);
    }

    /** Makes every read of {@code fragment} fail. */
    MemorySource fail(int fragment) {
        failing.add(fragment);
        return this;
    }

    /** Serves a copy of {@code fragment} with bit {@code bit} of byte {@code at} flipped. */
    MemorySource flip(int fragment, int at, int bit) {
        ByteBuffer copy = ByteBuffer.allocate(fragments.get(fragment).remaining());
        copy.put(fragments.get(fragment).duplicate()).flip();
        copy.put(at, (byte) (copy.get(at) ^ (1 << bit)));
        fragments.set(fragment, copy);
        return this;
    }

    /** Flips one bit in every 512 bytes of {@code fragment}: whatever is read of it is wrong. */
    MemorySource corrupt(int fragment) {
        for (int at = 0; at < fragments.get(fragment).remaining(); at += 512) {
            flip(fragment, at, at % 8);
        }
        return this;
    }

    long bytes() {
        return bytes.get();
    }

    long reads() {
        return reads.get();
    }

    void reset() {
        bytes.set(0);
        reads.set(0);
    }

    @Override
    public CompletableFuture<ByteBuffer> read(int fragment, long offset, int length) {
        if (failing.contains(fragment)) {
            return CompletableFuture.failedFuture(new IllegalStateException("OSD of fragment " + fragment + " down"));
        }
        ByteBuffer f = fragments.get(fragment);
        bytes.addAndGet(length);
        reads.incrementAndGet();
        return CompletableFuture.completedFuture(
                f.duplicate().position((int) offset).limit((int) offset + length).slice().asReadOnlyBuffer());
    }
}
