package io.albireo.nsm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.IntegrityException;
import io.albireo.api.KeyRange;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.ManifestFormat;
import io.albireo.api.metadata.ManifestSamples;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager.Check;
import io.albireo.api.metadata.NamespaceManager.Delete;
import io.albireo.api.metadata.NamespaceManager.FragmentRef;
import io.albireo.api.metadata.NamespaceManager.Listing;
import io.albireo.api.metadata.NamespaceManager.NamespaceStatistics;
import io.albireo.api.metadata.NamespaceManager.OsdStatistics;
import io.albireo.api.metadata.NamespaceManager.Put;
import io.albireo.api.object.NamespaceNotFoundException;
import io.albireo.api.object.Overwrite;
import io.albireo.metadata.rocksdb.internal.RocksMetadataStore;

/** The NSM on the real embedded store (RocksDB), namespaces resolved by a map instead of an ALBA manager. */
class NamespaceManagerServiceTest {
    private static final String NS = "ns";

    @TempDir
    Path dir;
    private RocksMetadataStore store;
    private NamespaceManagerService nsm;
    private final SplittableRandom random = new SplittableRandom(11);

    @BeforeEach
    void open() {
        ApplyOperation op = new ApplyOperation();
        store = RocksMetadataStore.open(dir, RocksMetadataStore.Settings.DEFAULT,
                name -> ApplyOperation.NAME.equals(name) ? op : null);
        Map<String, Namespace> known = Map.of(NS, new Namespace(NS, 7, "default", "local", Namespace.State.ACTIVE),
                "other", new Namespace("other", 8, "default", "local", Namespace.State.ACTIVE));
        nsm = new NamespaceManagerService(store, name -> Optional.ofNullable(known.get(name)));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private Manifest manifest(String name) {
        return ManifestSamples.example(name, random.nextLong());
    }

    /**
     * A repair rewrites an object's manifest under a condition on its version: a repair that lost the race to a put,
     * or to another repair, fails cleanly, and no put is ever undone by one.
     */
    @Test
    void aRewriteUnderAVersionConditionNeverUndoesAPut() {
        Manifest a = nsm.put(NS, manifest("a"), Overwrite.NONE);
        assertEquals(1, a.version());
        // A repair of version 1: the same object, one fragment rebuilt on another OSD under a fresh generation.
        Manifest repaired = nsm.put(NS, rebuilt(a, 1, 3, 999, 0x0123456789abcdefL),
                Overwrite.version(a.objectId(), 1));
        assertEquals(2, repaired.version());
        assertEquals(0x0123456789abcdefL, repaired.chunks().get(1).fragments().get(3).generation());
        // A second repair that read version 1 lost the race to the first: it fails, nothing changes.
        AssertFailedException lost = assertThrows(AssertFailedException.class,
                () -> nsm.put(NS, a, Overwrite.version(a.objectId(), 1)));
        assertEquals(0, lost.index());
        assertEquals(Optional.of(repaired), nsm.get(NS, "a"));
        // A client replaces the object; a repair of the old one, at whatever version, fails and the put stands.
        Manifest b = nsm.put(NS, manifest("a"), Overwrite.previous(a.objectId()));
        for (long v = 1; v <= 4; v++) {
            long version = v;
            assertThrows(AssertFailedException.class, () -> nsm.put(NS, a, Overwrite.version(a.objectId(),
                    version)));
            assertThrows(AssertFailedException.class, () -> nsm.delete(NS, "a", Overwrite.version(a.objectId(),
                    version)));
        }
        assertEquals(Optional.of(b), nsm.get(NS, "a"));
        assertEquals(3, b.version());
        assertEquals(4, nsm.put(NS, b, Overwrite.version(b.objectId(), 3)).version(), "the new object's repair holds");
        assertThrows(IllegalArgumentException.class, () -> Overwrite.version(b.objectId(), 0));
    }

    /** A check is a condition only: it fails the apply when it does not hold, and writes nothing when it does. */
    @Test
    void aCheckConditionsAnApplyAndWritesNothing() {
        Manifest a = nsm.put(NS, manifest("a"), Overwrite.NONE);
        Manifest b = manifest("b");
        List<Optional<Manifest>> done = nsm.apply(NS, List.of(new Check("a",
                Overwrite.version(a.objectId(), 1)), new Check("zz", Overwrite.NONE),
                new Put(b, Overwrite.NONE)));
        assertEquals(List.of(Optional.empty(), Optional.empty(), Optional.of(b.withVersion(1))), done);
        assertEquals(Optional.of(a), nsm.get(NS, "a"), "a check does not rewrite: a is still at version 1");
        assertEquals(Optional.empty(), nsm.get(NS, "zz"));
        AssertFailedException e = assertThrows(AssertFailedException.class, () -> nsm.apply(NS, List.of(
                new Put(manifest("c"), Overwrite.NONE),
                new Check("a", Overwrite.version(a.objectId(), 2)))));
        assertEquals(1, e.index());
        assertEquals(Optional.empty(), nsm.get(NS, "c"), "nothing of a failed apply is written");
        assertEquals(2, nsm.statistics(NS).objects());
    }

    @Test
    void putGetDeleteUnderEveryCondition() {
        Manifest a = manifest("a");
        assertThrows(AssertFailedException.class, () -> nsm.put(NS, a, Overwrite.EXISTING));
        assertThrows(AssertFailedException.class, () -> nsm.put(NS, a, Overwrite.previous(a.objectId())));
        Manifest stored = nsm.put(NS, a, Overwrite.NONE);
        assertEquals(a.withVersion(1), stored);
        assertEquals(Optional.of(stored), nsm.get(NS, "a"));
        assertEquals(Optional.empty(), nsm.get("other", "a"), "namespaces are apart");

        AssertFailedException e = assertThrows(AssertFailedException.class, () -> nsm.put(NS, a, Overwrite.NONE));
        assertEquals(0, e.index());
        Manifest b = manifest("a");
        assertEquals(2, nsm.put(NS, b, Overwrite.EXISTING).version());
        assertThrows(AssertFailedException.class, () -> nsm.put(NS, a, Overwrite.previous(a.objectId())));
        Manifest c = manifest("a");
        assertEquals(3, nsm.put(NS, c, Overwrite.previous(b.objectId())).version());
        assertEquals(4, nsm.put(NS, b, Overwrite.UNCONDITIONAL).version());

        assertThrows(AssertFailedException.class, () -> nsm.delete(NS, "a", Overwrite.NONE));
        assertThrows(AssertFailedException.class, () -> nsm.delete(NS, "a", Overwrite.previous(c.objectId())));
        assertEquals(Optional.of(b.withVersion(4)), nsm.delete(NS, "a", Overwrite.previous(b.objectId())));
        assertEquals(Optional.empty(), nsm.get(NS, "a"));
        assertThrows(AssertFailedException.class, () -> nsm.delete(NS, "a", Overwrite.EXISTING));
        assertEquals(Optional.empty(), nsm.delete(NS, "a", Overwrite.NONE));
        assertEquals(Optional.empty(), nsm.delete(NS, "a", Overwrite.UNCONDITIONAL));
        assertEquals(1, nsm.put(NS, a, Overwrite.NONE).version(), "a new object starts again at 1");
    }

    @Test
    void anUnknownNamespaceIsNamed() {
        NamespaceNotFoundException e = assertThrows(NamespaceNotFoundException.class, () -> nsm.get("nope", "a"));
        assertEquals("namespace 'nope' does not exist", e.getMessage());
        assertThrows(NamespaceNotFoundException.class, () -> nsm.put("nope", manifest("a"), Overwrite.NONE));
    }

    @Test
    void aFailingConditionInTheMiddleChangesNothing() {
        Manifest x = nsm.put(NS, manifest("x"), Overwrite.NONE);
        NamespaceStatistics before = nsm.statistics(NS);
        AssertFailedException e = assertThrows(AssertFailedException.class, () -> nsm.apply(NS, List.of(
                new Put(manifest("y"), Overwrite.NONE), new Delete("x", Overwrite.UNCONDITIONAL),
                new Put(manifest("z"), Overwrite.EXISTING), new Put(manifest("w"), Overwrite.NONE))));
        assertEquals(2, e.index());
        assertEquals(Optional.empty(), nsm.get(NS, "y"));
        assertEquals(Optional.of(x), nsm.get(NS, "x"));
        assertEquals(before, nsm.statistics(NS));
        assertEquals(List.of("x"), nsm.list(NS, "", null, 10).names());

        // A later change sees an earlier one of the same apply.
        Manifest y1 = manifest("y");
        Manifest y2 = manifest("y");
        List<Optional<Manifest>> r = nsm.apply(NS, List.of(new Put(y1, Overwrite.NONE),
                new Put(y2, Overwrite.previous(y1.objectId())), new Delete("x", Overwrite.EXISTING)));
        assertEquals(List.of(Optional.of(y1.withVersion(1)), Optional.of(y2.withVersion(2)), Optional.of(x)), r);
    }

    @Test
    void racingOverwritesOfOneNameHaveExactlyOneWinner() throws Exception {
        nsm.put(NS, manifest("race"), Overwrite.NONE);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        CyclicBarrier barrier = new CyclicBarrier(2);
        try {
            for (int round = 0; round < 200; round++) {
                String seen = nsm.get(NS, "race").orElseThrow().objectId();
                AtomicInteger wins = new AtomicInteger();
                List<Future<?>> clients = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    Manifest mine = manifest("race");
                    clients.add(pool.submit(() -> {
                        barrier.await();
                        try {
                            nsm.put(NS, mine, Overwrite.previous(seen));
                            wins.incrementAndGet();
                        } catch (AssertFailedException lost) {
                            // the other client won this round
                        }
                        return null;
                    }));
                }
                for (Future<?> f : clients) {
                    f.get();
                }
                assertEquals(1, wins.get(), "round " + round);
                assertEquals(round + 2, nsm.get(NS, "race").orElseThrow().version());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theReverseIndexListsExactlyTheWrittenFragments() {
        Manifest a = withUnwritten(manifest("a"), 3);
        Manifest b = manifest("b");
        nsm.put(NS, a, Overwrite.NONE);
        nsm.put(NS, b, Overwrite.NONE);
        assertIndex(List.of(a, b));
        Manifest a2 = manifest("a");
        nsm.put(NS, a2, Overwrite.EXISTING);
        assertIndex(List.of(a2, b));
        nsm.delete(NS, "b", Overwrite.EXISTING);
        assertIndex(List.of(a2));
        nsm.delete(NS, "a", Overwrite.EXISTING);
        assertIndex(List.of());
    }

    @Test
    void fragmentsOnPages() {
        // Every fragment on OSD 5, so paging crosses chunks, objects and names.
        List<Manifest> all = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Manifest m = onOsd(manifest("o" + i), 5);
            nsm.put(NS, m, Overwrite.NONE);
            all.add(m);
        }
        List<FragmentRef> paged = new ArrayList<>();
        FragmentRef after = null;
        while (true) {
            List<FragmentRef> page = nsm.fragmentsOn(NS, 5, after, 3);
            if (page.isEmpty()) {
                break;
            }
            paged.addAll(page);
            after = page.get(page.size() - 1);
        }
        assertEquals(7 * 20, paged.size());
        assertEquals(paged.size(), Set.copyOf(paged).size(), "no fragment twice");
        assertEquals(Set.copyOf(expected(all).get(5)), Set.copyOf(paged));
    }

    @Test
    void statisticsFollowPutsOverwritesAndDeletes() {
        assertEquals(new NamespaceStatistics(0, 0, 0), nsm.statistics(NS));
        Manifest a = withUnwritten(manifest("a"), 2);
        Manifest b = manifest("b");
        nsm.put(NS, a, Overwrite.NONE);
        nsm.put(NS, b, Overwrite.NONE);
        assertEquals(new NamespaceStatistics(2, a.size() + b.size(), a.storedBytes() + b.storedBytes()),
                nsm.statistics(NS));
        assertTrue(a.storedBytes() < b.storedBytes(), "unwritten fragments are not stored bytes");
        Manifest empty = new Manifest("a", "00", 0, 0, a.checksum(), a.policy(), "none", "none", "", "xxh64", "rs",
                0, List.of());
        nsm.put(NS, empty, Overwrite.EXISTING);
        assertEquals(new NamespaceStatistics(2, b.size(), b.storedBytes()), nsm.statistics(NS));
        nsm.delete(NS, "b", Overwrite.EXISTING);
        assertEquals(new NamespaceStatistics(1, 0, 0), nsm.statistics(NS));
        assertEquals(new NamespaceStatistics(0, 0, 0), nsm.statistics("other"));
    }

    /** Per OSD, what it holds: counted through puts, overwrites, a repair and deletes, and the same as the index. */
    @Test
    void osdStatisticsFollowPutsOverwritesRepairsAndDeletes() {
        long fragment = ManifestSamples.FRAGMENT;
        assertEquals(OsdStatistics.NONE, nsm.osdStatistics(NS, 5));
        assertEquals(Map.of(), nsm.osdStatistics(NS));
        Manifest a = onOsd(manifest("a"), 5);
        nsm.put(NS, a, Overwrite.NONE);
        assertEquals(new OsdStatistics(20, 20 * fragment), nsm.osdStatistics(NS, 5));
        Manifest b = withUnwritten(onOsd(manifest("b"), 5), 3);
        nsm.put(NS, b, Overwrite.NONE);
        assertEquals(new OsdStatistics(37, 37 * fragment), nsm.osdStatistics(NS, 5), "unwritten fragments are not");
        assertOsdStatisticsMatchTheIndex();

        Manifest a2 = onOsd(manifest("a"), 6);
        nsm.put(NS, a2, Overwrite.previous(a.objectId()));
        assertEquals(Map.of(5, new OsdStatistics(17, 17 * fragment), 6, new OsdStatistics(20, 20 * fragment)),
                nsm.osdStatistics(NS));

        // A repair: the same object, one fragment rebuilt on OSD 7 and one unwritten one written on OSD 6.
        Manifest b2 = rebuild(b, (c, f, osd) -> c == 1 && f == 0 ? 7 : c == 0 && f == 0 ? 6 : osd);
        nsm.put(NS, b2, Overwrite.version(b.objectId(), 1));
        assertEquals(Map.of(5, new OsdStatistics(16, 16 * fragment), 6, new OsdStatistics(21, 21 * fragment),
                7, new OsdStatistics(1, fragment)), nsm.osdStatistics(NS));
        assertOsdStatisticsMatchTheIndex();

        nsm.delete(NS, "b", Overwrite.EXISTING);
        assertEquals(OsdStatistics.NONE, nsm.osdStatistics(NS, 5), "OSD 5 is empty");
        assertEquals(Map.of(6, new OsdStatistics(20, 20 * fragment)), nsm.osdStatistics(NS));
        NsmKeys keys = new NsmKeys(7);
        assertEquals(Optional.empty(), store.get(keys.osdStatistics(5)), "an empty OSD keeps no record");
        assertEquals(Optional.empty(), store.get(keys.osdStatistics(7)));
        assertEquals(Map.of(), nsm.osdStatistics("other"), "namespaces are apart");
        nsm.delete(NS, "a", Overwrite.EXISTING);
        assertEquals(Map.of(), nsm.osdStatistics(NS));
        assertEquals(List.of(), store.range(KeyRange.prefix(keys.osdStatistics()), 10, false));
    }

    @Test
    void osdStatisticsFollowSeveralChangesOfOneNameInOneApply() {
        long fragment = ManifestSamples.FRAGMENT;
        Manifest x = onOsd(manifest("x"), 1);
        nsm.put(NS, x, Overwrite.NONE);
        Manifest c1 = onOsd(manifest("c"), 2);
        Manifest c2 = withUnwritten(onOsd(manifest("c"), 3), 4);
        Manifest c3 = rebuild(c2, (c, f, osd) -> c == 1 ? 4 : osd); // the same object as c2, chunk 1 moved
        nsm.apply(NS, List.of(new Put(c1, Overwrite.NONE), new Check("x", Overwrite.EXISTING),
                new Put(c2, Overwrite.previous(c1.objectId())), new Put(manifest("gone"), Overwrite.NONE),
                new Put(c3, Overwrite.version(c2.objectId(), 2)), new Delete("gone", Overwrite.EXISTING),
                new Delete("x", Overwrite.EXISTING), new Put(onOsd(x, 9), Overwrite.NONE)));
        assertEquals(Map.of(3, new OsdStatistics(6, 6 * fragment), 4, new OsdStatistics(10, 10 * fragment),
                9, new OsdStatistics(20, 20 * fragment)), nsm.osdStatistics(NS),
                "as the last change of each name left it");
        assertOsdStatisticsMatchTheIndex();

        // A failed apply counts nothing; a check alone changes nothing.
        Map<Integer, OsdStatistics> before = nsm.osdStatistics(NS);
        assertThrows(AssertFailedException.class, () -> nsm.apply(NS, List.of(new Put(onOsd(manifest("y"), 3),
                Overwrite.NONE), new Delete("c", Overwrite.EXISTING), new Check("x", Overwrite.NONE))));
        assertEquals(before, nsm.osdStatistics(NS));
        nsm.apply(NS, List.of(new Check("c", Overwrite.EXISTING)));
        assertEquals(before, nsm.osdStatistics(NS));
    }

    /**
     * Random applies of random manifests (OSD numbers up to 2^31 - 1, unwritten fragments, empty manifests, fragment
     * lengths up to 2^31 - 1, a hundred OSDs in one apply): after every one, each OSD's counts are exactly what a
     * walk of the index gives, so the clamp at 0 is never reached.
     */
    @Test
    void osdStatisticsStayExactUnderRandomApplies() {
        SplittableRandom r = new SplittableRandom(17);
        List<String> names = List.of("a", "b", "c", "d", "e", "f", "g", "h");
        for (int round = 0; round < 150; round++) {
            List<io.albireo.api.metadata.NamespaceManager.Change> changes = new ArrayList<>();
            int n = 1 + r.nextInt(6);
            for (int i = 0; i < n; i++) {
                String name = names.get(r.nextInt(names.size()));
                Optional<Manifest> held = nsm.get(NS, name);
                switch (r.nextInt(4)) {
                    case 0 -> changes.add(new Delete(name, Overwrite.UNCONDITIONAL));
                    case 1 -> changes.add(new Check(name, Overwrite.UNCONDITIONAL));
                    case 2 -> {
                        // A repair of what the store held before this apply: the same object, fragments moved to
                        // random OSDs or left unwritten. Put unconditionally, as an earlier change may replace it.
                        if (held.isPresent()) {
                            changes.add(new Put(rebuild(held.get(), (c, f, osd) -> r.nextInt(3) == 0
                                    ? (r.nextInt(4) == 0 ? Manifest.Fragment.NOT_WRITTEN : r.nextInt(40)) : osd),
                                    Overwrite.UNCONDITIONAL));
                        }
                    }
                    default -> changes.add(new Put(r.nextBoolean() ? ManifestSamples.random(r, name, 4)
                            : rebuild(ManifestSamples.random(r, name, 12), (c, f, osd) -> osd < 0 ? osd
                                    : r.nextInt(40)), Overwrite.UNCONDITIONAL));
                }
            }
            nsm.apply(NS, changes);
            assertOsdStatisticsMatchTheIndex();
        }
        for (String name : names) {
            nsm.delete(NS, name, Overwrite.UNCONDITIONAL);
        }
        assertEquals(Map.of(), nsm.osdStatistics(NS), "every OSD empty again");
        assertEquals(List.of(), store.range(KeyRange.prefix(new NsmKeys(7).osdStatistics()), 10, false));
    }

    /**
     * Checks {@code osdStatistics} against a walk of {@code fragmentsOn} for every OSD the current manifests or the
     * counts name, and against the namespace's stored bytes.
     */
    private void assertOsdStatisticsMatchTheIndex() {
        Map<String, Manifest> current = new TreeMap<>();
        for (String name : nsm.list(NS, "", null, 100_000).names()) {
            current.put(name, nsm.get(NS, name).orElseThrow());
        }
        Map<Integer, OsdStatistics> counted = nsm.osdStatistics(NS);
        Set<Integer> osds = new TreeSet<>(counted.keySet());
        for (Manifest m : current.values()) {
            osds.addAll(ApplyOperation.fragmentsByOsd(m).keySet());
        }
        Map<Integer, OsdStatistics> walked = new TreeMap<>();
        long bytes = 0;
        for (int osd : osds) {
            long f = 0;
            long b = 0;
            for (FragmentRef ref : nsm.fragmentsOn(NS, osd, null, 100_000)) {
                f++;
                b += current.get(ref.name()).chunks().get(ref.chunk()).fragmentLength();
            }
            if (f > 0) {
                walked.put(osd, new OsdStatistics(f, b));
            }
            assertEquals(f > 0 ? new OsdStatistics(f, b) : OsdStatistics.NONE, nsm.osdStatistics(NS, osd),
                    "OSD " + osd);
            bytes += b;
        }
        assertEquals(walked, counted);
        assertEquals(nsm.statistics(NS).storedBytes(), bytes, "the OSDs' bytes add up to the stored bytes");
    }

    @Test
    void listingByPrefixPages() {
        List<String> names = List.of("a", "b/1", "b/2", "b/3", "b/30", "b/4", "bb", "c", "é");
        for (String n : names) {
            nsm.put(NS, manifest(n), Overwrite.NONE);
        }
        assertEquals(new Listing(names, false), nsm.list(NS, "", null, 100));
        assertEquals(new Listing(List.of("b/1", "b/2"), true), nsm.list(NS, "b/", null, 2));
        assertEquals(new Listing(List.of("b/3", "b/30"), true), nsm.list(NS, "b/", "b/2", 2));
        assertEquals(new Listing(List.of("b/4"), false), nsm.list(NS, "b/", "b/30", 2));
        assertEquals(new Listing(List.of(), false), nsm.list(NS, "b/", "b/4", 2));
        assertEquals(new Listing(List.of("b/1"), true), nsm.list(NS, "b/", "a", 1), "after before the prefix");
        assertEquals(new Listing(List.of(), false), nsm.list(NS, "b/", "z", 5), "after past the prefix");
        assertEquals(new Listing(List.of("c", "é"), false), nsm.list(NS, "", "bb", 5));
        assertEquals(new Listing(List.of(), true), nsm.list(NS, "", null, 0));
        assertEquals(new Listing(List.of(), false), nsm.list("other", "", null, 10));
    }

    /** @return the OSD -> fragments the index must hold for {@code manifests} */
    private static Map<Integer, List<FragmentRef>> expected(List<Manifest> manifests) {
        Map<Integer, List<FragmentRef>> byOsd = new java.util.TreeMap<>();
        for (Manifest m : manifests) {
            for (int c = 0; c < m.chunks().size(); c++) {
                List<Manifest.Fragment> fs = m.chunks().get(c).fragments();
                for (int f = 0; f < fs.size(); f++) {
                    if (fs.get(f).written()) {
                        byOsd.computeIfAbsent(fs.get(f).osd(), k -> new ArrayList<>())
                                .add(new FragmentRef(m.name(), m.objectId(), c, f));
                    }
                }
            }
        }
        return byOsd;
    }

    private void assertIndex(List<Manifest> manifests) {
        Map<Integer, List<FragmentRef>> want = expected(manifests);
        for (int osd = 0; osd < 1000; osd++) {
            List<FragmentRef> got = nsm.fragmentsOn(NS, osd, null, 1000);
            assertEquals(Set.copyOf(want.getOrDefault(osd, List.of())), Set.copyOf(got), "OSD " + osd);
            assertEquals(want.getOrDefault(osd, List.of()).size(), got.size(), "OSD " + osd);
        }
    }

    private static Manifest withUnwritten(Manifest m, int notWritten) {
        return rebuild(m, (c, f, osd) -> c == 0 && f < notWritten ? Manifest.Fragment.NOT_WRITTEN : osd);
    }

    private static Manifest onOsd(Manifest m, int osd) {
        return rebuild(m, (c, f, old) -> osd);
    }

    private interface OsdChoice {
        int osd(int chunk, int fragment, int old);
    }

    private static Manifest rebuild(Manifest m, OsdChoice choice) {
        List<Manifest.Chunk> chunks = new ArrayList<>();
        for (int c = 0; c < m.chunks().size(); c++) {
            Manifest.Chunk chunk = m.chunks().get(c);
            List<Manifest.Fragment> fs = new ArrayList<>();
            for (int f = 0; f < chunk.fragments().size(); f++) {
                Manifest.Fragment old = chunk.fragments().get(f);
                fs.add(new Manifest.Fragment(choice.osd(c, f, old.osd()), old.checksum()));
            }
            chunks.add(new Manifest.Chunk(chunk.length(), chunk.storedLength(), chunk.fragmentLength(), fs));
        }
        return new Manifest(m.name(), m.objectId(), m.version(), m.size(), m.checksum(), m.policy(), m.compressor(),
                m.cipher(), m.keyId(), m.fragmentChecksum(), m.erasureCodec(), m.blockSize(), chunks);
    }

    /** @return {@code m} with fragment {@code fragment} of chunk {@code chunk} rewritten on {@code osd} */
    private static Manifest rebuilt(Manifest m, int chunk, int fragment, int osd, long generation) {
        List<Manifest.Chunk> chunks = new ArrayList<>(m.chunks());
        Manifest.Chunk c = chunks.get(chunk);
        List<Manifest.Fragment> fs = new ArrayList<>(c.fragments());
        fs.set(fragment, new Manifest.Fragment(osd, fs.get(fragment).checksum(), generation));
        chunks.set(chunk, new Manifest.Chunk(c.length(), c.storedLength(), c.fragmentLength(), fs));
        return new Manifest(m.name(), m.objectId(), m.version(), m.size(), m.checksum(), m.policy(), m.compressor(),
                m.cipher(), m.keyId(), m.fragmentChecksum(), m.erasureCodec(), m.blockSize(), chunks);
    }

    private static void spliceMatchesEncoding(Manifest m) {
        for (long sent : new long[] {0, 1, 127, 128, Long.MAX_VALUE}) {
            byte[] form = ManifestFormat.encode(m.withVersion(sent));
            long span = NsmKeys.versionSpan(form);
            for (long version : new long[] {1, 127, 128, 1L << 40, Long.MAX_VALUE}) {
                for (long segment : new long[] {0, 300}) {
                    assertEquals(NsmKeys.storedValue(segment, m.withVersion(version)), NsmKeys.storedValue(segment,
                            form, (int) (span >>> 32), (int) span, version), sent + " -> " + version);
                }
            }
        }
    }

    @Test
    void keysAndSegmentsRoundTrip() {
        NsmKeys keys = new NsmKeys(Long.MAX_VALUE);
        Bytes key = keys.segment(3, Long.MAX_VALUE - 1);
        assertTrue(key.startsWith(keys.fragmentsOn(3)));
        assertEquals(Long.MAX_VALUE - 1, keys.segmentId(key));
        String longName = "n".repeat(300) + "é";
        assertEquals(longName, keys.name(keys.manifest(longName)));
        assertTrue(keys.osdStatistics(Integer.MAX_VALUE).startsWith(keys.osdStatistics()));
        assertEquals(Integer.MAX_VALUE, keys.osd(keys.osdStatistics(Integer.MAX_VALUE)));
        assertEquals(0, keys.osd(keys.osdStatistics(0)));
        assertFalse(keys.manifest("x").startsWith(new NsmKeys(0).manifests()));
        Manifest m = manifest("m");
        assertEquals(new NsmKeys.Stored(300, m), NsmKeys.stored(NsmKeys.storedValue(300, m)));
        // The committer splices the version into the manifest as sent: the same bytes as encoding it anew, in format
        // version 1 and in version 2 (a fragment with a generation).
        spliceMatchesEncoding(m);
        spliceMatchesEncoding(rebuilt(m, 0, 0, 5, Long.MAX_VALUE));

        Segment s = Segment.empty();
        s.put("", new Segment.Entry("", new long[] {Segment.pair(0, 0)}));
        s.put(longName, new Segment.Entry("Not-hex", new long[] {Segment.pair(70000, 254), Segment.pair(70001, 0)}));
        s.put(longName + "x", new Segment.Entry(HexFormat.of().formatHex(new byte[16]),
                new long[] {Segment.pair(Integer.MAX_VALUE, 65535)}));
        s.put("nn", new Segment.Entry("ABCDEF0123456789abcdef0123456789", new long[0]));
        byte[] encoded = s.encode().toByteArray();
        Segment back = Segment.decode(Bytes.of(encoded));
        assertEquals(s.entries().keySet(), back.entries().keySet());
        s.entries().forEach((name, e) -> {
            assertEquals(e.objectId(), back.entries().get(name).objectId());
            assertTrue(java.util.Arrays.equals(e.pairs(), back.entries().get(name).pairs()), name);
        });
        for (int bit = 0; bit < encoded.length * 8; bit++) {
            byte[] flipped = encoded.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(IntegrityException.class, () -> Segment.decode(Bytes.of(flipped)), "bit " + bit);
        }
    }

    /** @return the segment keys of namespace {@link #NS}, in order */
    private List<Bytes> segmentKeys() {
        Bytes f = new NsmKeys(7).fragmentsOn(0);
        List<Bytes> out = new ArrayList<>();
        for (Entry e : store.range(KeyRange.prefix(f.slice(0, f.length() - 4)), 100_000, false)) {
            out.add(e.key());
        }
        return out;
    }

    private long segmentOf(String name) {
        return NsmKeys.stored(store.get(new NsmKeys(7).manifest(name)).orElseThrow()).segment();
    }

    @Test
    void entriesFollowOverwritesAndDeletesAcrossSegments() {
        Manifest a = manifest("a");
        Manifest b = manifest("b");
        nsm.apply(NS, List.of(new Put(a, Overwrite.NONE), new Put(b, Overwrite.NONE)));
        Manifest c = manifest("c");
        nsm.put(NS, c, Overwrite.NONE);
        assertEquals(1, segmentOf("a"));
        assertEquals(1, segmentOf("b"));
        assertEquals(2, segmentOf("c"));
        assertIndex(List.of(a, b, c));

        // A new object under an old name moves to the apply's new segment; the old segment keeps b.
        Manifest a2 = manifest("a");
        nsm.put(NS, a2, Overwrite.EXISTING);
        assertEquals(3, segmentOf("a"));
        assertIndex(List.of(a2, b, c));

        // The same object rewritten (a repair moving fragments) keeps its segment.
        Manifest b2 = rebuild(b, (ch, f, osd) -> ch == 1 && f == 0 ? 1234 : osd);
        nsm.put(NS, b2, Overwrite.previous(b.objectId()));
        assertEquals(1, segmentOf("b"));
        assertIndex(List.of(a2, b2, c));

        // Several changes of one name in one apply: the index ends as the last left it.
        Manifest c2 = manifest("c");
        Manifest c3 = manifest("c");
        nsm.apply(NS, List.of(new Put(c2, Overwrite.EXISTING), new Delete("b", Overwrite.EXISTING),
                new Put(c3, Overwrite.previous(c2.objectId()))));
        assertEquals(4, segmentOf("c"), "the repair kept its segment and took no new one");
        assertIndex(List.of(a2, c3));
        nsm.apply(NS, List.of(new Delete("a", Overwrite.EXISTING), new Delete("c", Overwrite.EXISTING)));
        assertIndex(List.of());
        assertEquals(List.of(), segmentKeys());
    }

    @Test
    void anObjectPutAndDeletedInOneApplyLeavesNoSegment() {
        Manifest kept = manifest("k");
        List<Optional<Manifest>> out = nsm.apply(NS, List.of(new Put(manifest("gone"), Overwrite.NONE),
                new Put(kept, Overwrite.NONE), new Delete("gone", Overwrite.EXISTING)));
        assertTrue(out.get(2).isPresent(), "the delete reports what it deleted");
        assertEquals("gone", out.get(2).get().name());
        assertIndex(List.of(kept));
        nsm.apply(NS, List.of(new Put(manifest("gone2"), Overwrite.NONE), new Delete("gone2", Overwrite.EXISTING)));
        assertIndex(List.of(kept));
        nsm.delete(NS, "k", Overwrite.EXISTING);
        assertEquals(List.of(), segmentKeys());
    }

    @Test
    void aSegmentEmptiedByDeletesDisappears() {
        List<Manifest> batch = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            batch.add(onOsd(manifest("d" + i), 5));
        }
        nsm.apply(NS, batch.stream().map(m -> (io.albireo.api.metadata.NamespaceManager.Change) new Put(m,
                Overwrite.NONE)).toList());
        Manifest other = onOsd(manifest("e"), 5);
        nsm.put(NS, other, Overwrite.NONE);
        NsmKeys keys = new NsmKeys(7);
        assertEquals(List.of(keys.segment(5, 1), keys.segment(5, 2)), segmentKeys(), "one key per OSD and apply");
        nsm.delete(NS, "d0", Overwrite.EXISTING);
        nsm.delete(NS, "d1", Overwrite.EXISTING);
        assertEquals(2, segmentKeys().size());
        assertIndex(List.of(batch.get(2), other));
        nsm.delete(NS, "d2", Overwrite.EXISTING);
        assertEquals(List.of(keys.segment(5, 2)), segmentKeys());
        assertIndex(List.of(other));
    }

    @Test
    void pagingCrossesSegmentsInSegmentOrder() {
        // Segment 1 holds z0..z2 (one batch), segment 2 holds a0: segment order first, then names.
        List<Manifest> batch = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            batch.add(onOsd(manifest("z" + i), 5));
        }
        nsm.apply(NS, batch.stream().map(m -> (io.albireo.api.metadata.NamespaceManager.Change) new Put(m,
                Overwrite.NONE)).toList());
        nsm.put(NS, onOsd(manifest("a0"), 5), Overwrite.NONE);
        List<FragmentRef> paged = pageAll(5, 7);
        assertEquals(4 * 20, paged.size());
        List<String> names = paged.stream().map(FragmentRef::name).distinct().toList();
        assertEquals(List.of("z0", "z1", "z2", "a0"), names);
        assertEquals(new FragmentRef("z0", batch.get(0).objectId(), 0, 0), paged.get(0));
        assertEquals(new FragmentRef("z0", batch.get(0).objectId(), 1, 0), paged.get(10));
        assertEquals(paged, nsm.fragmentsOn(NS, 5, null, 1000), "pages add up to one listing");
        assertEquals(List.of(), nsm.fragmentsOn(NS, 5, null, 0));
    }

