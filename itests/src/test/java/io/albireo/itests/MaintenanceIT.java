package io.albireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;

import io.albireo.api.maintenance.MaintenanceStatus;
import io.albireo.api.maintenance.OsdHealth;
import io.albireo.api.metadata.ClaimedOsd;

/**
 * The default appliance loses a disk for real, and heals on its own: objects go in through the proxy at the default
 * preset's (4,2,5,6) on its six ASDs; then one ASD's configuration is deleted (the daemon stops, its port closes) and
 * its data directory with it, as a dead disk would leave things. The maintenance agent that every appliance runs
 * finds the OSD silent (suspect), marks it dead once it has been silent for {@code deadAfterSeconds} (set to 5 s
 * through ConfigAdmin once the appliance is up; 15 minutes by default), and rewrites every object to the best
 * fallback the five live OSDs can hold, (3,2,4,5). At the end the agent is idle, the lost OSD holds nothing, every
 * object reads back byte for byte, and the console ({@code maintenance:status}, {@code osd:list},
 * {@code namespace:verify}) says so.
 */
public class MaintenanceIT extends MaintenanceTestSupport {
    private static final String NS = "maintenance-ns";

    @Configuration
    public Option[] configuration() {
        return Appliance.boot();
    }

    @Test
    public void aLostAsdIsFoundDeadAndEveryObjectIsRewrittenToTheFallbackOnTheOthers() throws Exception {
        awaitDefaultBackend();
        assertEquals("one agent runs on the appliance", 1, bootAgent.status().agents().size());
        assertFalse(bootAgent.status().paused());
        configureAgent(fastFailureDetector());
        await("maintenance sees six live OSDs", () -> maintenance().osds().size() == Appliance.ASDS
                && maintenance().osds().stream().allMatch(h -> h.state() == OsdHealth.State.ALIVE));

        proxy.createNamespace(NS, null);
        Map<String, byte[]> objects = putObjects(NS);
        for (String name : objects.keySet()) {
            assertEquals(name, FULL, nsm.get(NS, name).orElseThrow().policy());
        }

        // The disk of ASD 3 dies.
        ClaimedOsd lost = loseAsd("3");
        assertTrue("the lost ASD held fragments", nsm.osdStatistics(NS, lost.number()).fragments() > 0);

        // Suspect from its first silent probe, dead after 5 s of silence; the ABM queues its repair.
        Set<OsdHealth.State> seen = EnumSet.noneOf(OsdHealth.State.class);
        await("the failure detector marks OSD " + lost.number() + " dead", () -> {
            OsdHealth.State state = health(lost.number()).state();
            seen.add(state);
            return abm.osd(lost.longId()).orElseThrow().state() == ClaimedOsd.State.DEAD
                    && (state == OsdHealth.State.DEAD || state == OsdHealth.State.EMPTY);
        });
        assertTrue("it was suspect before it was dead: " + seen, seen.contains(OsdHealth.State.SUSPECT));
        for (OsdHealth h : maintenance().osds()) {
            if (h.number() != lost.number()) {
                assertEquals("a live OSD: " + h, OsdHealth.State.ALIVE, h.state());
            }
        }

        // Maintenance rewrites everything the lost OSD held, collects what the rewrites left, and goes idle.
        await("maintenance repairs everything and goes idle", () -> {
            MaintenanceStatus s = maintenance().status();
            return s.idle() && s.lost().isEmpty() && nsm.osdStatistics(NS, lost.number()).fragments() == 0
                    && health(lost.number()).state() == OsdHealth.State.EMPTY;
        }, () -> "status " + maintenance().status() + ", OSD " + lost.number() + " holds "
                + nsm.osdStatistics(NS, lost.number()) + ", health " + maintenance().osds() + ", work "
                + abm.work(20));
        MaintenanceStatus status = maintenance().status();
        assertEquals(List.of(), status.jobs());
        assertTrue("nothing queued: " + status.queued(), status.queued().values().stream().allMatch(n -> n == 0));
        assertEquals(List.of(), status.lost());
        assertEquals(ClaimedOsd.State.DEAD, abm.osd(lost.longId()).orElseThrow().state());

        assertStoredAt(NS, objects, FALLBACK, lost.number());

        // The operator's view.
        String text = console("maintenance:status");
        assertTrue(text, text.contains("idle"));
        assertTrue(text, text.startsWith("agents " + status.agents().get(0)));
        assertFalse(text, text.contains("LOST"));
        String list = console("osd:list");
        String row = list.lines().filter(l -> l.contains(lost.longId())).findFirst()
                .orElseThrow(() -> new AssertionError("osd:list shows the lost OSD:\n" + list));
        assertTrue(list, row.contains("dead") && row.contains("empty"));
        List<String> others = list.lines().filter(l -> !l.contains(lost.longId()))
                .filter(l -> abm.osds().stream().anyMatch(o -> l.contains(o.longId()))).toList();
        assertEquals(list, Appliance.ASDS - 1, others.size());
        for (String other : others) {
            assertTrue(list, other.contains("claimed") && other.contains("alive"));
        }
        String verify = console("namespace:verify " + NS);
        assertTrue(verify, verify.contains(NS + ": " + objects.size() + " objects"));
        assertTrue(verify, verify.contains("0 missing, 0 corrupt; 0 objects repaired, 0 lost"));
    }
}
