package io.albireo.maintenance.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.CodecRegistry;
import io.albireo.api.codec.Digest;
import io.albireo.api.maintenance.Maintenance;
import io.albireo.api.maintenance.MaintenanceStatus.LostObject;
import io.albireo.api.maintenance.VerifyReport;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.osd.Osd;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.object.layout.LiveOsds;

/**
 * Verification (scrub): every written fragment of every object of a namespace is read whole and checked against the
 * checksum in its manifest; an object with a fragment absent or corrupt is repaired (those fragments rebuilt under new
 * keys). Objects are taken a page of names at a time; fragments of one object are read in parallel, one object at a
 * time, through the rate limit.
 */
final class Verifier {
    static final int PAGE = 256;

    private final NamespaceManager nsm;
    private final CodecRegistry codecs;
    private final LiveOsds osds;
    private final ObjectRepair repair;
    private final LostObjects lost;
    private final RateLimit rate;

    Verifier(NamespaceManager nsm, CodecRegistry codecs, LiveOsds osds, ObjectRepair repair, LostObjects lost,
            RateLimit rate) {
        this.nsm = nsm;
        this.codecs = codecs;
        this.osds = osds;
        this.repair = repair;
        this.lost = lost;
        this.rate = rate;
    }

    /** Running figures of one verification. */
    static final class Tally {
        long objects;
        long fragments;
        long bytes;
        long missing;
        long corrupt;
        long repaired;
        final List<LostObject> lostObjects = new ArrayList<>();

        VerifyReport report(String namespace) {
            return new VerifyReport(namespace, objects, fragments, bytes, missing, corrupt, repaired, lostObjects);
        }
    }

    /**
     * Verifies the objects after {@code after} (null: from the start) until the end or {@code stop}.
     *
     * @return the last name verified, or null at the end
     */
    String verify(Namespace ns, String after, Tally tally, Maintenance.Progress progress, long total,
            BooleanSupplier stop) throws InterruptedException {
        String cursor = after;
        while (true) {
            NamespaceManager.Listing page = nsm.list(ns.name(), "", cursor, PAGE);
            for (String name : page.names()) {
                if (stop.getAsBoolean()) {
                    return cursor;
                }
                verifyObject(ns, name, tally);
                cursor = name;
                progress.at(tally.objects, total);
            }
            if (!page.more()) {
                return null;
            }
        }
    }

    private void verifyObject(Namespace ns, String name, Tally tally) throws InterruptedException {
        Optional<Manifest> found = nsm.get(ns.name(), name);
        if (found.isEmpty()) {
            return;
        }
        Manifest m = found.get();
        tally.objects++;
        Checksum checksum = codecs.checksum(m.fragmentChecksum());
        Set<Long> bad = new HashSet<>();
        for (int c = 0; c < m.chunks().size(); c++) {
            Manifest.Chunk chunk = m.chunks().get(c);
            List<Integer> indices = new ArrayList<>();
            List<CompletableFuture<List<Optional<ByteBuffer>>>> reads = new ArrayList<>();
            for (int f = 0; f < chunk.fragments().size(); f++) {
                Manifest.Fragment frag = chunk.fragments().get(f);
                Optional<Osd> osd = frag.written() ? osds.osd(frag.osd()) : Optional.empty();
                if (osd.isEmpty()) {
                    continue; // never written, or its OSD is gone: repair of that OSD's index handles it
                }
                rate.acquire(chunk.fragmentLength());
                indices.add(f);
                reads.add(osd.get().getOnce(List.of(FragmentKeys.key(ns.id(), m, c, f))));
            }
            for (int i = 0; i < reads.size(); i++) {
                int f = indices.get(i);
                tally.fragments++;
                try {
                    Optional<ByteBuffer> b = reads.get(i).get(ObjectRepair.OSD_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                            .get(0);
                    if (b.isEmpty()) {
                        tally.missing++;
                        bad.add(ObjectRepair.pair(c, f));
                        continue;
                    }
                    tally.bytes += b.get().remaining();
                    Digest expected = Digest.of(checksum.name(), chunk.fragments().get(f).checksum().toByteArray());
                    if (b.get().remaining() != chunk.fragmentLength() || !checksum.compute(b.get()).equals(expected)) {
                        tally.corrupt++;
                        bad.add(ObjectRepair.pair(c, f));
                    }
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof IntegrityException) {
                        tally.corrupt++; // the OSD found its own copy corrupt
                        bad.add(ObjectRepair.pair(c, f));
                    }
                } catch (TimeoutException e) {
                    // unavailable now: not known bad
                }
            }
        }
        if (bad.isEmpty()) {
            // Whole, but perhaps at a fallback policy from a time OSDs were missing: raised again where it can be.
            ObjectRepair.Outcome raised = repair.repair(ns, name, m.objectId(), ObjectRepair.Bad.NONE, Map.of(), 0);
            if (raised.kind() == ObjectRepair.Kind.REWRITTEN) {
                tally.repaired++;
            }
            return;
        }
        ObjectRepair.Outcome o = repair.repair(ns, name, m.objectId(), (c, f, fragment) -> bad.contains(
                ObjectRepair.pair(c, f)) && sameAsRead(m, c, f, fragment), Map.of(), 1);
        switch (o.kind()) {
            case REPAIRED, REWRITTEN -> tally.repaired++;
            case LOST -> {
                tally.lostObjects.add(new LostObject(ns.name(), name, m.objectId(), o.why()));
                lost.report(ns.name(), name, m.objectId(), o.why());
            }
            default -> {
                // STALE: replaced meanwhile; LATER: an OSD went away: the next verification sees it again
            }
        }
    }

    /** A fragment found bad is bad only where it was read: a repair since may have put a new one elsewhere. */
    private static boolean sameAsRead(Manifest read, int c, int f, Manifest.Fragment now) {
        Manifest.Fragment then = read.chunks().get(c).fragments().get(f);
        return then.osd() == now.osd() && then.generation() == now.generation();
    }
}
