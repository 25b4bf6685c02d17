package io.albireo.maintenance.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.InvocationTargetException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import io.albireo.api.AlbireoName;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.object.Overwrite;
import io.albireo.api.osd.Osd;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.proxy.internal.Backend;
import io.albireo.proxy.internal.DirectCodecs;
import io.albireo.proxy.internal.FlakyOsd;

/** What the maintenance tests on the real stack share: agents, objects, waits, and looks at the OSDs' keys. */
final class Fixtures {
    /** How long any wait may take: generous, the machine is shared. Never a figure a test asserts. */
    static final long WAIT_SECONDS = 120;

    private Fixtures() {
    }

    static MaintenanceService.Settings fast(String name) {
        return settings(name, 3000, 0, false);
    }

    static MaintenanceService.Settings settings(String name, long leaseMillis, long rateLimit, boolean paused) {
        return new MaintenanceService.Settings(new Agent.Settings(name, 2, leaseMillis, 50, 200),
                TimeUnit.MINUTES.toMillis(15), 200, rateLimit, paused);
    }

    static MaintenanceService agent(Backend b, MaintenanceService.Settings s) {
        return agent(b, s, System::currentTimeMillis, b.abm, Map.of());
    }

    /**
     * An agent on its own clock and ABM (a {@link Recorder}, say), bound to the backend's OSDs, or to the stand-ins
     * given by long id ({@link HookOsd}s over them).
     */
    static MaintenanceService agent(Backend b, MaintenanceService.Settings s, LongSupplier clock, AlbaManager abm,
            Map<String, ? extends Osd> instead) {
        return agent(b, s, clock, abm, b.nsm, instead);
    }

    static MaintenanceService agent(Backend b, MaintenanceService.Settings s, LongSupplier clock, AlbaManager abm,
            NamespaceManager nsm, Map<String, ? extends Osd> instead) {
        MaintenanceService m = new MaintenanceService(abm, nsm, new DirectCodecs(), s, clock);
        for (FlakyOsd o : b.osds) {
            String id = o.identity().longId();
            m.bindOsd(instead.containsKey(id) ? instead.get(id) : o, Map.of(AlbireoName.PROPERTY, id));
        }
        return m;
    }

    /** @return a {@link HookOsd} over every OSD of the backend, by long id */
    static Map<String, HookOsd> hooks(Backend b) {
        Map<String, HookOsd> hooks = new LinkedHashMap<>();
        b.osds.forEach(o -> hooks.put(o.identity().longId(), new HookOsd(o)));
        return hooks;
    }

    static Map<String, byte[]> put(Backend b, String ns, int count, long seed) {
        Random r = new Random(seed);
        Map<String, byte[]> objects = new HashMap<>();
        for (int i = 0; i < count; i++) {
            byte[] data = new byte[1 + r.nextInt(i % 5 == 0 ? 300_000 : 20_000)];
            r.nextBytes(data);
            String name = "o" + i;
            b.proxy.put(ns, name, ByteBuffer.wrap(data), Overwrite.UNCONDITIONAL);
            objects.put(name, data);
        }
        return objects;
    }

    static byte[] random(Random r, int max) {
        byte[] data = new byte[1 + r.nextInt(max)];
        r.nextBytes(data);
        return data;
    }

    static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Waits until the agent has nothing left to do. Items that wait (an OSD did not answer, a repair lost a race
     * four times, a garbage delete failed: a minute to five) are made due by moving the agent's clock on, whenever
     * none of its items is running, so that no test sleeps through a retry delay.
     */
    static void awaitIdle(MaintenanceService m, TestClock clock) throws InterruptedException {
        await("the agent to finish", () -> m.status().idle(), m, clock);
    }

