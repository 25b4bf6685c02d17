package io.albireo.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.Bytes;

/** The fragment cache: bounded in bytes, least recently used out first, kept across restarts. */
class FragmentCacheTest {
    @TempDir
    Path dir;

    private static Bytes key(int i) {
        return FragmentKeys.key(7, "00ff", i, 0);
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
}
