package io.albireo.abm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import io.albireo.api.AlbireoName;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.InvalidPresetException;
import io.albireo.api.metadata.MetadataException;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.OsdClaimedException;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.api.metadata.WorkItem;
import io.albireo.api.metadata.WrappedKey;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.asd.internal.AsdStore;
import io.albireo.asd.internal.StoreOsd;
import io.albireo.metadata.rocksdb.internal.RocksMetadataStore;

/** The ABM on the real embedded store, claiming real ASD stores. */
class AlbaManagerServiceTest {
    private static final Set<String> ALGORITHMS = Set.of("compressor:none", "compressor:lz4", "cipher:none",
            "cipher:aes-256-gcm", "checksum:xxh64", "checksum:crc32c", "checksum:sha-256", "erasure-codec:rs");

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final Map<String, AlbaManagerService.ReachableOsd> osds = new ConcurrentHashMap<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private RocksMetadataStore store(String name) {
        AbmOperation abm = new AbmOperation();
        RocksMetadataStore store = RocksMetadataStore.open(dir.resolve(name), RocksMetadataStore.Settings.DEFAULT,
                n -> n.equals(AbmOperation.NAME) ? abm : null);
        open.add(store);
        return store;
    }

    private AlbaManagerService abm(RocksMetadataStore store) {
        return new AlbaManagerService(store, id -> Optional.ofNullable(osds.get(id)), () -> Optional.of(ALGORITHMS),
                Optional::empty);
    }

    private String asd(String name, String node) {
        AsdStore store = AsdStore.open(dir.resolve(name), AsdStore.Settings.DEFAULT);
        open.add(store);
        osds.put(store.longId(), new AlbaManagerService.ReachableOsd(new StoreOsd(store, node), List.of("127.0.0.1"),
                8600));
        return store.longId();
    }

    private static Preset preset(String name, Policy... policies) {
        return new Preset(name, List.of(policies), 4 << 20, "lz4", "aes-256-gcm", "xxh64", "rs");
    }

    @Test
    void theBackendIdIsMadeOnceAndKept() {
        RocksMetadataStore store = store("meta");
        String id = abm(store).backendId();
        assertEquals(id, abm(store).backendId(), "a second start keeps the id");
        assertEquals(List.of("local"), abm(store).nsmHosts().stream().map(h -> h.id()).toList());
    }

    @Test
    void invalidPresetsAreRefusedNamingTheRuleAndNothingIsStored() {
        AlbaManagerService abm = abm(store("meta"));
        assertEquals("policy (0,2,2,1): k must be at least 1 (0 < k)",
                assertThrows(InvalidPresetException.class, () -> new Policy(0, 2, 2, 1)).getMessage());
        assertEquals("policy (4,2,3,1): c must be at least k (k <= c)",
                assertThrows(InvalidPresetException.class, () -> new Policy(4, 2, 3, 1)).getMessage());
        assertEquals("policy (4,2,7,1): c must be at most k + m (c <= k + m)",
                assertThrows(InvalidPresetException.class, () -> new Policy(4, 2, 7, 1)).getMessage());
        assertEquals("policy (4,2,5,0): x must be at least 1 (x >= 1)",
                assertThrows(InvalidPresetException.class, () -> Policy.parse("(4,2,5,0)")).getMessage());
        assertEquals("a policy is four integers (k,m,c,x); got '4,2'",
                assertThrows(InvalidPresetException.class, () -> Policy.parse("4,2")).getMessage());
        assertEquals("preset p: max fragment size must be at least 4 KiB (4096); got 4095",
                assertThrows(InvalidPresetException.class, () -> new Preset("p", List.of(new Policy(4, 2, 5, 1)),
                        4095, "lz4", "none", "xxh64", "rs")).getMessage());
        assertEquals("preset p: at least one policy is needed", assertThrows(InvalidPresetException.class,
                () -> new Preset("p", List.of(), 4096, "lz4", "none", "xxh64", "rs")).getMessage());
        assertEquals("preset p: unknown compressor 'lzma' (codec:list shows the algorithms this appliance has)",
                assertThrows(InvalidPresetException.class, () -> abm.createPreset(new Preset("p",
                        List.of(new Policy(4, 2, 5, 1)), 4096, "lzma", "none", "xxh64", "rs"))).getMessage());
        assertEquals("preset p: unknown erasure-codec 'xor' (codec:list shows the algorithms this appliance has)",
                assertThrows(InvalidPresetException.class, () -> abm.createPreset(new Preset("p",
                        List.of(new Policy(4, 2, 5, 1)), 4096, "lz4", "none", "xxh64", "xor"))).getMessage());
        assertEquals("preset p: unknown checksum 'md5' (codec:list shows the algorithms this appliance has)",
                assertThrows(InvalidPresetException.class, () -> abm.createPreset(new Preset("p",
                        List.of(new Policy(4, 2, 5, 1)), 4096, "lz4", "none", "xxh64", "rs", "md5"))).getMessage());
        assertEquals(List.of(), abm.presets());
        abm.createPreset(preset("p", new Policy(4, 2, 5, 1)));
        InvalidPresetException update = assertThrows(InvalidPresetException.class,
                () -> abm.updatePreset("p", List.of(new Policy(1, 0, 1, 1)), 1024));
        assertTrue(update.getMessage().contains("at least 4 KiB"), update.getMessage());
        assertEquals(preset("p", new Policy(4, 2, 5, 1)), abm.preset("p").orElseThrow(), "unchanged");
    }

