package io.albireo.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.KeyRange;
import io.albireo.api.StorageException;
import io.albireo.api.Update;
import io.albireo.api.codec.Digest;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.api.metadata.WorkItem;
import io.albireo.api.object.NamespaceNotFoundException;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectNotFoundException;
import io.albireo.api.object.ObjectStream;
import io.albireo.api.object.ObjectStore.ObjectAssert;
import io.albireo.api.object.ObjectStore.ObjectChange;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;
import io.albireo.api.object.RangeOutOfBoundsException;
import io.albireo.api.osd.Osd;
import io.albireo.object.layout.FragmentKeys;

/** The proxy on the real stack: embedded store, ABM, NSM, six ASD stores on one node, real codecs. */
class ProxyObjectStoreTest {
    private static final int FRAGMENT = 64 * 1024;
    private static final int K = 4;
    private static final String NS = "ns";

    @TempDir
    Path dir;
    private Backend backend;
    private final SplittableRandom random = new SplittableRandom(42);

    @AfterEach
    void close() throws Exception {
        if (backend != null) {
            backend.close();
        }
    }

    private ProxyObjectStore open(long fragmentCacheBytes) {
        backend = new Backend(dir, 6, fragmentCacheBytes);
        backend.abm.createPreset(new Preset("small", List.of(new Policy(4, 2, 5, 6), new Policy(2, 2, 3, 4)),
                FRAGMENT, "lz4", "aes-256-gcm", "xxh64", "rs"));
        backend.proxy.createNamespace(NS, "small");
        return backend.proxy;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            // Half random, half runs: lz4 has something to compress and something it cannot.
            b[i] = (i / 1024) % 2 == 0 ? (byte) random.nextInt() : (byte) (i / 100);
        }
        return b;
    }

    private static byte[] array(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    private List<WorkItem> work(String kind) {
        return backend.abm.work(10_000).stream().filter(w -> w.kind().equals(kind)).toList();
    }

    /** @return the fragment keys every OSD holds */
    private int fragmentsStored() {
        int n = 0;
        for (FlakyOsd o : backend.osds) {
            n += o.real().range(KeyRange.prefix(Bytes.utf8("f/")), 100_000, false).join().entries().size();
        }
        return n;
    }

    /**
     * Reads keep a namespace's id for a second. A name deleted and created again behind this proxy's back (by another
     * proxy) has a new id: the read finds the fragments absent under the old one, asks the ABM again and reads the new
     * object, whole and by ranges.
     */
    @Test
    void aNamespaceCreatedAgainBehindTheProxysBackIsReadUnderItsNewId() {
        ProxyObjectStore proxy = open(0);
        byte[] before = bytes(10_000);
        proxy.put(NS, "o", ByteBuffer.wrap(before), Overwrite.NONE);
        assertArrayEquals(Arrays.copyOfRange(before, 100, 4196),
                array(proxy.read(List.of(new ObjectRange(NS, "o", 100, 4096))).get(0)));
        long oldId = backend.abm.namespace(NS).orElseThrow().id();
        backend.abm.deleteNamespace(NS);
        backend.abm.createNamespace(NS, "small");
        assertNotEquals(oldId, backend.abm.namespace(NS).orElseThrow().id());
        byte[] after = bytes(10_000);
        proxy.put(NS, "o", ByteBuffer.wrap(after), Overwrite.NONE);
        assertArrayEquals(Arrays.copyOfRange(after, 100, 4196),
                array(proxy.read(List.of(new ObjectRange(NS, "o", 100, 4096))).get(0)));
        assertArrayEquals(after, array(proxy.get(NS, "o").orElseThrow()));
        assertTrue(proxy.statistics().get("staleManifests") >= 1, "the read noticed the stale id");
        assertEquals(List.of(), work("repair-fragment"), "absent under a stale id is not a lost fragment");
    }

    @Test
    void roundTripsOfEverySizeAroundTheChunkBoundary() {
        ProxyObjectStore proxy = open(64 << 20);
        for (int size : new int[] {0, 1, 4095, K * FRAGMENT - 1, K * FRAGMENT, K * FRAGMENT + 1, 3 * K * FRAGMENT}) {
            byte[] data = bytes(size);
            String name = "o" + size;
            ObjectInfo info = proxy.put(NS, name, ByteBuffer.wrap(data), Overwrite.NONE);
            assertEquals(size, info.size());
            assertArrayEquals(data, array(proxy.get(NS, name).orElseThrow()), name);
            assertArrayEquals(data, streamed(proxy.open(NS, name).orElseThrow(), size), name);
            Manifest m = proxy.manifest(NS, name).orElseThrow();
            assertEquals(size == 0 ? 0 : (size + K * FRAGMENT - 1) / (K * FRAGMENT), m.chunks().size(), name);
            assertEquals(new Policy(4, 2, 5, 6), m.policy());
            assertEquals("preset-small", m.keyId(), "the key's id is in the manifest, the key is not");
            assertEquals(32, m.objectId().length());
            assertTrue(m.objectId().matches("[0-9a-f]+"));
            // The same bytes through a stream.
            ObjectInfo streamed = proxy.put(NS, name + "s", new java.io.ByteArrayInputStream(data), Overwrite.NONE);
            assertEquals(info.checksum(), streamed.checksum());
            assertArrayEquals(data, array(proxy.get(NS, name + "s").orElseThrow()));
        }
        assertEquals(Optional.empty(), proxy.get(NS, "missing"));
        assertEquals(Optional.empty(), proxy.open(NS, "missing"));
        assertEquals(List.of("o0", "o0s", "o1"), proxy.list(NS, "o", null, 3).names());
    }

    /** An object's stream read to its end: one piece per chunk, together the object. */
    private static byte[] streamed(ObjectStream stream, int size) {
        assertEquals(size, stream.size());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int pieces = 0;
        for (ByteBuffer piece = stream.next(); piece != null; piece = stream.next()) {
            out.writeBytes(array(piece));
            pieces++;
        }
        assertEquals(size == 0 ? 0 : (size + K * FRAGMENT - 1) / (K * FRAGMENT), pieces);
        assertNull(stream.next(), "a stream ends once");
        return out.toByteArray();
    }

    @Test
    void aStreamOfTwentyMebibytesIsStoredChunkByChunkAndReadByRanges() throws Exception {
        ProxyObjectStore proxy = open(8 << 20);
        long size = 20L * 1024 * 1024 + 12345;
        ObjectInfo info = proxy.put(NS, "big", new Generated(size), Overwrite.NONE);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 16];
        try (InputStream in = new Generated(size)) {
            for (int n; (n = in.read(buf)) > 0;) {
                sha.update(buf, 0, n);
            }
        }
        assertEquals(Digest.of("sha-256", sha.digest()), info.checksum());
        ByteBuffer whole = proxy.get(NS, "big").orElseThrow();
        assertEquals(size, whole.remaining());
        List<ObjectRange> ranges = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int length = random.nextInt(1, 300_000);
            ranges.add(new ObjectRange(NS, "big", random.nextLong(size - length), length));
        }
        ranges.add(new ObjectRange(NS, "big", size - 1, 1));
        ranges.add(new ObjectRange(NS, "big", 0, 0));
        List<ByteBuffer> got = proxy.read(ranges);
        for (int i = 0; i < ranges.size(); i++) {
            ObjectRange r = ranges.get(i);
            for (int j = 0; j < r.length(); j++) {
                if (got.get(i).get(j) != Generated.at(r.offset() + j)) {
                    throw new AssertionError("range " + r + " differs at " + j);
                }
                if (whole.get((int) (r.offset() + j)) != Generated.at(r.offset() + j)) {
                    throw new AssertionError("the whole object differs at " + (r.offset() + j));
                }
            }
        }
    }

    @Test
    void partialReadsOfManyObjectsInOneCall() {
        ProxyObjectStore proxy = open(0);
        byte[] a = bytes(3 * K * FRAGMENT + 777);
        byte[] b = bytes(5000);
        proxy.put(NS, "a", ByteBuffer.wrap(a), Overwrite.NONE);
        proxy.put(NS, "b", ByteBuffer.wrap(b), Overwrite.NONE);
        List<ObjectRange> ranges = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            byte[] target = i % 3 == 0 ? b : a;
            int length = random.nextInt(0, Math.min(target.length, 200_000));
            ranges.add(new ObjectRange(NS, target == a ? "a" : "b", random.nextInt(target.length - length + 1),
                    length));
        }
        List<ByteBuffer> got = proxy.read(ranges);
        for (int i = 0; i < ranges.size(); i++) {
            ObjectRange r = ranges.get(i);
            byte[] target = r.name().equals("a") ? a : b;
            byte[] want = java.util.Arrays.copyOfRange(target, (int) r.offset(), (int) r.offset() + r.length());
            assertArrayEquals(want, array(got.get(i)), r.toString());
        }
        assertThrows(RangeOutOfBoundsException.class, () -> proxy.read(List.of(new ObjectRange(NS, "b", 4000,
                1001))));
        assertThrows(RangeOutOfBoundsException.class, () -> proxy.read(List.of(new ObjectRange(NS, "b", -1, 1))));
        ObjectNotFoundException missing = assertThrows(ObjectNotFoundException.class,
                () -> proxy.read(List.of(new ObjectRange(NS, "nope", 0, 1))));
        assertFalse(missing instanceof NamespaceNotFoundException, missing.toString());
        assertThrows(NamespaceNotFoundException.class, () -> proxy.read(List.of(new ObjectRange("nope", "b", 0,
                1))));
        assertThrows(NamespaceNotFoundException.class, () -> proxy.get("nope", "b"));
        assertThrows(NamespaceNotFoundException.class, () -> proxy.stat("nope", "b"));
        assertThrows(NamespaceNotFoundException.class, () -> proxy.put("nope", "b", ByteBuffer.allocate(1),
                Overwrite.NONE));
        assertThrows(NamespaceNotFoundException.class, () -> proxy.deleteNamespace("nope"));
    }

    @Test
    void aPutWithOneOsdDownIsRegisteredWithoutItsFragmentAndQueuedForRewrite() {
        ProxyObjectStore proxy = open(0);
        backend.osds.get(0).down(true);
        byte[] data = bytes(2 * K * FRAGMENT);
        proxy.put(NS, "one-down", ByteBuffer.wrap(data), Overwrite.NONE);
        Manifest m = proxy.manifest(NS, "one-down").orElseThrow();
        long notWritten = m.chunks().stream().flatMap(c -> c.fragments().stream()).filter(f -> !f.written()).count();
        assertEquals(2, notWritten, "one fragment per chunk: the one on the OSD that is down");
        assertEquals(2, work(WorkQueue.REWRITE).size());
        assertArrayEquals(data, array(proxy.get(NS, "one-down").orElseThrow()));
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, 200_000),
                array(proxy.read(List.of(new ObjectRange(NS, "one-down", 1000, 199_000))).get(0)));
    }

    @Test
    void withMOsdsUnreachableAPutFailsCleanlyAndWithMOsdsGoneItFallsBackToTheNextPolicy() throws Exception {
        ProxyObjectStore proxy = open(1 << 20);
        proxy.put(NS, "before", ByteBuffer.wrap(bytes(1000)), Overwrite.NONE);
        int before = fragmentsStored();
        backend.osds.get(0).down(true);
        backend.osds.get(1).down(true);
        // Bound but failing: (4,2,5,6) is chosen and only 4 < c = 5 fragments can be written.
        StorageException e = assertThrows(StorageException.class,
                () -> proxy.put(NS, "fails", ByteBuffer.wrap(bytes(3 * K * FRAGMENT)), Overwrite.NONE));
        assertTrue(e.getMessage().contains("fewer than c = 5"), e.getMessage());
        assertEquals(Optional.empty(), proxy.stat(NS, "fails"));
        assertEquals(List.of("before"), proxy.list(NS, "", null, 10).names());
        for (int i = 0; i < 100 && fragmentsStored() > before; i++) {
            Thread.sleep(50);
        }
        assertEquals(before, fragmentsStored(), "the failed put's fragments were deleted");

        // Gone (services unbound): the live OSDs cannot place (4,2,5,6); (2,2,3,4) is used.
        backend.unbind(backend.osds.get(0));
        backend.unbind(backend.osds.get(1));
        byte[] data = bytes(K * FRAGMENT + 5);
        proxy.put(NS, "fallback", ByteBuffer.wrap(data), Overwrite.NONE);
        assertEquals(new Policy(2, 2, 3, 4), proxy.manifest(NS, "fallback").orElseThrow().policy());
        assertArrayEquals(data, array(proxy.get(NS, "fallback").orElseThrow()));
    }

    /**
     * Repairs rewrite a manifest under a condition on its version (issue 17); applies that assert an object check it
     * without rewriting it. Raced against each other: every rewrite of the asserted object is a repair's (none is the
     * proxy re-putting what it read, which would undo a repair committed meanwhile), and a repair that read a
     * manifest a put has since replaced fails instead of bringing the old object back.
     */
    @Test
    void putsAndAssertsRacingRepairsUndoNeither() throws Exception {
        ProxyObjectStore proxy = open(0);
        String idA = proxy.put(NS, "a", ByteBuffer.wrap(bytes(3000)), Overwrite.NONE).objectId();
        proxy.put(NS, "c", ByteBuffer.wrap(bytes(2000)), Overwrite.NONE);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger repairsOfA = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger staleRepairsRefused = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            // The repairer: rewrites what it read of a and of c under version(id, version read).
            java.util.concurrent.Future<?> repairer = pool.submit(() -> {
                while (!done.get()) {
                    for (String name : List.of("a", "c")) {
                        Manifest m = backend.nsm.get(NS, name).orElseThrow();
                        Thread.onSpinWait();
                        try {
                            backend.nsm.put(NS, m, Overwrite.version(m.objectId(), m.version()));
                            if (name.equals("a")) {
                                repairsOfA.incrementAndGet();
                            }
                        } catch (AssertFailedException lost) {
                            staleRepairsRefused.incrementAndGet();
                        }
                    }
                }
                return null;
            });
            // A client asserting a while it puts b.
            java.util.concurrent.Future<Integer> asserting = pool.submit(() -> {
                int applied = 0;
                for (int i = 0; i < 40; i++) {
                    try {
                        proxy.apply(NS, List.of(ObjectAssert.hasId("a", idA)), List.of(new ObjectChange.Put("b",
                                ByteBuffer.wrap(bytes(100 + i)), Overwrite.UNCONDITIONAL)));
                        applied++;
                    } catch (AssertFailedException raceLostSixteenTimes) {
                        // possible under this much contention; what matters is what was written
                    }
                }
                return applied;
            });
            // A client replacing c, each put conditioned on the object it replaces.
            java.util.concurrent.Future<String> replacing = pool.submit(() -> {
                String last = null;
                for (int i = 0; i < 40; i++) {
                    String now = proxy.stat(NS, "c").orElseThrow().objectId();
                    try {
                        last = proxy.put(NS, "c", ByteBuffer.wrap(bytes(200 + i)), Overwrite.previous(now))
                                .objectId();
                    } catch (AssertFailedException raced) {
                        // another writer? none here but the repairer, whose rewrites keep the id: retried below
                    }
                }
                return last;
            });
            int applied = asserting.get(300, java.util.concurrent.TimeUnit.SECONDS);
            String lastC = replacing.get(300, java.util.concurrent.TimeUnit.SECONDS);
            done.set(true);
            repairer.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(applied > 0, "no apply got through");
            Manifest a = backend.nsm.get(NS, "a").orElseThrow();
            assertEquals(idA, a.objectId());
            assertEquals(1 + repairsOfA.get(), a.version(), "a was rewritten " + (a.version() - 1) + " times, by "
                    + repairsOfA.get() + " repairs and " + applied + " applies that only assert it");
            assertEquals(lastC, backend.nsm.get(NS, "c").orElseThrow().objectId(),
                    "no repair brought back an object a put had replaced");
            assertTrue(staleRepairsRefused.get() > 0, "the repairer never lost a race: the test tested nothing");
            assertEquals(3000, proxy.get(NS, "a").orElseThrow().remaining());
            assertTrue(proxy.get(NS, "c").isPresent(), "c reads after all");
        } finally {
            done.set(true);
            pool.shutdownNow();
        }
    }

    @Test
    void applySequencesAreAtomicWithTheirAsserts() {
        ProxyObjectStore proxy = open(0);
        ObjectInfo a = proxy.put(NS, "a", ByteBuffer.wrap(bytes(100)), Overwrite.NONE);
        ObjectInfo b = proxy.put(NS, "b", ByteBuffer.wrap(bytes(200)), Overwrite.NONE);
        byte[] c = bytes(300);
        List<Optional<ObjectInfo>> r = proxy.apply(NS,
                List.of(ObjectAssert.exists("a"), ObjectAssert.absent("c"), ObjectAssert.hasId("b", b.objectId()),
                        ObjectAssert.hasChecksum("a", a.checksum())),
                List.of(new ObjectChange.Put("c", ByteBuffer.wrap(c), Overwrite.NONE),
                        new ObjectChange.Delete("b", Overwrite.previous(b.objectId()))));
        assertEquals(300, r.get(0).orElseThrow().size());
        assertEquals(Optional.empty(), r.get(1));
        assertArrayEquals(c, array(proxy.get(NS, "c").orElseThrow()));
        assertEquals(Optional.empty(), proxy.stat(NS, "b"));
        assertEquals(a.objectId(), proxy.stat(NS, "a").orElseThrow().objectId(), "asserted, not changed");

        int fragments = fragmentsStored();
        AssertFailedException e = assertThrows(AssertFailedException.class, () -> proxy.apply(NS,
                List.of(ObjectAssert.exists("a"), ObjectAssert.hasChecksum("c", a.checksum())),
                List.of(new ObjectChange.Put("d", ByteBuffer.wrap(bytes(10)), Overwrite.NONE),
                        new ObjectChange.Delete("a", Overwrite.UNCONDITIONAL))));
        assertEquals(1, e.index(), "the second assert failed");
        assertEquals(Optional.empty(), proxy.stat(NS, "d"));
        assertTrue(proxy.stat(NS, "a").isPresent());
        assertThrows(AssertFailedException.class, () -> proxy.put(NS, "a", ByteBuffer.wrap(bytes(1)), Overwrite.NONE));
        assertThrows(AssertFailedException.class, () -> proxy.put(NS, "zz", ByteBuffer.wrap(bytes(1)),
                Overwrite.EXISTING));
        assertThrows(AssertFailedException.class, () -> proxy.put(NS, "a", ByteBuffer.wrap(bytes(1)),
                Overwrite.previous(b.objectId())));
        assertTrue(fragmentsStored() <= fragments + 6, "refused puts leave no fragments behind (bar in-flight"
                + " deletes)");
    }

    @Test
    void concurrentOverwritesOfOneNameWithPreviousHaveExactlyOneWinnerPerRound() throws Exception {
        ProxyObjectStore proxy = open(0);
        ObjectInfo current = proxy.put(NS, "x", ByteBuffer.wrap(bytes(10)), Overwrite.NONE);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 5; round++) {
                String previous = current.objectId();
                CyclicBarrier start = new CyclicBarrier(4);
                List<Future<ObjectInfo>> tries = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    byte[] data = bytes(1000 + t);
                    Callable<ObjectInfo> put = () -> {
                        start.await();
                        return proxy.put(NS, "x", ByteBuffer.wrap(data), Overwrite.previous(previous));
                    };
                    tries.add(pool.submit(put));
                }
                List<ObjectInfo> winners = new ArrayList<>();
                for (Future<ObjectInfo> f : tries) {
                    try {
                        winners.add(f.get());
                    } catch (ExecutionException e) {
                        assertTrue(e.getCause() instanceof AssertFailedException, e.getCause().toString());
                    }
                }
                assertEquals(1, winners.size(), "round " + round);
                current = winners.get(0);
                assertEquals(current.objectId(), proxy.stat(NS, "x").orElseThrow().objectId());
                assertEquals(current.size(), proxy.get(NS, "x").orElseThrow().remaining());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFlippedByteInAFragmentIsDetectedRepairedFromOthersAndNeverReturned() {
        ProxyObjectStore proxy = open(0);
        byte[] data = bytes(K * FRAGMENT);
        proxy.put(NS, "flip", ByteBuffer.wrap(data), Overwrite.NONE);
        rewriteInStore(proxy.manifest(NS, "flip").orElseThrow(), 0, b -> b[b.length / 2] ^= 0x10);

        assertArrayEquals(data, array(proxy.get(NS, "flip").orElseThrow()));
        assertFalse(work(WorkQueue.REPAIR).isEmpty(), "the corrupt fragment is queued for repair");
        for (int i = 0; i < 20; i++) {
            int length = random.nextInt(1, 100_000);
            int offset = random.nextInt(data.length - length);
            byte[] want = java.util.Arrays.copyOfRange(data, offset, offset + length);
            assertArrayEquals(want, array(proxy.read(List.of(new ObjectRange(NS, "flip", offset, length))).get(0)));
        }
    }

    /** A stream that stops after its first chunk still queues the repair of a corrupt fragment it read around. */
    @Test
    void aStreamStoppedEarlyStillQueuesTheRepairsItFound() {
        ProxyObjectStore proxy = open(0);
        byte[] data = bytes(3 * K * FRAGMENT);
        proxy.put(NS, "flip3", ByteBuffer.wrap(data), Overwrite.NONE);
        rewriteInStore(proxy.manifest(NS, "flip3").orElseThrow(), 0, b -> b[b.length / 2] ^= 0x10);
        ObjectStream stream = proxy.open(NS, "flip3").orElseThrow();
        assertArrayEquals(java.util.Arrays.copyOf(data, K * FRAGMENT), array(stream.next()));
        assertFalse(work(WorkQueue.REPAIR).isEmpty(), "the corrupt fragment of chunk 0 is queued for repair");
    }

    /**
     * A flipped byte in the ASD's files on disk (fragments over the ASD's 64 KiB blob threshold are in its segment
     * files): with one disk's files flipped every read gives the right bytes and the fragments are queued for repair;
     * with three (more than m = 2) reads fail with an IntegrityException and never return the flipped bytes.
     */
    @Test
    void flippedBytesInFragmentFilesOnDiskAreDetectedAndNeverReturned() throws Exception {
        ProxyObjectStore proxy = open(0);
        backend.abm.createPreset(new Preset("files", List.of(new Policy(4, 2, 5, 6)), 1 << 20, "lz4", "aes-256-gcm",
                "xxh64", "rs"));
        proxy.createNamespace("files", "files");
        byte[] data = new byte[4 << 20];
        random.nextBytes(data);
        proxy.put("files", "f", ByteBuffer.wrap(data), Overwrite.NONE);
        Manifest m = proxy.manifest("files", "f").orElseThrow();
        // The disks of data fragments 0, 1 and 2: reads use data fragments first, so these are the ones read.
        assertEquals(1, flipValueFiles(asdHolding(m, 0)), "one fragment file on the disk of fragment 0");

        assertArrayEquals(data, array(proxy.get("files", "f").orElseThrow()));
        for (int i = 0; i < 40; i++) {
            int length = random.nextInt(1, 70_000);
            int offset = random.nextInt(data.length - length);
            assertArrayEquals(java.util.Arrays.copyOfRange(data, offset, offset + length),
                    array(proxy.read(List.of(new ObjectRange("files", "f", offset, length))).get(0)));
        }
        assertFalse(work(WorkQueue.REPAIR).isEmpty(), "the flipped fragment is queued for repair");

        flipValueFiles(asdHolding(m, 1));
        flipValueFiles(asdHolding(m, 2));
        assertThrows(IntegrityException.class, () -> proxy.get("files", "f"));
        // Ranges that touch no flipped byte are read correctly; the others fail: none returns a wrong byte.
        int failed = 0;
        for (int offset = 0; offset < data.length; offset += 64 * 1024) {
            try {
                assertArrayEquals(java.util.Arrays.copyOfRange(data, offset, offset + 64 * 1024),
                        array(proxy.read(List.of(new ObjectRange("files", "f", offset, 64 * 1024))).get(0)));
            } catch (IntegrityException e) {
                failed++;
            }
        }
        assertTrue(failed > 0, "the ranges over the flipped bytes fail");
    }

    /**
     * Maintenance rewrites fragments under fresh generations: here three of six (more than m = 2), each written again on
     * its OSD under its generation's key and its generation 0 key deleted, so that a read ignoring generations could
     * not find k fragments. Reads find them under their generations, and a delete removes every key.
     */
    @Test
    void fragmentsRewrittenUnderGenerationsAreReadAndDeletedUnderThem() {
        ProxyObjectStore proxy = open(0);
        byte[] data = bytes(10_000);
        proxy.put(NS, "g", ByteBuffer.wrap(data), Overwrite.NONE);
        assertArrayEquals(data, array(proxy.get(NS, "g").orElseThrow()), "the manifest the rewrite makes stale");
        Manifest m = backend.nsm.get(NS, "g").orElseThrow();
        long namespaceId = backend.abm.namespace(NS).orElseThrow().id();
        Manifest.Chunk chunk = m.chunks().get(0);
        List<Manifest.Fragment> fragments = new ArrayList<>(chunk.fragments());
        for (int f = 0; f < 3; f++) {
            Manifest.Fragment old = fragments.get(f);
            long generation = random.nextLong(1, Long.MAX_VALUE);
            Osd osd = backend.osds.get(asdIndexHolding(m, f)).real();
            Bytes put = FragmentKeys.key(namespaceId, m, 0, f);
            ByteBuffer value = osd.get(List.of(put)).join().get(0).orElseThrow();
            osd.apply(List.of(), List.of(Update.set(FragmentKeys.key(namespaceId, m.objectId(), 0, f, generation),
                    value), Update.delete(put))).join();
            fragments.set(f, new Manifest.Fragment(old.osd(), old.checksum(), generation));
        }
        Manifest rewritten = new Manifest(m.name(), m.objectId(), m.version(), m.size(), m.checksum(), m.policy(),
                m.compressor(), m.cipher(), m.keyId(), m.fragmentChecksum(), m.erasureCodec(), m.blockSize(),
                List.of(new Manifest.Chunk(chunk.length(), chunk.storedLength(), chunk.fragmentLength(), fragments)));
        backend.nsm.put(NS, rewritten, Overwrite.version(m.objectId(), m.version()));
        assertEquals(6, fragmentsStored());

        assertArrayEquals(data, array(proxy.get(NS, "g").orElseThrow()));
        assertEquals(1L, proxy.statistics().get("staleManifests"), "the cached manifest named deleted keys");
        assertArrayEquals(Arrays.copyOfRange(data, 1000, 9000),
                array(proxy.read(List.of(new ObjectRange(NS, "g", 1000, 8000))).get(0)));
        assertEquals(List.of(), work(WorkQueue.REPAIR), "no fragment was missed");
        assertTrue(proxy.delete(NS, "g"));
        // Deleting the fragments is asynchronous.
        for (int i = 0; i < 200 && fragmentsStored() > 0; i++) {
            sleep(50);
        }
        assertEquals(0, fragmentsStored(), "the rewritten fragments are deleted under their generations");
    }

    /** @return the index in the backend of the ASD holding fragment {@code fragment} of the first chunk */
    private int asdIndexHolding(Manifest m, int fragment) {
        int number = m.chunks().get(0).fragments().get(fragment).osd();
        for (int i = 0; i < backend.osds.size(); i++) {
            if (backend.abm.osd(backend.osds.get(i).identity().longId()).orElseThrow().number() == number) {
                return i;
            }
        }
        throw new AssertionError("no ASD holds OSD number " + number);
    }

    /** @return the directory of the ASD holding fragment {@code fragment} of the first chunk */
    private Path asdHolding(Manifest m, int fragment) {
        return dir.resolve("asd" + asdIndexHolding(m, fragment));
    }

    /** Rewrites fragment {@code fragment} of the first chunk in its ASD's store, its bytes changed by {@code change}. */
    private void rewriteInStore(Manifest m, int fragment, java.util.function.Consumer<byte[]> change) {
        Bytes key = FragmentKeys.key(backend.abm.namespace(NS).orElseThrow().id(), m, 0, fragment);
        Osd osd = backend.osds.get(asdIndexHolding(m, fragment)).real();
        byte[] bytes = array(osd.get(List.of(key)).join().get(0).orElseThrow());
        change.accept(bytes);
        osd.apply(List.of(), List.of(Update.set(key, Bytes.of(bytes)))).join();
    }

    /**
     * Flips a byte in the middle of every file under an ASD's directory that holds values over its blob threshold:
     * its segment files and blob files (here one object: each holds one fragment); @return how many
     */
    private static int flipValueFiles(Path asd) throws java.io.IOException {
        List<Path> files = new java.util.ArrayList<>();
        for (String folder : List.of("segments", "blobs")) {
            try (Stream<Path> walk = Files.walk(asd.resolve(folder))) {
                walk.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().matches("[0-9a-f]{16}"))
                        .filter(p -> p.toFile().length() > 0).forEach(files::add);
            }
        }
        for (Path f : files) {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f,
                    java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.allocate(1);
                long at = ch.size() / 2;
                ch.read(b, at);
                b.put(0, (byte) (b.get(0) ^ 0x40)).rewind();
                ch.write(b, at);
                ch.force(true);
            }
        }
        return files.size();
    }

    /** Partial reads alone (no whole get) find the flip, read around it, and queue the fragment's repair. */
    @Test
    void aFlippedByteSeenOnlyByPartialReadsIsQueuedForRepair() {
        ProxyObjectStore proxy = open(0);
        byte[] data = bytes(K * FRAGMENT);
        proxy.put(NS, "flip", ByteBuffer.wrap(data), Overwrite.NONE);
        Manifest m = proxy.manifest(NS, "flip").orElseThrow();
        rewriteInStore(m, 1, b -> {
            for (int at = 0; at < b.length; at += 1024) {
                b[at] ^= 0x10;
            }
        });
        assertTrue(work(WorkQueue.REPAIR).isEmpty());

        for (int offset = 0; offset < data.length; offset += 4096) {
            int length = Math.min(4096, data.length - offset);
            assertArrayEquals(java.util.Arrays.copyOfRange(data, offset, offset + length),
                    array(proxy.read(List.of(new ObjectRange(NS, "flip", offset, length))).get(0)), "at " + offset);
        }
        List<WorkItem> repairs = work(WorkQueue.REPAIR);
        assertFalse(repairs.isEmpty(), "the corrupt fragment is queued for repair");
        List<String> payloads = repairs.stream().map(w -> w.payload().utf8()).toList();
        assertTrue(payloads.stream().anyMatch(w -> w.contains("\"fragment\":1")), payloads.toString());
        // A read that had to leave out two fragments to verify reports both (maintenance checks each fragment's
        // checksum before rewriting it); each fragment is queued once, however many reads saw it.
        assertTrue(payloads.stream().allMatch(w -> w.contains("corrupt") && w.contains(m.objectId())),
                payloads.toString());
        assertEquals(payloads.stream().distinct().count(), payloads.size(), payloads.toString());
        assertTrue(proxy.statistics().get("headCacheHits") > 0, "the heads cached by the put served the reads");
    }

    @Test
    void aStaleCachedManifestIsReadAgain() {
        ProxyObjectStore proxy = open(0);
        proxy.put(NS, "s", ByteBuffer.wrap(bytes(5000)), Overwrite.NONE);
        proxy.get(NS, "s");
        // Another proxy on the same backend (with the same KEK) overwrites it and deletes the old fragments.
        try {
            Files.createDirectories(dir.resolve("other/etc"));
            Files.copy(dir.resolve("etc/io.albireo.proxy.kek"), dir.resolve("other/etc/io.albireo.proxy.kek"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        ProxyObjectStore second = new ProxyObjectStore(backend.abm, backend.nsm, new DirectCodecs(),
                Backend.settings(dir.resolve("other"), 0));
        backend.osds.forEach(o -> second.bindOsd(o, java.util.Map.of("albireo.name", o.identity().longId())));
        byte[] fresh = bytes(7000);
        second.put(NS, "s", ByteBuffer.wrap(fresh), Overwrite.UNCONDITIONAL);
        second.close();
        // Deleting the replaced fragments is asynchronous: wait until only the new object's six remain.
        for (int i = 0; i < 200 && fragmentsStored() > 6; i++) {
            sleep(50);
        }
        assertArrayEquals(fresh, streamed(proxy.open(NS, "s").orElseThrow(), fresh.length),
                "a stream opened on a stale manifest starts again on the fresh one");
        assertArrayEquals(fresh, array(proxy.get(NS, "s").orElseThrow()));
        assertArrayEquals(java.util.Arrays.copyOfRange(fresh, 10, 20),
                array(proxy.read(List.of(new ObjectRange(NS, "s", 10, 10))).get(0)));
        assertNotEquals(0L, proxy.statistics().get("staleManifests"));
    }

    @Test
    void theDefaultPresetAndItsKeyInTheBackend() throws Exception {
        ProxyObjectStore proxy = open(0);
        assertEquals(Optional.of("default"), backend.abm.defaultPreset());
        assertEquals(ProxyObjectStore.DEFAULT_PRESET, backend.abm.preset("default").orElseThrow());
        proxy.createNamespace("plain", null);
        byte[] data = bytes(10_000);
        proxy.put("plain", "o", ByteBuffer.wrap(data), Overwrite.NONE);
        assertArrayEquals(data, array(proxy.get("plain", "o").orElseThrow()));
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(data);
        assertEquals(Digest.ofLong("crc32c", crc.getValue(), 4), proxy.manifest("plain", "o").orElseThrow().checksum(),
                "the default preset's object checksum is CRC-32C, as in ALBA");
        assertEquals(6, backend.abm.osds().size(), "every local OSD was claimed");
        // The preset's key is in the backend, wrapped; the proxy's own files hold only the KEK.
        assertEquals(List.of("preset-default"), backend.abm.keys().stream().map(k -> k.id()).toList());
        Path kek = dir.resolve("etc/io.albireo.proxy.kek");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kek)));
        assertFalse(Files.exists(dir.resolve("etc/io.albireo.proxy.keys")), "no local key file is written");
        assertTrue(proxy.statistics().get("puts") >= 1);
    }

    /** Fragments that verify and decode to the wrong object (a bug, a stale key) are caught by the object checksum. */
    @Test
    void aGetRefusesAnObjectThatDoesNotMatchItsObjectChecksum() {
        ProxyObjectStore proxy = open(0);
        // Unencrypted, so that a second proxy needs no KEK.
        backend.abm.createPreset(new Preset("clear", List.of(new Policy(4, 2, 5, 6)), FRAGMENT, "none", "none",
                "xxh64", "rs", "crc32c"));
        proxy.createNamespace("clear", "clear");
        proxy.put("clear", "o", ByteBuffer.wrap(bytes(50_000)), Overwrite.NONE);
        Manifest m = proxy.manifest("clear", "o").orElseThrow();
        assertEquals("crc32c", m.checksum().algorithm());
        byte[] other = m.checksum().toByteArray();
        other[0] ^= 1;
        Manifest wrong = new Manifest(m.name(), m.objectId(), 0, m.size(), Digest.of(m.checksum().algorithm(), other),
                m.policy(), m.compressor(), m.cipher(), m.keyId(), m.fragmentChecksum(), m.erasureCodec(),
                m.blockSize(), m.chunks());
        backend.nsm.apply("clear", List.of(new io.albireo.api.metadata.NamespaceManager.Put(wrong,
                Overwrite.previous(m.objectId()))));
        ProxyObjectStore fresh = proxyOver(backend.nsm); // no cached manifest
        IntegrityException e = assertThrows(IntegrityException.class, () -> fresh.get("clear", "o"));
        assertTrue(e.getMessage().contains("does not match its checksum"), e.getMessage());
        // A stream fails before its last piece (here the first, opening it): no reader gets the whole wrong object.
        e = assertThrows(IntegrityException.class, () -> streamed(fresh.open("clear", "o").orElseThrow(), 50_000));
        assertTrue(e.getMessage().contains("does not match its checksum"), e.getMessage());
        assertEquals(50_000, fresh.read(List.of(new ObjectRange("clear", "o", 0, 50_000))).get(0).remaining(),
                "a range read checks the fragments, not the whole object");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A long stream that is never in memory, whose byte at any position can be recomputed: pseudo-random by default,
     * or any {@code ByteAt}.
     */
    static final class Generated extends InputStream {
        /** The byte at a position. */
        interface ByteAt {
            byte at(long i);
        }

        private final long size;
        private final ByteAt bytes;
        private long pos;

        Generated(long size) {
            this(size, Generated::at);
        }

        Generated(long size, ByteAt bytes) {
            this.size = size;
            this.bytes = bytes;
        }

        static byte at(long i) {
            long x = (i / 8) * 0x9E3779B97F4A7C15L;
            x ^= x >>> 29;
            x *= 0xBF58476D1CE4E5B9L;
            x ^= x >>> 32;
            return (byte) (x >>> ((i % 8) * 8));
        }

        @Override
        public int read() {
            return pos < size ? bytes.at(pos++) & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - pos);
            for (int i = 0; i < n; i++) {
                b[off + i] = bytes.at(pos++);
            }
            return n;
        }
    }

    /**
     * A registration whose answer says it failed may have committed all the same (a WAL write reported failed, an
     * answer lost): the proxy asks the NSM, and fragments a stored manifest points to are never deleted. One that
     * really failed deletes its fragments, as before.
     */
    @Test
    void aRegistrationThatCommittedDespiteItsFailureStandsAndKeepsItsFragments() {
        open(0);
        byte[] data = bytes(200_000);
        ProxyObjectStore lossy = proxyOver(nsmFailingApply(true));
        try {
            lossy.put(NS, "lost-answer", ByteBuffer.wrap(data), Overwrite.NONE);
            assertArrayEquals(data, array(lossy.get(NS, "lost-answer").orElseThrow()));
        } finally {
            lossy.close();
        }
        assertEquals(6, fragmentsStored(), "the committed object's fragments are all there");
        ProxyObjectStore refusing = proxyOver(nsmFailingApply(false));
        try {
            assertThrows(StorageException.class,
                    () -> refusing.put(NS, "refused", ByteBuffer.wrap(data), Overwrite.NONE));
            assertEquals(Optional.empty(), refusing.stat(NS, "refused"));
        } finally {
            refusing.close();
        }
        for (int i = 0; i < 200 && fragmentsStored() > 6; i++) {
            sleep(50);
        }
        assertEquals(6, fragmentsStored(), "the refused put's fragments are deleted, the committed ones kept");
    }

    /** @return the backend's NSM, whose apply fails after it ran ({@code committed}) or before */
    private io.albireo.api.metadata.NamespaceManager nsmFailingApply(boolean committed) {
        io.albireo.api.metadata.NamespaceManager real = backend.nsm;
        return (io.albireo.api.metadata.NamespaceManager) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {io.albireo.api.metadata.NamespaceManager.class},
                (self, method, args) -> {
                    boolean apply = method.getName().equals("apply");
                    if (apply && !committed) {
                        throw new StorageException("the store refused the apply");
                    }
                    Object result;
                    try {
                        result = method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (apply) {
                        throw new StorageException("the answer was lost");
                    }
                    return result;
                });
    }

    private ProxyObjectStore proxyOver(io.albireo.api.metadata.NamespaceManager nsm) {
        Path other = dir.resolve("other-" + System.nanoTime());
        ProxyObjectStore p = new ProxyObjectStore(backend.abm, nsm, new DirectCodecs(), Backend.settings(other, 0));
        backend.osds.forEach(o -> p.bindOsd(o, java.util.Map.of("albireo.name", o.identity().longId())));
        return p;
    }
}
