package io.albireo.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.Bytes;
import io.albireo.object.layout.FragmentKeys;

/** The fragment cache: bounded in bytes, least recently used out first, kept across restarts. */
class FragmentCacheTest {
    @TempDir
    Path dir;

    private static Bytes key(int i) {
        return FragmentKeys.key(7, "00ff", i, 0, 0);
    }

    private static ByteBuffer value(int i, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        while (b.hasRemaining()) {
            b.put((byte) i);
        }
        return b.flip();
    }

    @Test
    void evictsTheLeastRecentlyUsedAndSurvivesARestart() {
        FragmentCache cache = new FragmentCache(dir, 3000);
        cache.put(key(1), value(1, 1000));
        cache.put(key(2), value(2, 1000));
        cache.put(key(3), value(3, 1000));
        assertEquals(Optional.of(value(1, 10)), cache.read(key(1), 5, 10), "1 is now the most recently used");
        cache.put(key(4), value(4, 1000));
        assertEquals(Optional.empty(), cache.read(key(2), 0, 1), "2 was the least recently used");
        assertEquals(3000, cache.bytes());

        FragmentCache again = new FragmentCache(dir, 3000);
        assertEquals(3, again.count());
        assertEquals(Optional.of(value(4, 1000)), again.read(key(4), 0, 1000));
        assertTrue(again.read(key(1), 999, 2).isEmpty(), "a range past the end is a miss");
        again.remove(key(4));
        assertEquals(2000, again.bytes());
        assertEquals(0, new FragmentCache(dir.resolve("off"), 0).count(), "0 bytes disables it");
    }

    @Test
    void filesOfEvictedEntriesAreReusedAndEveryEntryReadsItsOwnBytes() throws Exception {
        FragmentCache cache = new FragmentCache(dir, 10 * 1000);
        for (int i = 0; i < 500; i++) {
            // Sizes vary, so a reused file longer than its new fragment would show as a wrong length or stale bytes.
            cache.put(key(i), value(i, 1000 - i % 7 * 100));
        }
        for (int i = 490; i < 500; i++) {
            assertEquals(Optional.of(value(i, 1000 - i % 7 * 100)), cache.read(key(i), 0, 1000 - i % 7 * 100),
                    "entry " + i);
        }
        long files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.count();
        }
        assertTrue(files <= cache.count() + FragmentCache.SPARES, files + " files for " + cache.count() + " entries");
        FragmentCache again = new FragmentCache(dir, 10 * 1000);
        try (Stream<Path> list = Files.list(dir)) {
            assertEquals(again.count(), list.count(), "spares are removed at start");
        }
        assertEquals(Optional.of(value(499, 1000 - 499 % 7 * 100)), again.read(key(499), 0, 1000 - 499 % 7 * 100));
    }

    @Test
    void aFileAReadHasOpenIsNeverReused() throws Exception {
        FragmentCache cache = new FragmentCache(dir, 2000);
        cache.put(key(1), value(1, 1000));
        cache.put(key(2), value(2, 1000));
        CountDownLatch opened = new CountDownLatch(1);
        CountDownLatch evicted = new CountDownLatch(1);
        cache.readHook = () -> {
            opened.countDown();
            try {
                evicted.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        CompletableFuture<Optional<ByteBuffer>> read = CompletableFuture.supplyAsync(() -> cache.read(key(1), 0, 1000));
        assertTrue(opened.await(10, TimeUnit.SECONDS));
        cache.readHook = null;
        // 2 goes, then 1 while it is read, then 5 takes a spare: had 1's file become one, it would hold 5's bytes.
        cache.put(key(3), value(3, 1000));
        cache.put(key(4), value(4, 1000));
        cache.put(key(5), value(5, 1000));
        evicted.countDown();
        assertEquals(Optional.of(value(1, 1000)), read.get(10, TimeUnit.SECONDS));
    }
}
