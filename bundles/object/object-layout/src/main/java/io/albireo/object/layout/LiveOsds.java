package io.albireo.object.layout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.Osd;

/**
 * The Osd services this proxy (or maintenance agent) can reach (by long id, their albireo.name), mapped to the backend's OSD numbers through
 * the ALBA manager, and how full each one is. The ABM's list and the fill are cached: placement runs at every put and
 * must not cost a metadata read and k + m round trips.
 */
public final class LiveOsds {
    private static final Logger LOG = LoggerFactory.getLogger(LiveOsds.class);

    private final AlbaManager abm;
    private final Map<String, Osd> services = new ConcurrentHashMap<>();
    private final Map<String, DiskUsage> usage = new ConcurrentHashMap<>();
    private volatile Map<Integer, ClaimedOsd> claimed = Map.of();

    public LiveOsds(AlbaManager abm) {
        this.abm = abm;
    }

    public void add(String longId, Osd osd) {
        services.put(longId, osd);
    }

    public void remove(String longId, Osd osd) {
        services.remove(longId, osd);
    }

    /** @return the bound services, by long id */
    public Map<String, Osd> services() {
        return Map.copyOf(services);
    }

    /** Re-reads the ABM's OSDs. */
    public void refreshClaims() {
        Map<Integer, ClaimedOsd> byNumber = new HashMap<>();
        abm.osds().forEach(o -> byNumber.put(o.number(), o));
        claimed = Map.copyOf(byNumber);
    }

    /** Asks every live OSD how full it is; an OSD that does not answer in time keeps its last figure. */
    public void refreshUsage() {
        services.forEach((id, osd) -> {
            try {
                usage.put(id, osd.diskUsage().get(5, TimeUnit.SECONDS));
            } catch (Exception e) {
                LOG.debug("disk usage of OSD {} unknown: {}", id, e.toString());
            }
        });
    }

    /** @return the backend's OSDs as last read, by number */
    public Map<Integer, ClaimedOsd> claimed() {
        return claimed;
    }

    /** @return the service of the OSD of this number, if it is bound */
    public Optional<Osd> osd(int number) {
        ClaimedOsd o = claimed.get(number);
        if (o == null) {
            refreshClaims();
            o = claimed.get(number);
        }
        return o == null ? Optional.empty() : Optional.ofNullable(services.get(o.longId()));
    }

    /** @return the OSDs that take new fragments: claimed (not decommissioned) with a bound service */
    public List<Placement.Candidate> candidates() {
        List<Placement.Candidate> live = new ArrayList<>();
        for (ClaimedOsd o : claimed.values()) {
            if (o.state() == ClaimedOsd.State.CLAIMED && services.containsKey(o.longId())) {
                DiskUsage u = usage.get(o.longId());
                live.add(new Placement.Candidate(o.number(), o.nodeId(), u == null ? 0 : u.fill()));
            }
        }
        return live;
    }
}
