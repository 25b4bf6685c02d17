package io.albireo.maintenance.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.osd.Osd;
import io.albireo.object.layout.FragmentKeys;
import io.albireo.object.layout.LiveOsds;

/**
 * {@code delete-namespace}: a deleted namespace's fragments are swept off every OSD, a page of keys at a time (one
 * namespace's fragments are one key range on every OSD), then the ABM is told it is gone. The name was free at once,
 * and a namespace made again under it has another id, hence other keys. Dead OSDs are skipped; an OSD that does not
 * answer is tried again later, from the OSD the checkpoint names.
 */
final class NamespaceDeletionJob implements Job {
    static final String KIND = "delete-namespace";
    static final int PAGE = 1000;
    static final long RETRY_MILLIS = TimeUnit.MINUTES.toMillis(1);

    private final AlbaManager abm;
    private final LiveOsds osds;
    private final LongSupplier clock;

    NamespaceDeletionJob(AlbaManager abm, LiveOsds osds, LongSupplier clock) {
        this.abm = abm;
        this.osds = osds;
        this.clock = clock;
    }

    @Override
    public Result run(Lease lease) throws InterruptedException {
        JsonElement payload = lease.payload();
        long id;
        JsonObject p;
        // The ABM queues the namespace's id alone; the checkpoint makes it an object.
        if (payload.isJsonPrimitive()) {
            id = Long.parseLong(payload.getAsString());
            p = new JsonObject();
            p.addProperty("id", id);
        } else if (payload.isJsonObject() && payload.getAsJsonObject().has("id")) {
            p = payload.getAsJsonObject();
            id = p.get("id").getAsLong();
        } else {
            return Result.DONE;
        }
        JobProgress progress = JobProgress.of(p, clock.getAsLong());
        int from = p.has("nextOsd") ? p.get("nextOsd").getAsInt() : 0;
        KeyRange range = KeyRange.prefix(FragmentKeys.namespacePrefix(id));
        List<ClaimedOsd> all = new ArrayList<>(osds.claimed().values());
        all.sort(java.util.Comparator.comparingInt(ClaimedOsd::number));
        for (ClaimedOsd o : all) {
            if (o.number() < from || o.state() == ClaimedOsd.State.DEAD) {
                continue;
            }
            Optional<Osd> osd = osds.osd(o.number());
            if (osd.isEmpty()) {
                return Result.later(RETRY_MILLIS, "OSD " + o.number() + " is not reachable from here");
            }
            try {
                while (true) {
                    if (lease.stop()) {
                        return Result.later(0, "");
                    }
                    Osd.RangeResult page = osd.get().range(range, PAGE, false).get(ObjectRepair.OSD_TIMEOUT_SECONDS,
                            TimeUnit.SECONDS);
                    if (page.entries().isEmpty()) {
                        break;
                    }
                    List<Update> deletes = page.entries().stream().map(Entry::key).map(Update::delete).toList();
                    osd.get().apply(List.of(), deletes).get(ObjectRepair.OSD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    progress = progress.add(0, deletes.size(), 0);
                    p.addProperty("nextOsd", o.number());
                    progress.into(p);
                    lease.checkpoint(p);
                    if (!page.more()) {
                        break;
                    }
                }
            } catch (ExecutionException | TimeoutException e) {
                return Result.later(RETRY_MILLIS, "sweeping OSD " + o.number() + " failed: "
                        + (e.getCause() != null ? e.getCause() : e));
            }
        }
        abm.namespaceDeleted(id);
        return Result.DONE;
    }
}