    /** A preset stored before presets named an object checksum keeps the one its objects had: SHA-256. */
    @Test
    void aPresetStoredBeforeObjectChecksumsKeepsSha256() {
        RocksMetadataStore store = store("meta");
        AlbaManagerService abm = abm(store);
        // As the ABM stored it then: the record's JSON without objectChecksum.
        String old = "{\"name\":\"old\",\"policies\":[{\"k\":4,\"m\":2,\"c\":5,\"x\":1}],"
                + "\"maxFragmentSize\":4194304,\"compressor\":\"lz4\",\"cipher\":\"aes-256-gcm\","
                + "\"fragmentChecksum\":\"xxh64\",\"erasureCodec\":\"rs\"}";
        store.apply(List.of(), List.of(io.albireo.api.Update.set(AbmOperation.PRESETS.concat(Bytes.utf8("old")),
                Bytes.utf8(old))));
        assertEquals("sha-256", abm.preset("old").orElseThrow().objectChecksum());
        abm.updatePreset("old", List.of(new Policy(2, 1, 2, 1)), 1 << 20);
        assertEquals(preset("old", new Policy(2, 1, 2, 1)).with(List.of(new Policy(2, 1, 2, 1)), 1 << 20),
                abm.preset("old").orElseThrow(), "an update keeps it");
        abm.createPreset(new Preset("new", List.of(new Policy(4, 2, 5, 1)), 4096, "lz4", "none", "xxh64", "rs",
                "crc32c"));
        assertEquals("crc32c", abm.preset("new").orElseThrow().objectChecksum());
    }

    @Test
    void presetsLiveAndDieWithTheirNamespaces() {
        AlbaManagerService abm = abm(store("meta"));
        abm.createPreset(preset("fast", new Policy(2, 1, 2, 1)));
        abm.createPreset(preset("safe", new Policy(8, 3, 10, 2), new Policy(4, 2, 5, 1)));
        assertEquals(Optional.of("fast"), abm.defaultPreset(), "the first preset is the default");
        assertThrows(MetadataException.class, () -> abm.createPreset(preset("fast", new Policy(1, 0, 1, 1))));

        Namespace ns = abm.createNamespace("vols", null);
        assertEquals("fast", ns.preset());
        assertEquals("local", ns.nsmHost());
        assertEquals("safe", abm.createNamespace("backups", "safe").preset());
        assertNotEquals(ns.id(), abm.namespace("backups").orElseThrow().id());
        assertEquals(List.of("backups", "vols"), abm.namespaces().stream().map(Namespace::name).toList());
        assertEquals(2, abm.nsmHosts().get(0).namespaces());
        assertEquals("a namespace named vols exists already",
                assertThrows(MetadataException.class, () -> abm.createNamespace("vols", "safe")).getMessage());
        assertEquals("no preset named nope",
                assertThrows(MetadataException.class, () -> abm.createNamespace("x", "nope")).getMessage());

        assertEquals("preset safe is used by namespace backups",
                assertThrows(MetadataException.class, () -> abm.deletePreset("safe")).getMessage());
        assertTrue(assertThrows(MetadataException.class, () -> abm.deletePreset("fast")).getMessage()
                .contains("is the default"));
        abm.deleteNamespace("backups");
        assertEquals(Optional.empty(), abm.namespace("backups"));
        assertEquals(2, abm.nsmHosts().get(0).namespaces(), "the host carries it until its objects are gone");
        assertEquals(List.of("delete-namespace"), abm.work(10).stream().map(WorkItem::kind).toList());
        abm.deletePreset("safe");
        assertEquals(List.of("fast"), abm.presets().stream().map(Preset::name).toList());

        Preset updated = abm.updatePreset("fast", List.of(new Policy(3, 1, 3, 1)), 1 << 20);
        assertEquals(List.of(new Policy(3, 1, 3, 1)), updated.policies());
        assertEquals(1 << 20, abm.preset("fast").orElseThrow().maxFragmentSize());
        assertEquals("lz4", updated.compressor(), "the algorithms stay");
    }

