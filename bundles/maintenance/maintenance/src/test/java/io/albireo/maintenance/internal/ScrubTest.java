package io.albireo.maintenance.internal;

import static io.albireo.maintenance.internal.Fixtures.agent;
import static io.albireo.maintenance.internal.Fixtures.assertReadable;
import static io.albireo.maintenance.internal.Fixtures.await;
import static io.albireo.maintenance.internal.Fixtures.byNumber;
import static io.albireo.maintenance.internal.Fixtures.nsId;
import static io.albireo.maintenance.internal.Fixtures.put;
import static io.albireo.maintenance.internal.Fixtures.strays;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;

import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.WorkItem;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.proxy.internal.Backend;

/**
 * The background scrub on the real stack: the agent queues a {@code scrub} item per namespace by itself, whose pass
 * finds a corrupt fragment and a missing one and rebuilds them without anyone calling verify, records the pass in the
 * item, and waits there for the next; a pass taken over resumes after its cursor.
 */
class ScrubTest {
    private static final String NS = "ns";

    @TempDir
    Path dir;

    private static MaintenanceService.Settings scrubbing(String name) {
        return RebalanceTest.settings(name, false, TimeUnit.HOURS.toMillis(1));
    }

    @Test
    void aScrubFindsAndRebuildsACorruptAndAMissingFragment() throws Exception {
        try (Backend b = new Backend(dir, 6, 0)) {
            b.proxy.createNamespace(NS, null);
            Map<String, byte[]> objects = put(b, NS, 12, 31);
            Manifest corrupt = corrupt(b, "o3", 0, 0);
            Manifest missing = remove(b, "o8", 0, 5);
            MaintenanceService m = agent(b, scrubbing("a"));
            try {
                await("a scrub pass", () -> scrub(b, NS).map(p -> p.has("last")).orElse(false));
                JsonObject p = scrub(b, NS).orElseThrow();
                JsonObject pass = p.getAsJsonObject("lastPass");
                assertEquals(12, pass.get("objects").getAsLong(), pass.toString());
                assertEquals(1, pass.get("corrupt").getAsLong(), pass.toString());
                assertEquals(1, pass.get("missing").getAsLong(), pass.toString());
                assertEquals(2, pass.get("repaired").getAsLong(), pass.toString());
                assertEquals(TimeUnit.HOURS.toMillis(1), p.get("next").getAsLong() - p.get("last").getAsLong());
                assertRebuilt(b, corrupt, 0, 0);
                assertRebuilt(b, missing, 0, 5);
                // The item stays, waiting for the next pass: one per namespace, and the agent is idle meanwhile.
                await("the agent to be idle", () -> m.status().idle());
                assertEquals(1, b.abm.work(1000).stream().filter(i -> i.kind().equals(ScrubJob.KIND)).count());
                assertReadable(b, NS, objects);
                await("the bad copies to go", () -> strays(b, NS, Set.of()).isEmpty());
            } finally {
                m.close();
            }
        }
    }

    @Test
    void aPassTakenOverResumesAfterItsCursor() throws Exception {
        try (Backend b = new Backend(dir, 6, 0)) {
            b.proxy.createNamespace(NS, null);
            put(b, NS, 10, 32);
            Manifest before = corrupt(b, "o2", 0, 1);
            Manifest after = corrupt(b, "o7", 0, 1);
            // A pass an agent left after "o5" (its progress and figures so far in the payload).
            JsonObject payload = new JsonObject();
            payload.addProperty("namespace", NS);
            payload.addProperty("after", "o5");
            JobProgress.start(System.currentTimeMillis()).add(6, 36, 1000).into(payload);
            JsonObject figures = new JsonObject();
            figures.addProperty("objects", 6);
            payload.add("pass", figures);
            b.abm.queueWork(ScrubJob.KIND, Bytes.utf8(payload.toString()));
            MaintenanceService m = agent(b, scrubbing("a"));
            try {
                await("the pass to end", () -> scrub(b, NS).map(p -> p.has("last")).orElse(false));
                JsonObject pass = scrub(b, NS).orElseThrow().getAsJsonObject("lastPass");
                assertEquals(10, pass.get("objects").getAsLong(), "6 before the cursor, o6 to o9 after: " + pass);
                assertEquals(1, pass.get("corrupt").getAsLong(), pass.toString());
                assertRebuilt(b, after, 0, 1);
                assertEquals(before, b.nsm.get(NS, "o2").orElseThrow(), "o2 was before the cursor: next pass");
                assertEquals(1, b.abm.work(1000).stream().filter(i -> i.kind().equals(ScrubJob.KIND)).count(),
                        "the agent queued no second scrub of the namespace");
            } finally {
                m.close();
            }
        }
    }

    /** Overwrites a fragment with garbage of its length, on its OSD. @return the manifest as it was */
    private static Manifest corrupt(Backend b, String name, int chunk, int fragment) throws Exception {
        Manifest m = b.nsm.get(NS, name).orElseThrow();
        Manifest.Fragment f = m.chunks().get(chunk).fragments().get(fragment);
        byte[] garbage = new byte[m.chunks().get(chunk).fragmentLength()];
        java.util.Arrays.fill(garbage, (byte) 0x5a);
        byNumber(b).get(f.osd()).apply(List.of(), List.of(Update.set(FragmentKeys.key(nsId(b, NS), m, chunk,
                fragment), ByteBuffer.wrap(garbage)))).get();
        return m;
    }

    /** Deletes a fragment from its OSD. @return the manifest as it was */
    private static Manifest remove(Backend b, String name, int chunk, int fragment) throws Exception {
        Manifest m = b.nsm.get(NS, name).orElseThrow();
        Manifest.Fragment f = m.chunks().get(chunk).fragments().get(fragment);
        byNumber(b).get(f.osd()).apply(List.of(), List.of(Update.delete(FragmentKeys.key(nsId(b, NS), m, chunk,
                fragment)))).get();
        return m;
    }

    /** The fragment is under a new key (another OSD or generation), and what is there matches the manifest. */
    private static void assertRebuilt(Backend b, Manifest damaged, int chunk, int fragment) throws Exception {
        Manifest now = b.nsm.get(NS, damaged.name()).orElseThrow();
        assertEquals(damaged.objectId(), now.objectId());
        Manifest.Fragment was = damaged.chunks().get(chunk).fragments().get(fragment);
        Manifest.Fragment is = now.chunks().get(chunk).fragments().get(fragment);
        assertTrue(is.osd() != was.osd() || is.generation() != was.generation(), damaged.name() + " fragment "
                + chunk + "/" + fragment + " was rebuilt under a new key");
        Optional<ByteBuffer> stored = byNumber(b).get(is.osd()).get(List.of(FragmentKeys.key(nsId(b, NS), now, chunk,
                fragment))).get().get(0);
        assertTrue(stored.isPresent(), "the rebuilt fragment is on its OSD");
        assertEquals(now.chunks().get(chunk).fragmentLength(), stored.get().remaining());
    }

    /** @return the payload of the namespace's scrub item, if there is one */
    static Optional<JsonObject> scrub(Backend b, String ns) {
        for (WorkItem i : b.abm.work(1000)) {
            if (i.kind().equals(ScrubJob.KIND) && PeriodicWork.namespace(i).equals(ns)) {
                return Optional.of(Lease.parse(i.payload()).getAsJsonObject());
            }
        }
        return Optional.empty();
    }
}
