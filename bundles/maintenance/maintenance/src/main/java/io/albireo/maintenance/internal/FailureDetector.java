package io.albireo.maintenance.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.maintenance.OsdHealth;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.osd.Osd;
import io.albireo.object.layout.LiveOsds;

/**
 * Asks every claimed OSD how full it is, every probe. One that does not answer (or whose service is gone) is suspect
 * from its first silence: repair places nothing on it. Silent for {@code deadAfter} (15 minutes by default, as ALBA),
 * it is marked dead in the ABM, which queues its repair. When more than half of the OSDs fall silent together, this
 * agent is more likely cut off than they are all dead: it marks none and says so.
 */
final class FailureDetector {
    private static final Logger LOG = LoggerFactory.getLogger(FailureDetector.class);

    private final AlbaManager abm;
    private final LiveOsds osds;
    private final long deadAfterMillis;
    private final long probeTimeoutMillis;
    private final LongSupplier clock;
    /** OSD number -> when it was first found silent, by this agent. */
    private final Map<Integer, Long> silentSince = new ConcurrentHashMap<>();

    FailureDetector(AlbaManager abm, LiveOsds osds, long deadAfterMillis, long probeTimeoutMillis,
            LongSupplier clock) {
        this.abm = abm;
        this.osds = osds;
        this.deadAfterMillis = deadAfterMillis;
        this.probeTimeoutMillis = probeTimeoutMillis;
        this.clock = clock;
    }

    /** Probes every claimed OSD once, and marks dead those silent for too long. */
    void probe() {
        osds.refreshClaims();
        List<ClaimedOsd> claimed = new ArrayList<>();
        for (ClaimedOsd o : osds.claimed().values()) {
            if (o.state() == ClaimedOsd.State.CLAIMED) {
                claimed.add(o);
            } else {
                silentSince.remove(o.number());
            }
        }
        long now = clock.getAsLong();
        for (ClaimedOsd o : claimed) {
            if (answers(o)) {
                if (silentSince.remove(o.number()) != null) {
                    LOG.info("OSD {} ({}) answers again", o.number(), o.longId());
                }
            } else if (silentSince.putIfAbsent(o.number(), now) == null) {
                LOG.warn("OSD {} ({}) does not answer: suspect; dead if silent for {} s", o.number(), o.longId(),
                        deadAfterMillis / 1000);
            }
        }
        long silent = claimed.stream().filter(o -> silentSince.containsKey(o.number())).count();
        for (ClaimedOsd o : claimed) {
            Long since = silentSince.get(o.number());
            if (since == null || now - since < deadAfterMillis) {
                continue;
            }
            if (silent * 2 > claimed.size()) {
                LOG.warn("{} of {} OSDs are silent: this appliance may be cut off, so none is marked dead", silent,
                        claimed.size());
                return;
            }
            try {
                abm.markOsdDead(o.longId());
                osds.refreshClaims(); // no longer suspect, so it must read dead at once: nothing new goes to it
                silentSince.remove(o.number());
                LOG.error("OSD {} ({}) has not answered for {} s: marked dead; its fragments are rebuilt elsewhere",
                        o.number(), o.longId(), (now - since) / 1000);
            } catch (RuntimeException e) {
                LOG.warn("could not mark OSD {} dead: {}", o.longId(), e.toString());
            }
        }
    }

    private boolean answers(ClaimedOsd o) {
        Osd osd = osds.services().get(o.longId());
        if (osd == null) {
            return false;
        }
        try {
            osd.diskUsage().get(probeTimeoutMillis, TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true; // stopping: say nothing about it
        } catch (Exception e) {
            return false;
        }
    }

    /** @return whether repair should place nothing on this OSD */
    boolean suspect(int number) {
        return silentSince.containsKey(number);
    }

    /** @return the state of one OSD, as this detector sees it ({@code empty} says whether it holds nothing) */
    OsdHealth health(ClaimedOsd o, boolean empty) {
        OsdHealth.State state = switch (o.state()) {
            case CLAIMED -> silentSince.containsKey(o.number()) ? OsdHealth.State.SUSPECT : OsdHealth.State.ALIVE;
            case DEAD -> empty ? OsdHealth.State.EMPTY : OsdHealth.State.DEAD;
            case DECOMMISSIONED -> empty ? OsdHealth.State.EMPTY : OsdHealth.State.DECOMMISSIONED;
        };
        Long since = silentSince.get(o.number());
        return new OsdHealth(o.number(), o.longId(), state, since == null ? 0 : (clock.getAsLong() - since) / 1000);
    }
}
