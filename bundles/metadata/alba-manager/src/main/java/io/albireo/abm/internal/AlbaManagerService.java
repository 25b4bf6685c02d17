package io.albireo.abm.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.albireo.api.AlbireoName;
import io.albireo.api.Assert;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.StorageException;
import io.albireo.api.Update;
import io.albireo.api.codec.CodecRegistry;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.InvalidPresetException;
import io.albireo.api.metadata.MetadataException;
import io.albireo.api.metadata.MetadataOperation;
import io.albireo.api.metadata.MetadataStore;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.NsmHost;
import io.albireo.api.metadata.OsdClaimedException;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.api.metadata.WorkItem;
import io.albireo.api.metadata.WrappedKey;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdIdentity;
import io.albireo.api.osd.OsdUnavailableException;

/**
 * The {@link AlbaManager} service: reads straight from the metadata store, sends every mutation as a command of the
 * {@link AbmOperation}, and talks to the OSDs themselves when it claims or purges them. At activation it initialises
 * the backend (its id, made here once and kept in the store) and registers the local NSM host, both idempotently.
 */
@Component(service = AlbaManager.class)
public final class AlbaManagerService implements AlbaManager {
    /** The key on an OSD that says which backend owns it. */
    static final Bytes OWNER_KEY = Bytes.utf8("albireo/backend");
    /** The NSM host every appliance has: its own metadata store. */
    static final String LOCAL_NSM = "local";
    private static final Logger LOG = LoggerFactory.getLogger(AlbaManagerService.class);
    private static final long OSD_TIMEOUT_SECONDS = 30;

    private final MetadataStore store;
    private final AbmJson json = new AbmJson();
    private final Function<String, Optional<ReachableOsd>> osds;
    /** The algorithms this appliance has, as "family:name", or empty when no codec registry runs. */
    private final Supplier<Optional<Set<String>>> algorithms;
    private final Lent<NamespaceManager> namespaceManager;
    private final String backendId;

    /** The Osd services, by long id (their albireo.name). */
    private final Map<String, ReachableOsd> live = new ConcurrentHashMap<>();
    private volatile CodecRegistry registry;

    /**
     * An OSD this appliance can reach, with where it is.
     *
     * @param osd the Osd service
     * @param addresses its host, as its driver has it
     * @param port its port
     */
    record ReachableOsd(Osd osd, List<String> addresses, int port) {
    }

    /**
     * DS constructor. The reference to the ABM operation makes sure the store can run it before the first command.
     */
    @Activate
    public AlbaManagerService(BundleContext context, @Reference MetadataStore store,
            @Reference(target = "(" + AlbireoName.PROPERTY + "=" + AbmOperation.NAME + ")") MetadataOperation abm) {
        this.store = store;
        this.osds = id -> Optional.ofNullable(live.get(id));
        this.algorithms = () -> Optional.ofNullable(registry).map(AlbaManagerService::known);
        // Got when a purge asks, and held only while it asks, not referenced: the namespace manager references this
        // service, and a reference back would make a cycle that DS resolves differently from one start to the next.
        this.namespaceManager = Lent.from(context, NamespaceManager.class);
        this.backendId = initialise();
    }

    /** For tests: the OSDs, the algorithms ("family:name") and the NSM given as functions. */
    AlbaManagerService(MetadataStore store, Function<String, Optional<ReachableOsd>> osds,
            Supplier<Optional<Set<String>>> algorithms, Supplier<Optional<NamespaceManager>> namespaceManager) {
        this.store = store;
        this.osds = osds;
        this.algorithms = algorithms;
        this.namespaceManager = Lent.of(namespaceManager);
        this.backendId = initialise();
    }

