package io.albireo.testing.powerloss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

/**
 * Eight threads write files (a quarter of them 1 MiB), fdatasync most, rename them into place (some over older
 * ones), fsync their directory most of the time and delete some, while the power is cut under them. After the cut,
 * every name whose data and directory were both synced holds exactly what was synced.
 */
class ConcurrentStressTest extends MountedTest {
    private static final int THREADS = 8;
    private static final int MIB = 1 << 20;
    /** Each thread gets this far before the cut may come. */
    private static final int WARM_UP = 25;
    private static final int MAX_FILES = 2_000;

    /** A file's bytes, regenerated from their seed to compare. */
    record Content(long seed, int length) {
        byte[] bytes() {
            byte[] bytes = new byte[length];
            new Random(seed).nextBytes(bytes);
            return bytes;
        }
    }

    @Test
    void everyFileWhoseDataAndDirectoryWereSyncedSurvivesACutUnderConcurrentWriters() throws Exception {
        long seed = System.nanoTime();
        // The names that must exist after the cut, each with the contents it may hold. A thread removes a name
        // before it does anything that weakens the guarantee and adds it only once a sync made it true.
        Map<Path, Set<Content>> expected = new ConcurrentHashMap<>();
        AtomicBoolean cutting = new AtomicBoolean();
        CountDownLatch warmedUp = new CountDownLatch(THREADS);
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Files.createDirectory(root.resolve("w" + t));
        }
        syncDirectory(root);
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            Random random = new Random(seed + t);
            Thread worker = new Thread(() -> {
                try {
                    work(thread, random, expected, warmedUp, cutting);
                } catch (IOException e) {
                    if (!cutting.get()) {
                        failures.add(e);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    warmedUp.countDown(); // also for a thread that failed early
                }
            }, "writer-" + t);
            workers.add(worker);
            worker.start();
        }

        assertTrue(warmedUp.await(5, TimeUnit.MINUTES), "the writers did not warm up");
        Thread.sleep(new Random(seed).nextInt(300)); // a cut at some moment in the middle of it all
        cutting.set(true);
        CutReport report = fs.cut();
        for (Thread worker : workers) {
            worker.join(TimeUnit.MINUTES.toMillis(5));
            assertTrue(!worker.isAlive(), worker.getName() + " is stuck");
        }
        if (!failures.isEmpty()) {
            failures.forEach(Throwable::printStackTrace);
            fail("seed " + seed + ": a writer failed before the cut: " + failures.get(0), failures.get(0));
        }
        fs = fs.remount();
        root = fs.mountPoint();
        assertGraveyardEmpty();

        int checked = 0;
        for (Map.Entry<Path, Set<Content>> entry : expected.entrySet()) {
            Path file = root.resolve(entry.getKey());
            byte[] actual;
            try {
                actual = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw new AssertionError("seed " + seed + ": " + entry.getKey() + " was synced but is gone; " + report);
            }
            boolean matches = false;
            for (Content content : entry.getValue()) {
                matches |= actual.length == content.length() && Arrays.equals(actual, content.bytes());
            }
            assertTrue(matches, "seed " + seed + ": " + entry.getKey() + " holds " + actual.length
                    + " bytes that are none of " + entry.getValue());
            checked++;
        }
        assertTrue(checked >= THREADS, "seed " + seed + ": only " + checked + " files were durable");
        assertEquals(0, fs.stats().pendingWrites());
        writeDurable(root.resolve("after"), "the remounted file system works");
        System.out.printf("stress: seed %d, %d durable files checked, cut %s%n", seed, checked, report);
    }

    private void work(int thread, Random random, Map<Path, Set<Content>> expected, CountDownLatch warmedUp,
            AtomicBoolean cutting) throws IOException {
        Path dir = root.resolve("w" + thread);
        List<Path> names = new ArrayList<>(); // relative to root; what exists in dir now
        for (int i = 0; i < MAX_FILES && !cutting.get(); i++) {
            if (i == WARM_UP) {
                warmedUp.countDown();
            }
            Content content = new Content(random.nextLong(),
                    random.nextInt(4) == 0 ? MIB : random.nextInt(64 * 1024));
            boolean syncData = random.nextInt(5) != 0;
            Path tmp = dir.resolve("tmp-" + i);
            byte[] bytes = content.bytes();
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                for (int off = 0; off < bytes.length;) {
                    int n = Math.min(bytes.length - off, 1 + random.nextInt(256 * 1024));
                    ByteBuffer chunk = ByteBuffer.wrap(bytes, off, n);
                    while (chunk.hasRemaining()) {
                        channel.write(chunk, off + (n - chunk.remaining()));
                    }
                    off += n;
                }
                if (bytes.length <= 64 * 1024) { // read-your-writes, before any sync
                    ByteBuffer back = ByteBuffer.allocate(bytes.length);
                    while (back.hasRemaining() && channel.read(back, back.position()) > 0) {
                        // read on
                    }
                    assertArrayEquals(bytes, back.array(), "thread " + thread + " reads back " + tmp);
                }
                if (syncData) {
                    channel.force(false);
                }
            }

            boolean overwrite = !names.isEmpty() && random.nextInt(4) == 0;
            Path target = overwrite ? names.get(random.nextInt(names.size())) : root.relativize(dir.resolve("f-" + i));
            Set<Content> before = expected.get(target);
            if (before != null && syncData) {
                Set<Content> either = new HashSet<>(before); // the old file if the rename is undone, else the new
                either.add(content);
                expected.put(target, either);
            } else {
                expected.remove(target);
            }
            Files.move(tmp, root.resolve(target), StandardCopyOption.ATOMIC_MOVE);
            if (!overwrite) {
                names.add(target);
            }
            if (random.nextInt(3) != 0) {
                syncDirectory(dir);
                if (syncData) {
                    expected.put(target, Set.of(content));
                }
            }

            if (names.size() > 3 && random.nextInt(6) == 0) {
                Path victim = names.remove(random.nextInt(names.size()));
                expected.remove(victim);
                Files.delete(root.resolve(victim));
                if (random.nextBoolean()) {
                    syncDirectory(dir);
                }
            }
        }
    }
}