    @Test
    void aClaimedOsdCannotBeClaimedByASecondBackend() {
        String longId = asd("asd-1", "node-a");
        AlbaManagerService first = abm(store("backend-1"));
        AlbaManagerService second = abm(store("backend-2"));
        assertNotEquals(first.backendId(), second.backendId());

        ClaimedOsd claimed = first.claimOsd(longId);
        assertEquals(0, claimed.number());
        assertEquals("node-a", claimed.nodeId());
        assertEquals(ClaimedOsd.State.CLAIMED, claimed.state());
        assertEquals(claimed, first.claimOsd(longId), "claiming again changes nothing");

        OsdClaimedException refused = assertThrows(OsdClaimedException.class, () -> second.claimOsd(longId));
        assertEquals(first.backendId(), refused.owner());
        assertEquals(List.of(), second.osds());

        String other = asd("asd-2", "node-b");
        assertEquals(1, first.claimOsd(other).number());
        assertEquals(List.of("node-a", "node-b"), first.nodes());
        assertThrows(OsdUnavailableException.class, () -> first.claimOsd("no-such-osd"));
    }

    @Test
    void anInterruptedClaimIsCompletedByTheNextOne() {
        String longId = asd("asd-1", "node-a");
        AlbaManagerService abm = abm(store("meta"));
        // The OSD carries this backend's mark, as if the process died before recording the claim.
        osds.get(longId).osd().apply(List.of(), List.of(io.albireo.api.Update.set(AlbaManagerService.OWNER_KEY,
                Bytes.utf8(abm.backendId())))).join();
        assertEquals(List.of(), abm.osds());
        assertEquals(longId, abm.claimOsd(longId).longId());
    }

    @Test
    void purgingNeedsADecommissionedOsdAndAnNsmThatVouchesForIt() {
        String longId = asd("asd-1", "node-a");
        AlbaManagerService abm = abm(store("meta"));
        abm.claimOsd(longId);
        assertTrue(assertThrows(MetadataException.class, () -> abm.purgeOsd(longId)).getMessage()
                .contains("decommission it first"));
        assertEquals(ClaimedOsd.State.DECOMMISSIONED, abm.decommissionOsd(longId).state());
        assertTrue(assertThrows(MetadataException.class, () -> abm.purgeOsd(longId)).getMessage()
                .contains("no namespace manager runs"));
        assertEquals(ClaimedOsd.State.DECOMMISSIONED, abm.osd(longId).orElseThrow().state(), "still there");
    }