    private String initialise() {
        JsonObject init = command("init");
        init.addProperty("backendId", UUID.randomUUID().toString());
        String id = run(init).getAsString();
        JsonObject nsmHost = command("add-nsm-host");
        nsmHost.addProperty("id", LOCAL_NSM);
        nsmHost.addProperty("address", LOCAL_NSM);
        run(nsmHost);
        LOG.info("ALBA manager of backend {} is up", id);
        return id;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindOsd(Osd osd, Map<String, Object> properties) {
        Object name = properties.get(AlbireoName.PROPERTY);
        if (name != null) {
            Object host = properties.get("albireo.osd.host");
            Object port = properties.get("albireo.osd.port");
            live.put(name.toString(), new ReachableOsd(osd, host == null ? List.of() : List.of(host.toString()),
                    port instanceof Number n ? n.intValue() : 0));
        }
    }

    void unbindOsd(Osd osd, Map<String, Object> properties) {
        Object name = properties.get(AlbireoName.PROPERTY);
        if (name != null) {
            live.computeIfPresent(name.toString(), (id, known) -> known.osd() == osd ? null : known);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindRegistry(CodecRegistry r) {
        registry = r;
    }

    void unbindRegistry(CodecRegistry r) {
        if (registry == r) {
            registry = null;
        }
    }

    @Override
    public String backendId() {
        return backendId;
    }

    // OSDs

    @Override
    public ClaimedOsd claimOsd(String longId) {
        Optional<ClaimedOsd> mine = osd(longId);
        if (mine.isPresent()) {
            return mine.get();
        }
        ReachableOsd target = osds.apply(longId).orElseThrow(() -> new OsdUnavailableException("OSD " + longId
                + " is not available to this appliance: no Osd service of that long id (osd:discovered shows what is"
                + " announced; configure a driver for it)"));
        OsdIdentity identity = target.osd().identity();
        // First the OSD itself: the assert makes the claim exclusive even between backends that share no metadata.
        try {
            await(target.osd().apply(List.of(Assert.absent(OWNER_KEY)),
                    List.of(Update.set(OWNER_KEY, Bytes.utf8(backendId)))));
        } catch (AssertFailedException e) {
            String owner = await(target.osd().get(List.of(OWNER_KEY))).get(0).map(Bytes::copyOf).map(Bytes::utf8)
                    .orElse("?");
            if (!owner.equals(backendId)) {
                throw new OsdClaimedException(longId, owner);
            }
            // Ours already: an earlier claim got this far and no further. Recording it now completes it.
        }
        JsonObject claim = command("claim-osd");
        claim.add("osd", json.tree(new ClaimedOsd(0, longId, identity.nodeId(), identity.kind(), target.addresses(),
                target.port(), ClaimedOsd.State.CLAIMED)));
        ClaimedOsd claimed = json.decode(run(claim), ClaimedOsd.class);
        LOG.info("Backend {} claimed OSD {} (node {}) as number {}", backendId, longId, claimed.nodeId(),
                claimed.number());
        return claimed;
    }

    @Override
    public List<ClaimedOsd> osds() {
        List<ClaimedOsd> all = new ArrayList<>();
        for (Entry e : scan(AbmOperation.OSDS)) {
            all.add(json.fromRecord(e.value(), ClaimedOsd.class));
        }
        all.sort((a, b) -> Integer.compare(a.number(), b.number()));
        return all;
    }

    @Override
    public Optional<ClaimedOsd> osd(String longId) {
        return store.get(AbmOperation.OSDS.concat(Bytes.utf8(longId))).map(b -> json.fromRecord(b, ClaimedOsd.class));
    }

    @Override
    public ClaimedOsd decommissionOsd(String longId) {
        return setOsdState("decommission-osd", longId, ClaimedOsd.State.DECOMMISSIONED);
    }

    @Override
    public ClaimedOsd markOsdDead(String longId) {
        return setOsdState("mark-osd-dead", longId, ClaimedOsd.State.DEAD);
    }

    /** Logs only a change: every agent that sees an OSD die marks it, and one of them changes it. */
    private ClaimedOsd setOsdState(String command, String longId, ClaimedOsd.State state) {
        JsonObject c = command(command);
        c.addProperty("longId", longId);
        JsonObject result = run(c).getAsJsonObject();
        ClaimedOsd osd = json.decode(result.get("osd"), ClaimedOsd.class);
        int repairs = result.get("repairsQueued").getAsInt();
        if (result.get("changed").getAsBoolean()) {
            LOG.info("Backend {}: OSD {} (number {}) is {} now; {} repair-osd item(s) queued", backendId, longId,
                    osd.number(), state.name().toLowerCase(), repairs);
        }
        return osd;
    }

    @Override
    public void purgeOsd(String longId) {
        ClaimedOsd osd = osd(longId).orElseThrow(() -> new MetadataException("OSD " + longId
                + " does not belong to this backend"));
        if (osd.state() == ClaimedOsd.State.CLAIMED) {
            throw new MetadataException("OSD " + longId + " is claimed: decommission it first (osd:decommission),"
                    + " and purge it once its fragments are moved away");
        }
        // The namespace that still holds fragments on the OSD, or "" if none does.
        String holding = namespaceManager.use(manager -> namespaces().stream()
                .filter(ns -> !manager.fragmentsOn(ns.name(), osd.number(), null, 1).isEmpty())
                .map(Namespace::name).findFirst().orElse("")).orElseThrow(() -> new MetadataException(
                        "cannot purge OSD " + longId + ": no namespace manager runs to tell whether it still holds"
                        + " fragments"));
        if (!holding.isEmpty()) {
            throw new MetadataException("OSD " + longId + " still holds fragments of namespace " + holding
                    + ": maintenance must move them away before it can be purged");
        }
        // The OSD's registration goes too, where the OSD can still be reached, so another backend may claim it.
        osds.apply(longId).ifPresent(target -> {
            try {
                await(target.osd().apply(List.of(Assert.value(OWNER_KEY, Bytes.utf8(backendId))),
                        List.of(Update.delete(OWNER_KEY))));
            } catch (StorageException e) {
                LOG.warn("Backend {}: could not remove its registration from OSD {}: {}", backendId, longId,
                        e.getMessage());
            }
        });
        JsonObject c = command("purge-osd");
        c.addProperty("longId", longId);
        run(c);
        LOG.info("Backend {}: OSD {} purged", backendId, longId);
    }

    @Override
    public List<String> nodes() {
        Set<String> nodes = new TreeSet<>();
        osds().forEach(o -> nodes.add(o.nodeId()));
        return List.copyOf(nodes);
    }

    // Presets

    @Override
    public void createPreset(Preset preset) {
        checkAlgorithms(preset);
        JsonObject c = command("create-preset");
        c.add("preset", json.tree(preset));
        run(c);
        LOG.info("Backend {}: preset {} created: {}", backendId, preset.name(), preset);
    }

    /** The one rule the preset itself cannot check: its algorithms exist in this appliance. */
    private void checkAlgorithms(Preset preset) {
        Set<String> known = algorithms.get().orElseThrow(() -> new InvalidPresetException("preset "
                + preset.name() + ": cannot check its algorithms, no codec registry runs"
                + " (feature:install albireo-codecs)"));
        for (String[] a : new String[][] {{"compressor", preset.compressor()}, {"cipher", preset.cipher()},
            {"checksum", preset.fragmentChecksum()}, {"erasure-codec", preset.erasureCodec()},
            {"checksum", preset.objectChecksum()}}) {
            if (!known.contains(a[0] + ":" + a[1])) {
                throw new InvalidPresetException("preset " + preset.name() + ": unknown " + a[0] + " '" + a[1]
                        + "' (codec:list shows the algorithms this appliance has)");
            }
        }
    }

    private static Set<String> known(CodecRegistry registry) {
        Set<String> known = new TreeSet<>();
        for (CodecRegistry.AlgorithmInfo a : registry.algorithms()) {
            known.add(a.family() + ":" + a.name());
        }
        return known;
    }

    @Override
    public List<Preset> presets() {
        return scan(AbmOperation.PRESETS).stream().map(e -> json.fromRecord(e.value(), Preset.class)).toList();
    }

    @Override
    public Optional<Preset> preset(String name) {
        return store.get(AbmOperation.PRESETS.concat(Bytes.utf8(name))).map(b -> json.fromRecord(b, Preset.class));
    }

    @Override
    public Preset updatePreset(String name, List<Policy> policies, int maxFragmentSize) {
        JsonObject c = command("update-preset");
        c.addProperty("name", name);
        c.add("policies", json.tree(policies));
        c.addProperty("maxFragmentSize", maxFragmentSize);
        Preset updated = json.decode(run(c), Preset.class);
        LOG.info("Backend {}: preset {} updated: {}", backendId, name, updated);
        return updated;
    }

    @Override
    public void deletePreset(String name) {
        JsonObject c = command("delete-preset");
        c.addProperty("name", name);
        run(c);
        LOG.info("Backend {}: preset {} deleted", backendId, name);
    }

    @Override
    public void setDefaultPreset(String name) {
        JsonObject c = command("set-default-preset");
        c.addProperty("name", name);
        run(c);
    }

    @Override
    public Optional<String> defaultPreset() {
        return store.get(AbmOperation.DEFAULT_PRESET).map(Bytes::utf8);
    }

    // Namespaces

    @Override
    public Namespace createNamespace(String name, String preset) {
        JsonObject c = command("create-namespace");
        c.addProperty("name", name);
        c.addProperty("preset", preset);
        Namespace ns = json.decode(run(c), Namespace.class);
        LOG.info("Backend {}: namespace {} created (id {}, preset {}, NSM host {})", backendId, name, ns.id(),
                ns.preset(), ns.nsmHost());
        return ns;
    }

    @Override
    public void deleteNamespace(String name) {
        JsonObject c = command("delete-namespace");
        c.addProperty("name", name);
        run(c);
        LOG.info("Backend {}: namespace {} deleted; its objects are removed in the background", backendId, name);
    }

    @Override
    public void namespaceDeleted(long id) {
        JsonObject c = command("namespace-deleted");
        c.addProperty("id", id);
        run(c);
        LOG.info("Backend {}: the fragments of deleted namespace #{} are gone", backendId, id);
    }

    @Override
    public List<Namespace> namespaces() {
        return scan(AbmOperation.NAMESPACES).stream().map(e -> json.fromRecord(e.value(), Namespace.class)).toList();
    }

    @Override
    public Optional<Namespace> namespace(String name) {
        return store.get(AbmOperation.NAMESPACES.concat(Bytes.utf8(name))).map(b -> json.fromRecord(b, Namespace.class));
    }

    // NSM hosts

    @Override
    public NsmHost addNsmHost(String id, String address) {
        JsonObject c = command("add-nsm-host");
        c.addProperty("id", id);
        c.addProperty("address", address);
        return json.decode(run(c), NsmHost.class);
    }

    @Override
    public List<NsmHost> nsmHosts() {
        return scan(AbmOperation.NSM_HOSTS).stream().map(e -> json.fromRecord(e.value(), NsmHost.class)).toList();
    }

    // Data keys

    @Override
    public WrappedKey addKey(WrappedKey key) {
        JsonObject c = command("add-key");
        c.add("key", json.tree(key));
        JsonObject result = run(c).getAsJsonObject();
        WrappedKey current = json.decode(result.get("key"), WrappedKey.class);
        if (result.get("added").getAsBoolean()) {
            LOG.info("Backend {}: stored data key {}", backendId, current); // id, length, KEK id: no key material
        }
        return current;
    }

    @Override
    public List<WrappedKey> keys() {
        return scan(AbmOperation.KEYS).stream().map(e -> KeyRecord.decode(e.value())).toList();
    }

    @Override
    public Optional<WrappedKey> key(String id) {
        return store.get(AbmOperation.KEYS.concat(Bytes.utf8(id))).map(KeyRecord::decode);
    }

    @Override
    public Optional<WrappedKey> currentKey(String owner) {
        return store.get(AbmOperation.CURRENT_KEYS.concat(Bytes.utf8(owner)))
                .flatMap(v -> key(WrappedKey.id(owner, Integer.parseInt(v.utf8()))));
    }

    @Override
    public Optional<Bytes> kekId() {
        return store.get(AbmOperation.KEK).map(v -> Bytes.adopt(java.util.HexFormat.of().parseHex(v.utf8())));
    }

    // Work

    @Override
    public long queueWork(String kind, Bytes payload) {
        JsonObject c = command("queue-work");
        c.addProperty("kind", kind);
        c.add("payload", json.tree(payload));
        return run(c).getAsLong();
    }

    @Override
    public List<WorkItem> leaseWork(String agent, int max, long nowMillis, long leaseMillis) {
        JsonObject c = command("lease-work");
        c.addProperty("agent", agent);
        c.addProperty("max", max);
        c.addProperty("now", nowMillis);
        c.addProperty("leaseMillis", leaseMillis);
        JsonArray items = run(c).getAsJsonArray();
        List<WorkItem> leased = new ArrayList<>();
        items.forEach(i -> leased.add(json.decode(i, WorkItem.class)));
        return leased;
    }

    @Override
    public void finishWork(long id, String agent) {
        JsonObject c = command("finish-work");
        c.addProperty("id", id);
        c.addProperty("agent", agent);
        run(c);
    }

    @Override
    public WorkItem renewWork(long id, String agent, Bytes payload, long nowMillis, long leaseMillis) {
        JsonObject c = command("renew-work");
        c.addProperty("id", id);
        c.addProperty("agent", agent);
        c.add("payload", json.tree(payload));
        c.addProperty("now", nowMillis);
        c.addProperty("leaseMillis", leaseMillis);
        return json.decode(run(c), WorkItem.class);
    }

    @Override
    public Optional<WorkItem> workItem(long id) {
        return store.get(AbmOperation.WORK.concat(Bytes.utf8(AbmOperation.hex(id))))
                .map(b -> json.fromRecord(b, WorkItem.class));
    }

    @Override
    public List<WorkItem> work(int limit) {
        return store.range(KeyRange.prefix(AbmOperation.WORK), limit, false).stream()
                .map(e -> json.fromRecord(e.value(), WorkItem.class)).toList();
    }

    // Shared

    private static JsonObject command(String name) {
        JsonObject c = new JsonObject();
        c.addProperty("command", name);
        return c;
    }

    private JsonElement run(JsonObject command) {
        return JsonParser.parseString(store.execute(AbmOperation.NAME, json.encode(command)).utf8());
    }

    private List<Entry> scan(Bytes prefix) {
        List<Entry> all = new ArrayList<>();
        Bytes from = prefix;
        while (true) {
            List<Entry> page = store.range(new KeyRange(from, prefix.prefixEnd()), 1000, false);
            all.addAll(page);
            if (page.size() < 1000) {
                return all;
            }
            from = page.get(page.size() - 1).key().concat(Bytes.of((byte) 0));
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> future) {
        try {
            return future.get(OSD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new OsdUnavailableException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            throw new OsdUnavailableException("the OSD did not answer within " + OSD_TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OsdUnavailableException("interrupted", e);
        }
    }
}
