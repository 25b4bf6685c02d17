package io.albireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;

import io.albireo.api.maintenance.MaintenanceStatus;
import io.albireo.api.maintenance.OsdHealth;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.NamespaceManager.OsdStatistics;
import io.albireo.api.object.Overwrite;

/**
 * Seven ASDs, as the test appliance has, so that six remain for the default (4,2,5,6) after a loss: the
 * default appliance's six hold objects, an operator adds a seventh (two factory configurations, as etc/ files would),
 * the proxy claims it and maintenance moves fragments onto it until every OSD is within the band of the mean. Then
 * ASD 2 dies with its data, and maintenance rebuilds what it held on the six left, at the full policy.
 */
public class RebalanceIT extends MaintenanceTestSupport {
    private static final String NS = "rebalance-ns";

    @Configuration
    public Option[] configuration() {
        return Appliance.boot();
    }

    @Test
    public void aClaimedAsdIsFilledAndAfterALossEveryObjectIsBackAtTheFullPolicy() throws Exception {
        awaitDefaultBackend();
        Map<String, String> settings = fastFailureDetector();
        settings.put("rebalanceCheckSeconds", "2");
        settings.put("scrubIntervalHours", "0");
        configureAgent(settings);
        proxy.createNamespace(NS, null);
        Map<String, byte[]> objects = putSimilarObjects();
        assertStoredAt(NS, objects, FULL, -1);

        // A seventh disk. The proxy claims it (claimLocalOsds), and the claim has the agent look at the balance.
        int port = addAsd("7");
        await("the proxy claims the seventh ASD", () -> abm.osds().stream().anyMatch(o -> o.port() == port
                && o.state() == ClaimedOsd.State.CLAIMED), () -> "claimed " + abm.osds());
        ClaimedOsd added = abm.osds().stream().filter(o -> o.port() == port).findFirst().orElseThrow();
        await("maintenance fills OSD " + added.number() + " until every OSD is within the band", () -> {
            MaintenanceStatus s = maintenance().status();
            return s.idle() && nsm.osdStatistics(NS, added.number()).fragments() > 0 && inBand(0.05);
        }, () -> "status " + maintenance().status() + ", per OSD " + nsm.osdStatistics(NS) + ", work "
                + abm.work(20));
        assertStoredAt(NS, objects, FULL, -1);

        // ASD 2 dies; six are left, enough for the first policy.
        ClaimedOsd lost = loseAsd("2");
        assertTrue("the lost ASD held fragments", nsm.osdStatistics(NS, lost.number()).fragments() > 0);
        await("maintenance rebuilds what OSD " + lost.number() + " held and goes idle", () -> {
            MaintenanceStatus s = maintenance().status();
            return abm.osd(lost.longId()).orElseThrow().state() == ClaimedOsd.State.DEAD && s.idle()
                    && s.lost().isEmpty() && nsm.osdStatistics(NS, lost.number()).fragments() == 0
                    && health(lost.number()).state() == OsdHealth.State.EMPTY;
        }, () -> "status " + maintenance().status() + ", per OSD " + nsm.osdStatistics(NS) + ", health "
                + maintenance().osds() + ", work " + abm.work(20));
        assertEquals(List.of(), maintenance().status().lost());
        assertStoredAt(NS, objects, FULL, lost.number());
        String verify = console("namespace:verify " + NS);
        assertTrue(verify, verify.contains("0 missing, 0 corrupt; 0 objects repaired, 0 lost"));
    }

    /**
     * @return 60 random objects of 0.5 to 1 MiB, put through the proxy: fragments of 128 to 256 KiB, fine enough for
     *         a band of ±5 % of the mean (one object of 16 MiB, with fragments of 4 MiB, would put each OSD's share
     *         in steps of most of the mean)
     */
    private Map<String, byte[]> putSimilarObjects() {
        Random random = new Random(18);
        Map<String, byte[]> objects = new LinkedHashMap<>();
        for (int i = 0; i < 60; i++) {
            byte[] data = new byte[(512 << 10) + random.nextInt(512 << 10)];
            random.nextBytes(data);
            proxy.put(NS, "object-" + i, ByteBuffer.wrap(data), Overwrite.NONE);
            objects.put("object-" + i, data);
        }
        return objects;
    }

    /**
     * @return whether each claimed, live OSD holds within {@code band} of the mean of the namespace's bytes, or
     *         within one average fragment of it (a namespace of 40 objects cannot be split finer), as the agent
     *         judges it
     */
    private boolean inBand(double band) {
        Map<Integer, OsdStatistics> stats = nsm.osdStatistics(NS);
        List<Integer> live = abm.osds().stream().filter(o -> o.state() == ClaimedOsd.State.CLAIMED)
                .map(ClaimedOsd::number).toList();
        long total = 0;
        long fragments = 0;
        for (int osd : live) {
            OsdStatistics s = stats.getOrDefault(osd, OsdStatistics.NONE);
            total += s.bytes();
            fragments += s.fragments();
        }
        double mean = (double) total / live.size();
        double tolerance = Math.max(band * mean, fragments == 0 ? 0 : (double) total / fragments);
        for (int osd : live) {
            if (Math.abs(stats.getOrDefault(osd, OsdStatistics.NONE).bytes() - mean) > tolerance) {
                return false;
            }
        }
        return true;
    }
}