    /** Waits for {@code done}, moving the agent's clock on as {@link #awaitIdle} does. */
    static void await(String what, BooleanSupplier done, MaintenanceService m, TestClock clock)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        long quietSince = System.nanoTime();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what + ": " + m.status());
            }
            if (!m.agent().running().isEmpty()) {
                quietSince = System.nanoTime();
            } else if (clock != null && System.nanoTime() - quietSince > TimeUnit.MILLISECONDS.toNanos(500)) {
                clock.advance(TimeUnit.SECONDS.toMillis(61));
                quietSince = System.nanoTime();
            }
            Thread.sleep(50);
        }
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    static void assertReadable(Backend b, String ns, Map<String, byte[]> objects) {
        objects.forEach((name, data) -> assertArrayEquals(data, bytes(b.proxy.get(ns, name).orElseThrow()), name));
    }

    /** Takes the OSD of this index down and marks it dead. @return its number */
    static int lose(Backend b, int index) {
        FlakyOsd lost = b.osds.get(index);
        lost.down(true);
        ClaimedOsd dead = b.abm.markOsdDead(lost.identity().longId());
        return dead.number();
    }

    static int number(Backend b, Osd o) {
        return b.abm.osd(o.identity().longId()).orElseThrow().number();
    }

    static Map<Integer, FlakyOsd> byNumber(Backend b) {
        Map<Integer, FlakyOsd> byNumber = new HashMap<>();
        b.osds.forEach(o -> byNumber.put(number(b, o), o));
        return byNumber;
    }

    static long nsId(Backend b, String ns) {
        return b.abm.namespace(ns).orElseThrow().id();
    }

    /** @return every current manifest of the namespace, by name */
    static Map<String, Manifest> manifests(Backend b, String ns) {
        Map<String, Manifest> all = new LinkedHashMap<>();
        String after = null;
        while (true) {
            NamespaceManager.Listing page = b.nsm.list(ns, "", after, 500);
            for (String name : page.names()) {
                b.nsm.get(ns, name).ifPresent(m -> all.put(name, m));
                after = name;
            }
            if (!page.more()) {
                return all;
            }
        }
    }

    /** @return every key on the OSD (read past any FlakyOsd switch) that starts with {@code prefix} */
    static List<Bytes> keys(Osd osd, Bytes prefix) {
        Osd real = osd instanceof FlakyOsd f ? f.real() : osd;
        List<Bytes> out = new ArrayList<>();
        KeyRange range = KeyRange.prefix(prefix);
        while (true) {
            Osd.RangeResult page = real.range(range, 1000, false).join();
            page.entries().stream().map(Entry::key).forEach(out::add);
            if (!page.more() || page.entries().isEmpty()) {
                return out;
            }
            Bytes last = page.entries().get(page.entries().size() - 1).key();
            range = new KeyRange(last.concat(Bytes.of((byte) 0)), range.end());
        }
    }

    /** @return how many keys of this object id are on the OSDs other than {@code skip} */
    static int keysOf(Backend b, String ns, String objectId, Set<Integer> skip) {
        int n = 0;
        for (Map.Entry<Integer, FlakyOsd> e : byNumber(b).entrySet()) {
            if (!skip.contains(e.getKey())) {
                for (Bytes k : keys(e.getValue(), FragmentKeys.namespacePrefix(nsId(b, ns)))) {
                    n += FragmentKeys.parse(k).map(p -> p.objectId().equals(objectId)).orElse(false) ? 1 : 0;
                }
            }
        }
        return n;
    }

    /**
     * Compares what the OSDs hold of a namespace with what its current manifests reference: every key on an OSD
     * must be a fragment of a current manifest, on the OSD the manifest says, at the generation it says; and every
     * fragment a manifest references must be there.
     *
     * @param skip OSDs not looked at (dead: their disk is gone, nothing frees it)
     * @return one line per stray key or missing fragment (the first ten of many); empty if they agree
     */
    static List<String> strays(Backend b, String ns, Set<Integer> skip) {
        long nsId = nsId(b, ns);
        Map<Integer, Set<Bytes>> referenced = new HashMap<>();
        Map<Bytes, String> whose = new HashMap<>();
        for (Manifest m : manifests(b, ns).values()) {
            for (int c = 0; c < m.chunks().size(); c++) {
                List<Manifest.Fragment> fs = m.chunks().get(c).fragments();
                for (int f = 0; f < fs.size(); f++) {
                    if (fs.get(f).written()) {
                        Bytes key = FragmentKeys.key(nsId, m, c, f);
                        referenced.computeIfAbsent(fs.get(f).osd(), n -> new TreeSet<>(Bytes::compareTo)).add(key);
                        whose.put(key, m.name() + " " + c + "/" + f);
                    }
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<Integer, FlakyOsd> e : byNumber(b).entrySet()) {
            int osd = e.getKey();
            if (skip.contains(osd)) {
                continue;
            }
            Set<Bytes> expected = referenced.getOrDefault(osd, Set.of());
            Set<Bytes> found = new TreeSet<>(Bytes::compareTo);
            for (Bytes k : keys(e.getValue(), FragmentKeys.namespacePrefix(nsId))) {
                found.add(k);
                if (!expected.contains(k)) {
                    out.add("OSD " + osd + " holds " + FragmentKeys.parse(k).map(Object::toString)
                            .orElse(HexFormat.of().formatHex(k.toByteArray())) + ", which no current manifest has"
                            + " there");
                }
            }
            for (Bytes k : expected) {
                if (!found.contains(k)) {
                    out.add("OSD " + osd + " lacks " + whose.get(k) + " (" + FragmentKeys.parse(k).orElseThrow() + ")");
                }
            }
        }
        if (out.size() > 12) { // enough to tell what went wrong
            int more = out.size() - 10;
            out.subList(10, out.size()).clear();
            out.add("... and " + more + " more");
        }
        return out;
    }

    /** The agent's clock: the system's, moved on by a test. */
    static final class TestClock implements LongSupplier {
        private final AtomicLong offset = new AtomicLong();

        @Override
        public long getAsLong() {
            return System.currentTimeMillis() + offset.get();
        }

        void advance(long millis) {
            offset.addAndGet(millis);
        }
    }

    /** An NSM that counts the manifests put through it, and those refused (a condition did not hold). */
    static final class PutCounter {
        final AtomicLong puts = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final NamespaceManager nsm;

        PutCounter(NamespaceManager real) {
            this.nsm = (NamespaceManager) java.lang.reflect.Proxy.newProxyInstance(
                    NamespaceManager.class.getClassLoader(), new Class<?>[] {NamespaceManager.class},
                    (proxy, method, args) -> {
                        boolean put = method.getName().equals("put");
                        try {
                            Object r = method.invoke(real, args);
                            if (put) {
                                puts.incrementAndGet();
                            }
                            return r;
                        } catch (InvocationTargetException e) {
                            if (put && e.getCause() instanceof io.albireo.api.AssertFailedException) {
                                refused.incrementAndGet();
                            }
                            throw e.getCause();
                        }
                    });
        }
    }

    /** One item queued through a {@link Recorder}. */
    record Queued(String kind, String payload) {
    }

    /** An ABM that records the work queued through it (and otherwise is the backend's). */
    static final class Recorder {
        final List<Queued> queued = new CopyOnWriteArrayList<>();
        final AlbaManager abm;

        Recorder(AlbaManager real) {
            this.abm = (AlbaManager) java.lang.reflect.Proxy.newProxyInstance(AlbaManager.class.getClassLoader(),
                    new Class<?>[] {AlbaManager.class}, (proxy, method, args) -> {
                        if (method.getName().equals("queueWork")) {
                            queued.add(new Queued((String) args[0], ((Bytes) args[1]).utf8()));
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        List<Queued> of(String kind) {
            return queued.stream().filter(q -> q.kind().equals(kind)).toList();
        }
    }
}