    /**
     * In OSGi the purge gets the namespace manager from the registry and gives it back only after its last use, even
     * when the namespace manager fails (issue 16: it used to unget first and use after).
     */
    @Test
    void aPurgeGivesTheNamespaceManagerBackOnlyAfterUsingIt() {
        String longId = asd("asd-1", "node-a");
        List<String> calls = new ArrayList<>();
        NamespaceManager nsm = (NamespaceManager) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {NamespaceManager.class}, (self, method, args) -> {
                    calls.add(method.getName() + " " + args[0]);
                    if (args[0].equals("broken")) {
                        throw new MetadataException("the namespace manager failed");
                    }
                    return List.of();
                });
        Object reference = java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServiceReference.class}, (self, method, args) -> null);
        BundleContext context = (BundleContext) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {BundleContext.class}, (self, method, args) -> {
                    switch (method.getName()) {
                        case "getServiceReference":
                            return reference;
                        case "getService":
                            calls.add("get");
                            return nsm;
                        case "ungetService":
                            calls.add("unget");
                            return true;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
        RocksMetadataStore store = store("meta");
        AlbaManagerService abm = new AlbaManagerService(context, store, new AbmOperation());
        AlbaManagerService setup = abm(store); // one with algorithms to check presets against; the same store
        setup.createPreset(preset("p", new Policy(1, 0, 1, 1)));
        setup.createNamespace("a", "p");
        abm.bindOsd(osds.get(longId).osd(), Map.of(AlbireoName.PROPERTY, longId, "albireo.osd.host", "127.0.0.1",
                "albireo.osd.port", 8600));
        abm.claimOsd(longId);
        abm.decommissionOsd(longId);
        abm.purgeOsd(longId);
        assertEquals(List.of("get", "fragmentsOn a", "unget"), calls);
        assertEquals(Optional.empty(), abm.osd(longId), "purged");

        calls.clear();
        String second = asd("asd-2", "node-b");
        abm.bindOsd(osds.get(second).osd(), Map.of(AlbireoName.PROPERTY, second, "albireo.osd.host", "127.0.0.1",
                "albireo.osd.port", 8601));
        abm.claimOsd(second);
        abm.decommissionOsd(second);
        setup.createNamespace("broken", "p");
        assertThrows(MetadataException.class, () -> abm.purgeOsd(second));
        assertEquals(List.of("get", "fragmentsOn a", "fragmentsOn broken", "unget"), calls);
    }

    @Test
    void workIsLeasedToOneAgentAtATimeAndHandedOnWhenTheLeaseRunsOut() {
        AlbaManagerService abm = abm(store("meta"));
        for (int i = 0; i < 5; i++) {
            assertEquals(i, abm.queueWork("repair", Bytes.utf8("item " + i)));
        }
        List<WorkItem> a = abm.leaseWork("agent-a", 3, 0, 1000);
        assertEquals(List.of(0L, 1L, 2L), a.stream().map(WorkItem::id).toList());
        List<WorkItem> b = abm.leaseWork("agent-b", 10, 500, 1000);
        assertEquals(List.of(3L, 4L), b.stream().map(WorkItem::id).toList(), "b gets only what a does not hold");
        assertEquals(List.of(), abm.leaseWork("agent-c", 10, 900, 1000));
        abm.finishWork(0, "agent-a");
        List<WorkItem> later = abm.leaseWork("agent-b", 10, 1400, 1000);
        assertEquals(List.of(1L, 2L), later.stream().map(WorkItem::id).toList(), "a's expired leases go to b");
        MetadataException late = assertThrows(MetadataException.class, () -> abm.finishWork(1, "agent-a"));
        assertTrue(late.getMessage().contains("leased to agent-b"), late.getMessage());
        abm.finishWork(1, "agent-b");
        assertEquals(List.of(2L, 3L, 4L), abm.work(10).stream().map(WorkItem::id).toList());
        assertEquals(Bytes.utf8("item 2"), abm.work(10).get(0).payload());
    }

    /** @return the payloads of the queued repair-osd items, as JSON text, in queue order */
    private static List<String> repairs(AlbaManagerService abm) {
        return abm.work(1000).stream().filter(w -> w.kind().equals("repair-osd")).map(w -> w.payload().utf8())
                .toList();
    }

    /** An ABM with namespaces a and b (and c, deleted: not repaired) and two claimed OSDs, numbers 0 and 1. */
    private AlbaManagerService backendWithNamespaces(List<String> longIds) {
        AlbaManagerService abm = abm(store("meta"));
        abm.createPreset(preset("p", new Policy(1, 0, 1, 1)));
        for (String ns : new String[] {"b", "a", "c"}) {
            abm.createNamespace(ns, null);
        }
        abm.deleteNamespace("c");
        longIds.add(abm.claimOsd(asd("asd-0", "node-a")).longId());
        longIds.add(abm.claimOsd(asd("asd-1", "node-b")).longId());
        return abm;
    }

    @Test
    void aDeadOsdQueuesOneRepairPerNamespaceOnceAndStaysDead() {
        List<String> ids = new ArrayList<>();
        AlbaManagerService abm = backendWithNamespaces(ids);
        assertEquals(List.of(), repairs(abm));

        ClaimedOsd dead = abm.markOsdDead(ids.get(1));
        assertEquals(abm.osd(ids.get(1)).orElseThrow().withState(ClaimedOsd.State.DEAD), dead);
        assertEquals(dead, abm.osd(ids.get(1)).orElseThrow());
        assertEquals(List.of("{\"namespace\":\"a\",\"osd\":1}", "{\"namespace\":\"b\",\"osd\":1}"),
                repairs(abm), "one per active namespace, none for the deleted one");

        assertEquals(dead, abm.markOsdDead(ids.get(1)), "marking it again changes nothing");
        assertEquals(2, repairs(abm).size(), "and queues nothing");
        ClaimedOsd decommissioned = abm.decommissionOsd(ids.get(1));
        assertEquals(ClaimedOsd.State.DECOMMISSIONED, decommissioned.state(), "a dead OSD can be decommissioned");
        assertEquals(2, repairs(abm).size(), "its repair was queued when it died");
        assertEquals(decommissioned, abm.markOsdDead(ids.get(1)), "a decommissioned OSD stays decommissioned");
        assertEquals(2, repairs(abm).size());
        assertEquals(ClaimedOsd.State.CLAIMED, abm.osd(ids.get(0)).orElseThrow().state(), "the other is untouched");

        assertEquals("OSD no-such-osd does not belong to this backend",
                assertThrows(MetadataException.class, () -> abm.markOsdDead("no-such-osd")).getMessage());
    }

    @Test
    void decommissioningQueuesOneRepairPerNamespaceOnce() {
        List<String> ids = new ArrayList<>();
        AlbaManagerService abm = backendWithNamespaces(ids);
        ClaimedOsd decommissioned = abm.decommissionOsd(ids.get(0));
        assertEquals(ClaimedOsd.State.DECOMMISSIONED, decommissioned.state());
        assertEquals(List.of("{\"namespace\":\"a\",\"osd\":0}", "{\"namespace\":\"b\",\"osd\":0}"),
                repairs(abm));
        assertEquals(decommissioned, abm.decommissionOsd(ids.get(0)), "decommissioning again changes nothing");
        assertEquals(2, repairs(abm).size(), "and queues nothing");
        assertEquals("OSD no-such-osd does not belong to this backend",
                assertThrows(MetadataException.class, () -> abm.decommissionOsd("no-such-osd")).getMessage());
    }

    /** An NSM that answers fragmentsOn only, with what {@code held} says the OSD holds in a namespace. */
    private static NamespaceManager nsm(java.util.function.Predicate<String> held) {
        return (NamespaceManager) java.lang.reflect.Proxy.newProxyInstance(NamespaceManager.class.getClassLoader(),
                new Class<?>[] {NamespaceManager.class}, (self, method, args) -> {
                    if (!method.getName().equals("fragmentsOn")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    return held.test((String) args[0])
                            ? List.of(new NamespaceManager.FragmentRef("object", "00", 0, 0)) : List.of();
                });
    }

    @Test
    void aDeadOsdIsPurgedOnceItHoldsNoFragment() {
        RocksMetadataStore store = store("meta");
        Set<String> holding = ConcurrentHashMap.newKeySet();
        AlbaManagerService abm = new AlbaManagerService(store, id -> Optional.ofNullable(osds.get(id)),
                () -> Optional.of(ALGORITHMS), () -> Optional.of(nsm(holding::contains)));
        abm.createPreset(preset("p", new Policy(1, 0, 1, 1)));
        abm.createNamespace("a", null);
        String longId = asd("asd-0", "node-a");
        abm.claimOsd(longId);
        abm.markOsdDead(longId);
        holding.add("a");
        assertEquals("OSD " + longId + " still holds fragments of namespace a: maintenance must move them away"
                + " before it can be purged", assertThrows(MetadataException.class, () -> abm.purgeOsd(longId))
                        .getMessage());
        holding.clear();
        abm.purgeOsd(longId);
        assertEquals(Optional.empty(), abm.osd(longId), "purged");
        assertEquals(Optional.empty(), osds.get(longId).osd().get(List.of(AlbaManagerService.OWNER_KEY)).join().get(0),
                "its registration is gone from the OSD (it answers again), so another backend may claim it");
    }

    @Test
    void aLeaseIsRenewedByItsHolderWithItsCheckpointAndRefusedToAnyOther() {
        AlbaManagerService abm = abm(store("meta"));
        long id = abm.queueWork("repair-osd", Bytes.utf8("start"));
        assertEquals("work item " + id + " is leased to nobody, not agent-a: lease it first (leaseWork)",
                assertThrows(MetadataException.class, () -> abm.renewWork(id, "agent-a", Bytes.utf8("x"), 0, 1000))
                        .getMessage());
        abm.leaseWork("agent-a", 1, 0, 1000);

        WorkItem renewed = abm.renewWork(id, "agent-a", Bytes.utf8("done 10"), 500, 1000);
        assertEquals(new WorkItem(id, "repair-osd", Bytes.utf8("done 10"), "agent-a", 1500), renewed);
        assertEquals(Optional.of(renewed), abm.workItem(id));
        assertEquals(List.of(), abm.leaseWork("agent-b", 10, 1400, 1000), "the renewed lease holds past 1000");
        MetadataException notHers = assertThrows(MetadataException.class,
                () -> abm.renewWork(id, "agent-b", Bytes.utf8("mine"), 1400, 1000));
        assertEquals("work item " + id + " is leased to agent-a, not agent-b: its lease ran out and it was handed on",
                notHers.getMessage());
        assertEquals(Optional.of(renewed), abm.workItem(id), "unchanged");

        // Run out, but nobody took it: the holder keeps it.
        assertEquals(new WorkItem(id, "repair-osd", Bytes.utf8("done 20"), "agent-a", 3000),
                abm.renewWork(id, "agent-a", Bytes.utf8("done 20"), 2000, 1000));

        // Run out and taken: the new holder resumes from the checkpoint, the old one is refused.
        List<WorkItem> taken = abm.leaseWork("agent-b", 10, 3000, 1000);
        assertEquals(List.of(new WorkItem(id, "repair-osd", Bytes.utf8("done 20"), "agent-b", 4000)), taken);
        assertEquals("work item " + id + " is leased to agent-b, not agent-a: its lease ran out and it was handed on",
                assertThrows(MetadataException.class, () -> abm.renewWork(id, "agent-a", Bytes.utf8("done 30"), 3100,
                        1000)).getMessage());
        assertEquals(taken.get(0), abm.workItem(id).orElseThrow(), "the late renewal wrote nothing");
        assertThrows(MetadataException.class, () -> abm.finishWork(id, "agent-a"));

        abm.finishWork(id, "agent-b");
        assertEquals(Optional.empty(), abm.workItem(id));
        assertEquals("no work item " + id + " (finished already?)", assertThrows(MetadataException.class,
                () -> abm.renewWork(id, "agent-b", Bytes.utf8("done 40"), 3200, 1000)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> abm.renewWork(id, "agent-b", Bytes.utf8(""), 0, 0));
    }

    private static WrappedKey key(String owner, int version, int kek, int secret) {
        byte[] kekId = new byte[32];
        Arrays.fill(kekId, (byte) kek);
        byte[] wrapped = new byte[60];
        Arrays.fill(wrapped, (byte) secret);
        return new WrappedKey(owner, version, 1000L * version, 32, "aes-256-gcm", Bytes.of(kekId), Bytes.of(wrapped));
    }

    /**
     * Two proxies making a preset's first key at once each send version 1: one is stored, and the other gets that one
     * back, so both encrypt under the same key. Rotations race the same way.
     */
    @Test
    void anOwnersKeyVersionIsStoredOnceAndTheLoserGetsTheWinnersKey() {
        RocksMetadataStore store = store("meta");
        AlbaManagerService abm = abm(store);
        assertEquals(Optional.empty(), abm.kekId());
        WrappedKey first = key("preset-p", 1, 7, 1);
        assertEquals(first, abm.addKey(first));
        assertEquals(first, abm.addKey(key("preset-p", 1, 7, 2)), "the loser gets the winner's key");
        assertEquals(List.of(first), abm.keys());
        assertEquals(Optional.of(first), abm.currentKey("preset-p"));
        assertEquals(Optional.of(first.kekId()), abm.kekId(), "the first key's KEK is the backend's");
        assertEquals(Optional.of(KeyRecord.encode(first)), store.get(Bytes.utf8("abm/key/preset-p")),
                "stored in its binary form");

        WrappedKey second = key("preset-p", 2, 7, 3);
        assertEquals(second, abm.addKey(second));
        assertEquals(second, abm.addKey(key("preset-p", 2, 7, 4)), "a second rotation to v2 gets the first");
        assertEquals(Optional.of(second), abm.currentKey("preset-p"));
        assertEquals(Optional.of(first), abm.key("preset-p"), "the old version stays for the objects written under it");
        assertEquals(Optional.of(second), abm.key("preset-p@v2"));
        assertEquals(Optional.empty(), abm.currentKey("preset-q"));

        MetadataException gap = assertThrows(MetadataException.class, () -> abm.addKey(key("preset-p", 4, 7, 5)));
        assertTrue(gap.getMessage().contains("the next one is 3"), gap.getMessage());
        MetadataException otherKek = assertThrows(MetadataException.class,
                () -> abm.addKey(key("preset-q", 1, 8, 6)));
        assertTrue(otherKek.getMessage().contains("another KEK"), otherKek.getMessage());
        assertEquals(Optional.empty(), abm.currentKey("preset-q"), "nothing stored");
        assertEquals(2, abm.keys().size());
    }

    /** The same commands on two stores leave the same bytes: what a replicated log relies on. */
    @Test
    void commandsAreDeterministic() {
        List<List<Entry>> states = new ArrayList<>();
        for (String name : new String[] {"replica-1", "replica-2"}) {
            RocksMetadataStore store = store(name);
            AbmOperation op = new AbmOperation();
            for (String command : new String[] {
                "{\"command\":\"init\",\"backendId\":\"b-1\"}",
                "{\"command\":\"add-nsm-host\",\"id\":\"local\",\"address\":\"local\"}",
                "{\"command\":\"create-preset\",\"preset\":{\"name\":\"p\",\"policies\":[{\"k\":4,\"m\":2,\"c\":5,"
                        + "\"x\":1}],\"maxFragmentSize\":4096,\"compressor\":\"lz4\",\"cipher\":\"none\","
                        + "\"fragmentChecksum\":\"xxh64\",\"erasureCodec\":\"rs\"}}",
                "{\"command\":\"create-namespace\",\"name\":\"a\"}",
                "{\"command\":\"create-namespace\",\"name\":\"b\",\"preset\":\"p\"}",
                "{\"command\":\"delete-namespace\",\"name\":\"a\"}",
                "{\"command\":\"queue-work\",\"kind\":\"k\",\"payload\":\"AAE=\"}",
                "{\"command\":\"lease-work\",\"agent\":\"x\",\"max\":5,\"now\":10,\"leaseMillis\":5}",
                "{\"command\":\"renew-work\",\"id\":1,\"agent\":\"x\",\"payload\":\"AAI=\",\"now\":12,"
                        + "\"leaseMillis\":5}",
                "{\"command\":\"claim-osd\",\"osd\":{\"number\":0,\"longId\":\"o-1\",\"nodeId\":\"n\","
                        + "\"kind\":\"asd\",\"addresses\":[],\"port\":1,\"state\":\"CLAIMED\"}}",
                "{\"command\":\"mark-osd-dead\",\"longId\":\"o-1\"}",
                "{\"command\":\"decommission-osd\",\"longId\":\"o-1\"}",
                "{\"command\":\"add-key\",\"key\":{\"owner\":\"preset-p\",\"version\":1,\"createdMillis\":10,"
                        + "\"keyLength\":32,\"wrapping\":\"aes-256-gcm\",\"kekId\":\"AAE=\",\"wrapped\":\"AAEC\"}}"}) {
                store.execute(op.name(), Bytes.utf8(command));
            }
            states.add(store.range(KeyRange.all(), 1000, false));
        }
        assertEquals(states.get(0), states.get(1));
        assertTrue(states.get(0).size() > 8);
    }
}