    @Test
    void afterNamingADeletedObjectRestartsFromTheFirstSegment() {
        for (int i = 0; i < 4; i++) {
            nsm.put(NS, onOsd(manifest("o" + i), 5), Overwrite.NONE);
        }
        List<FragmentRef> first = nsm.fragmentsOn(NS, 5, null, 25);
        FragmentRef after = first.get(24);
        assertEquals("o1", after.name());
        nsm.delete(NS, "o1", Overwrite.EXISTING);
        List<FragmentRef> next = nsm.fragmentsOn(NS, 5, after, 25);
        assertEquals(first.subList(0, 20), next.subList(0, 20), "restarted: o0 again");
        assertEquals("o2", next.get(20).name());

        // Overwritten with another object: that is a deleted object too.
        FragmentRef inO2 = next.get(24);
        nsm.put(NS, onOsd(manifest("o2"), 5), Overwrite.EXISTING);
        assertEquals(first.subList(0, 20), nsm.fragmentsOn(NS, 5, inO2, 20));

        // The same object repaired away from the OSD keeps its segment: the listing resumes right after it.
        List<FragmentRef> page = nsm.fragmentsOn(NS, 5, null, 30);
        FragmentRef inO0 = page.get(12);
        Manifest o0 = nsm.get(NS, "o0").orElseThrow();
        nsm.put(NS, rebuild(o0, (c, f, osd) -> 6), Overwrite.previous(o0.objectId()));
        List<FragmentRef> resumed = nsm.fragmentsOn(NS, 5, inO0, 1000);
        assertEquals(page.subList(20, 30), resumed.subList(0, 10), "o3 after o0 in segment order, nothing skipped");
        assertEquals(Set.of("o3", "o2"), resumed.stream().map(FragmentRef::name).collect(
                java.util.stream.Collectors.toSet()));
    }

    private List<FragmentRef> pageAll(int osd, int limit) {
        List<FragmentRef> paged = new ArrayList<>();
        FragmentRef after = null;
        while (true) {
            List<FragmentRef> page = nsm.fragmentsOn(NS, osd, after, limit);
            if (page.isEmpty()) {
                return paged;
            }
            paged.addAll(page);
            after = page.get(page.size() - 1);
        }
    }
}
