package io.albireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;

import io.albireo.api.AlbireoName;
import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.api.codec.Digest;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.Policy;
import io.albireo.api.object.Overwrite;
import io.albireo.api.osd.Osd;

/**
 * The metadata layer of the default appliance, as an operator and the proxy meet it: presets, namespaces and OSD
 * claims through the console (and bin/client, whose exit status tells a refusal), manifests through the
 * NamespaceManager service, all on the embedded RocksDB store.
 */
public class MetadataIT extends ApplianceTestSupport {

    @Inject
    AlbaManager abm;

    @Inject
    NamespaceManager nsm;

    @Configuration
    public Option[] configuration() {
        // The proxy claims every free OSD at start; this test claims them itself.
        return Appliance.boot(editConfigurationFilePut("etc/io.albireo.proxy.cfg", "claimLocalOsds", "false"));
    }

    @Test
    public void presetsAreValidatedAndManagedFromTheConsole() throws Exception {
        Appliance.ClientRun bad = Appliance.binClient("preset:create --policy 4,2,3,1 bad");
        assertEquals(bad.output(), 1, bad.exit());
        assertTrue(bad.output(), bad.output().contains("c must be at least k (k <= c)"));
        Appliance.ClientRun unknown = Appliance.binClient("preset:create --compressor lzma bad");
        assertEquals(unknown.output(), 1, unknown.exit());
        assertTrue(unknown.output(), unknown.output().contains("unknown compressor 'lzma'"));
        assertFalse(abm.preset("bad").isPresent());

        console("preset:create --policy 4,2,5,1 --policy 2,1,3,1 --cipher aes-256-gcm itest-preset");
        String list = console("preset:list");
        assertTrue(list, list.contains("itest-preset") && list.contains("(4,2,5,1) (2,1,3,1)"));
        console("preset:update --max-fragment-size 1048576 itest-preset");
        assertEquals(1 << 20, abm.preset("itest-preset").orElseThrow().maxFragmentSize());
        assertTrue(console("preset:show --json itest-preset").contains("\"maxFragmentSize\": 1048576"));
    }

    @Test
    public void namespacesHoldManifestsWithStatistics() throws Exception {
        console("preset:create --policy 2,1,2,1 itest-ns-preset");
        console("namespace:create --preset itest-ns-preset itest-ns");
        assertEquals("itest-ns-preset", abm.namespace("itest-ns").orElseThrow().preset());

        Policy policy = new Policy(2, 1, 2, 1);
        Manifest manifest = new Manifest("object-1", "0123456789abcdef0123456789abcdef", 0, 8192,
                Digest.ofLong("crc32c", 42, 4), policy, "lz4", "none", "", "xxh64", "rs", 0,
                List.of(new Manifest.Chunk(8192, 8192, 4096, List.of(
                        new Manifest.Fragment(100, Bytes.of(new byte[8])),
                        new Manifest.Fragment(101, Bytes.of(new byte[8])),
                        new Manifest.Fragment(102, Bytes.of(new byte[8]))))));
        assertEquals(1, nsm.put("itest-ns", manifest, Overwrite.NONE).version());
        assertEquals(Optional.of(manifest.withVersion(1)), nsm.get("itest-ns", "object-1"));
        String show = console("namespace:show itest-ns");
        assertTrue(show, show.contains("objects: 1, bytes: 8192, stored: 12288"));
        assertEquals(1, nsm.fragmentsOn("itest-ns", 101, null, 10).size());

        Appliance.ClientRun again = Appliance.binClient("namespace:create itest-ns");
        assertEquals(again.output(), 1, again.exit());
        console("namespace:delete itest-ns");
        assertFalse(console("namespace:list").contains("itest-ns "));
    }

    @Test
    public void osdsAreClaimedOnceAndNeverFromAnotherBackend() throws Exception {
        List<String> ids = new ArrayList<>();
        Appliance.await("six Osd services", () -> osdNames().size() >= 6);
        ids.addAll(osdNames());
        String first = ids.get(0);
        String out = console("osd:claim " + first);
        assertTrue(out, out.contains("of backend " + abm.backendId()));
        assertEquals(ClaimedOsd.State.CLAIMED, abm.osd(first).orElseThrow().state());
        console("osd:claim " + first); // again: no change
        assertTrue(console("osd:list").contains(first));

        // Another backend marked this disk as its own: claiming it is refused and names the owner.
        String taken = ids.get(1);
        Osd osd = osd(taken);
        osd.apply(List.of(), List.of(Update.set(Bytes.utf8("albireo/backend"), Bytes.utf8("other-backend"))))
                .get(30, TimeUnit.SECONDS);
        Appliance.ClientRun refused = Appliance.binClient("osd:claim " + taken);
        assertEquals(refused.output(), 1, refused.exit());
        assertTrue(refused.output(), refused.output().contains("belongs to backend other-backend"));
        assertFalse(abm.osd(taken).isPresent());

        console("osd:decommission " + first);
        assertEquals(ClaimedOsd.State.DECOMMISSIONED, abm.osd(first).orElseThrow().state());
        console("osd:purge " + first);
        assertFalse(abm.osd(first).isPresent());
        assertEquals("the purge removed the backend's mark from the OSD", Optional.empty(),
                osd(first).get(List.of(Bytes.utf8("albireo/backend"))).get(30, TimeUnit.SECONDS).get(0));
    }

    @Test
    public void metadataStatusAnswers() throws Exception {
        String status = console("metadata:status");
        assertTrue(status, status.contains("abm") && status.contains("nsm"));
    }


    private Osd osd(String longId) throws Exception {
        return context.getService(context.getServiceReferences(Osd.class,
                "(" + AlbireoName.PROPERTY + "=" + longId + ")").iterator().next());
    }

}
