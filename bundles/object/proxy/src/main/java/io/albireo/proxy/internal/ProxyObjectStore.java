package io.albireo.proxy.internal;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.AlbireoName;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.codec.CodecRegistry;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.MetadataException;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.metadata.OsdClaimedException;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectStore;
import io.albireo.api.object.ObjectStream;
import io.albireo.api.object.Overwrite;
import io.albireo.api.osd.Osd;
import io.albireo.object.layout.ChunkHeads;
import io.albireo.object.layout.Pipeline;
import io.albireo.object.layout.LiveOsds;

/**
 * The ObjectStore over this backend. Puts are written by {@link ObjectWriter} and registered here with a condition
 * made exact (the previous object id, or none), so that the manifest a put replaces is known for certain and its
 * fragments can be deleted; reads go through {@link ObjectReader}. docs/PROXY.md has the design.
 */
@Component(configurationPid = ProxyObjectStore.PID, service = {ObjectStore.class, ProxyObjectStore.class})
@Designate(ocd = ProxyObjectStore.Config.class)
public final class ProxyObjectStore implements ObjectStore {
    static final String PID = "io.albireo.proxy";
    /** The preset made on a backend that has none: what six ASDs on one node can satisfy (see docs/PROXY.md). */
    static final Preset DEFAULT_PRESET = new Preset("default", List.of(new Policy(4, 2, 5, 6), new Policy(3, 2, 4, 5),
            new Policy(2, 1, 2, 3)), 4 << 20, "lz4", "aes-256-gcm", "crc32c", "rs", "crc32c");
    private static final Logger LOG = LoggerFactory.getLogger(ProxyObjectStore.class);
    private static final int RETRIES = 16;

    /** The proxy's configuration. */
    @ObjectClassDefinition(name = "Albireo proxy", description = "The ObjectStore over this backend")
    public @interface Config {
        @AttributeDefinition(description = "Plaintext bytes per independently compressed and encrypted block")
        int blockSize() default Pipeline.DEFAULT_BLOCK_SIZE;

        @AttributeDefinition(description = "Chunks of one put encoded or written at once (bounds a put's memory)")
        int chunksInFlight() default 3;

        @AttributeDefinition(description = "Milliseconds a put waits for fragments beyond c before registering")
        long slowFragmentGraceMillis() default 200;

        @AttributeDefinition(description = "Manifests kept in memory")
        int manifestCache_size() default 100_000;

        @AttributeDefinition(description = "The fragment cache's directory; empty: ${karaf.data}/fragment-cache")
        String fragmentCache_path() default "";

        @AttributeDefinition(description = "The fragment cache's size in bytes; 0 disables it")
        long fragmentCache_bytes() default 1L << 30;

        @AttributeDefinition(description = "Memory in bytes for chunk heads (index pages and sealed headers), so a"
                + " partial read is one round trip; 0 disables it")
        long headCache_bytes() default 64L << 20;

        @AttributeDefinition(description = "The key-encryption key (KEK) that wraps the backend's data keys; made"
                + " only while the backend holds no key. Empty: ${karaf.etc}/io.albireo.proxy.kek")
        String kek_path() default "";

        @AttributeDefinition(description = "The key file of earlier proxies, whose keys are imported into the backend"
                + " once; empty: ${karaf.etc}/io.albireo.proxy.keys")
        String keyStore_path() default "";

        @AttributeDefinition(description = "Seconds between measurements of the OSDs' fill")
        int usageRefreshSeconds() default 5;

        @AttributeDefinition(description = "Claim unowned Osd services and make a default preset if there is none")
        boolean claimLocalOsds() default true;

        @AttributeDefinition(description = "Encoding and decoding threads; 0: the number of processors")
        int threads() default 0;
    }

    private final AlbaManager abm;
    private final NamespaceManager nsm;
    private final CodecRegistry codecs;
    private final Settings settings;
    private final DataKeys keys;
    private final LiveOsds osds;
    private final ProxyStatistics stats = new ProxyStatistics();
    private final ManifestCache manifests;
    private final FragmentCache fragments;
    private final ChunkHeads heads;
    private final WorkQueue work;
    private final ObjectWriter writer;
    private final ObjectReader reader;
    private final ExecutorService codecThreads;
    private final ScheduledExecutorService timer;
    private final Map<String, Osd> unclaimed = new ConcurrentHashMap<>();

    /** DS constructor. */
    @Activate
    public ProxyObjectStore(@Reference AlbaManager abm, @Reference NamespaceManager nsm,
            @Reference CodecRegistry codecs, Config config) {
        this(abm, nsm, codecs, settings(config));
    }

    /** For tests, and the DS constructor. */
    ProxyObjectStore(AlbaManager abm, NamespaceManager nsm, CodecRegistry codecs, Settings settings) {
        this.abm = abm;
        this.nsm = nsm;
        this.codecs = codecs;
        this.settings = settings;
        this.osds = new LiveOsds(abm);
        this.manifests = new ManifestCache(settings.manifestCacheSize());
        this.fragments = new FragmentCache(settings.fragmentCachePath(), settings.fragmentCacheBytes());
        this.heads = new ChunkHeads(settings.headCacheBytes());
        this.work = new WorkQueue(abm, stats);
        int threads = settings.threads() > 0 ? settings.threads() : Runtime.getRuntime().availableProcessors();
        this.codecThreads = Executors.newFixedThreadPool(threads, named("albireo-proxy-codec"));
        this.timer = Executors.newSingleThreadScheduledExecutor(named("albireo-proxy-timer"));
        this.keys = new DataKeys(abm, settings.kekPath(), settings.oldKeyFilePath(), System::currentTimeMillis);
        importOldKeys();
        Pipelines pipelines = new Pipelines(codecs, keys);
        this.writer = new ObjectWriter(abm, osds, pipelines, fragments, heads, work, settings, codecThreads);
        this.reader = new ObjectReader(nsm, writer, osds, pipelines, fragments, heads, manifests, work, stats);
        osds.refreshClaims();
        ensureDefaults(); // at once when everything is there (the usual case); else again at every refresh
        timer.scheduleWithFixedDelay(this::refresh, 0, Math.max(1, settings.usageRefreshSeconds()),
                TimeUnit.SECONDS);
    }

    private static Settings settings(Config c) {
        String data = System.getProperty("karaf.data", "data");
        String etc = System.getProperty("karaf.etc", "etc");
        Path cache = c.fragmentCache_path().isBlank() ? Path.of(data, "fragment-cache")
                : Path.of(c.fragmentCache_path());
        Path kek = c.kek_path().isBlank() ? Path.of(etc, "io.albireo.proxy.kek") : Path.of(c.kek_path());
        Path oldKeys = c.keyStore_path().isBlank() ? Path.of(etc, "io.albireo.proxy.keys")
                : Path.of(c.keyStore_path());
        return new Settings(c.blockSize(), c.chunksInFlight(), c.slowFragmentGraceMillis(), c.manifestCache_size(),
                cache, c.fragmentCache_bytes(), c.headCache_bytes(), kek, oldKeys, c.usageRefreshSeconds(),
                c.claimLocalOsds(), c.threads());
    }

    /**
     * The old key file's keys go into the backend at start, so the log says at once what was imported, or why not
     * (a missing KEK, say). Encrypted puts and reads try again until it is done; unencrypted ones never need it.
     */
    private void importOldKeys() {
        try {
            keys.importOldKeys();
        } catch (RuntimeException e) {
            LOG.error("The old key file {} is not imported yet (encrypted puts and reads try again): {}",
                    settings.oldKeyFilePath(), e.getMessage());
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Deactivate
    void close() {
        timer.shutdownNow();
        codecThreads.shutdown();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindOsd(Osd osd, Map<String, Object> properties) {
        Object name = properties.get(AlbireoName.PROPERTY);
        if (name != null) {
            osds.add(name.toString(), osd);
            if (settings.claimLocalOsds()) {
                unclaimed.put(name.toString(), osd);
                timer.execute(this::claimNew);
            }
        }
    }

    void unbindOsd(Osd osd, Map<String, Object> properties) {
        Object name = properties.get(AlbireoName.PROPERTY);
        if (name != null) {
            osds.remove(name.toString(), osd);
            unclaimed.remove(name.toString(), osd);
        }
    }

    /** Claims the bound OSDs nobody owns: the embedded appliance comes up with its ASDs in its backend. */
    synchronized void claimNew() {
        for (String id : List.copyOf(unclaimed.keySet())) {
            if (abm.osd(id).isEmpty()) {
                try {
                    abm.claimOsd(id);
                    LOG.info("claimed OSD {}", id);
                } catch (OsdClaimedException e) {
                    LOG.info("OSD {} is not claimed: {}", id, e.getMessage());
                } catch (RuntimeException e) {
                    LOG.info("could not claim OSD {} yet (tried again at the next refresh): {}", id, e.toString());
                    continue;
                }
            }
            unclaimed.remove(id);
        }
        osds.refreshClaims();
    }

    /**
     * The embedded appliance's defaults: a default preset when there is none, and claims of the OSDs nobody owns.
     * Tried again at every refresh until they hold, because what they need comes up in any order at boot: the ALBA
     * manager checks a preset's algorithms against the codec registry, and claims an OSD only once its own reference
     * to that Osd service is bound.
     */
    private void ensureDefaults() {
        if (!settings.claimLocalOsds()) {
            return;
        }
        if (abm.presets().isEmpty()) {
            try {
                abm.createPreset(DEFAULT_PRESET);
                abm.setDefaultPreset(DEFAULT_PRESET.name());
                LOG.info("made the default preset {}", DEFAULT_PRESET);
            } catch (RuntimeException e) {
                LOG.info("the default preset cannot be made yet (tried again in {} s): {}",
                        settings.usageRefreshSeconds(), e.getMessage());
            }
        }
        if (!unclaimed.isEmpty()) {
            claimNew();
        }
    }

    private void refresh() {
        try {
            ensureDefaults();
            osds.refreshClaims();
            osds.refreshUsage();
        } catch (RuntimeException e) {
            LOG.debug("refresh failed: {}", e.toString());
        }
    }

    // Keys

    /** @return the backend's data keys, without their secrets: what key:list shows */
    public List<KeyInfo> keys() {
        return keys.list();
    }

    /**
     * Makes a new version of a preset's key: new writes use it, objects written before keep reading with theirs.
     *
     * @throws MetadataException if there is no such preset
     * @throws IllegalArgumentException if the preset does not encrypt
     * @throws io.albireo.api.StorageException if the KEK is missing or wrong, or another rotation won
     */
    public KeyInfo rotateKey(String preset) {
        Preset p = abm.preset(preset).orElseThrow(() -> new MetadataException("no preset named " + preset
                + " (preset:list shows them)"));
        if (Pipelines.NONE.equals(p.cipher())) {
            throw new IllegalArgumentException("preset " + preset + " has no cipher (cipher none): its objects are"
                    + " not encrypted, so it has no key to rotate");
        }
        return keys.rotate(Pipelines.keyOwner(p), codecs.cipher(p.cipher()).keyLength());
    }

    /** @return the counters and cache figures, for proxy:stats */
    public Map<String, Long> statistics() {
        Map<String, Long> m = new java.util.LinkedHashMap<>(stats.snapshot());
        m.put("manifestCacheEntries", (long) manifests.size());
        m.put("fragmentCacheFragments", (long) fragments.count());
        m.put("fragmentCacheBytes", fragments.bytes());
        ChunkHeads.Statistics h = heads.statistics();
        m.put("headCacheHits", h.hits());
        m.put("headCacheMisses", h.misses());
        m.put("headCacheEntries", h.entries());
        m.put("headCacheBytes", h.bytes());
        m.put("liveOsds", (long) osds.candidates().size());
        return m;
    }

    // Namespaces

    @Override
    public void createNamespace(String namespace, String preset) {
        abm.createNamespace(namespace, preset);
    }

    @Override
    public void deleteNamespace(String namespace) {
        abm.deleteNamespace(namespace);
        manifests.removeNamespace(namespace);
        reader.forgetNamespace(namespace);
    }

    @Override
    public List<String> listNamespaces() {
        return abm.namespaces().stream().map(Namespace::name).toList();
    }

    // Writes

    @Override
    public ObjectInfo put(String namespace, String name, ByteBuffer data, Overwrite overwrite) {
        return put(namespace, name, ObjectWriter.of(data), overwrite);
    }

    @Override
    public ObjectInfo put(String namespace, String name, InputStream data, Overwrite overwrite) {
        return put(namespace, name, ObjectWriter.of(data), overwrite);
    }

    private ObjectInfo put(String namespace, String name, ObjectWriter.ChunkSource source, Overwrite overwrite) {
        // Refuse at once what cannot hold, before writing any fragment.
        Optional<Manifest> current = nsm.get(namespace, name);
        exact(namespace, name, overwrite, current, 0);
        ObjectWriter.Prepared p;
        try {
            p = writer.write(namespace, name, source);
        } catch (RuntimeException e) {
            stats.putFailures.increment();
            throw e;
        }
        List<ObjectChange> changes = List.of(new ObjectChange.Put(name, ByteBuffer.allocate(0), overwrite));
        List<Optional<ObjectInfo>> result = register(namespace, List.of(), changes, List.of(p));
        return result.get(0).orElseThrow();
    }

    @Override
    public List<Optional<ObjectInfo>> apply(String namespace, List<ObjectAssert> asserts,
            List<ObjectChange> changes) {
        List<ObjectWriter.Prepared> prepared = new ArrayList<>();
        try {
            for (ObjectChange c : changes) {
                if (c instanceof ObjectChange.Put put) {
                    prepared.add(writer.write(namespace, put.name(), ObjectWriter.of(put.data())));
                }
            }
        } catch (RuntimeException e) {
            prepared.forEach(p -> p.finish(false));
            stats.putFailures.increment();
            throw e;
        }
        return register(namespace, asserts, changes, prepared);
    }

    /**
     * Registers written objects, deletes and asserts in one NSM apply, asserts first. Every condition is checked
     * against what the NSM holds now and made exact: the name holds the object it holds now, its manifest at the
     * version it is at now ({@code version(id, version)}), or nothing (NONE). An assert becomes a
     * {@link NamespaceManager.Check}, which writes nothing, so that a repair committed meanwhile is never undone; the
     * manifests replaced are known, so their fragments are deleted. An apply that lost a race (a put, a delete or a
     * repair came between the read and the apply) is tried again on the new state, where the caller's own conditions
     * decide: a condition of the caller's that no longer holds fails.
     */
    private List<Optional<ObjectInfo>> register(String namespace, List<ObjectAssert> asserts,
            List<ObjectChange> changes, List<ObjectWriter.Prepared> prepared) {
        long nsId = reader.namespaceId(namespace);
        for (int attempt = 0;; attempt++) {
            List<NamespaceManager.Change> nsmChanges = new ArrayList<>();
            List<Optional<Manifest>> replaced = new ArrayList<>();
            try {
                for (int i = 0; i < asserts.size(); i++) {
                    ObjectAssert a = asserts.get(i);
                    Optional<Manifest> now = nsm.get(namespace, a.name());
                    boolean holds;
                    if (a instanceof ObjectAssert.HasId x) {
                        holds = now.isPresent() && now.get().objectId().equals(x.objectId());
                    } else if (a instanceof ObjectAssert.HasChecksum x) {
                        holds = now.isPresent() && now.get().checksum().equals(x.checksum());
                    } else {
                        holds = a instanceof ObjectAssert.Absent == now.isEmpty();
                    }
                    if (!holds) {
                        throw new AssertFailedException(i, Bytes.utf8(a.name()));
                    }
                    nsmChanges.add(new NamespaceManager.Check(a.name(), now.isEmpty() ? Overwrite.NONE
                            : Overwrite.version(now.get().objectId(), now.get().version())));
                    replaced.add(Optional.empty());
                }
                int put = 0;
                for (int i = 0; i < changes.size(); i++) {
                    ObjectChange c = changes.get(i);
                    Overwrite ow = c instanceof ObjectChange.Put p ? p.overwrite()
                            : ((ObjectChange.Delete) c).overwrite();
                    Optional<Manifest> now = nsm.get(namespace, c.name());
                    Overwrite exact = exact(namespace, c.name(), ow, now, asserts.size() + i);
                    nsmChanges.add(c instanceof ObjectChange.Put
                            ? new NamespaceManager.Put(prepared.get(put++).manifest, exact)
                            : new NamespaceManager.Delete(c.name(), exact));
                    replaced.add(now);
                }
                List<Optional<Manifest>> stored = nsm.apply(namespace, nsmChanges);
                return registered(namespace, nsId, asserts.size(), changes, prepared, stored, replaced);
            } catch (AssertFailedException e) {
                // Failed by the NSM (an index among the changes sent): the state moved since it was read. Failed by
                // the checks above (the index of the condition being checked, not yet sent): the caller's.
                boolean retry = e.index() < nsmChanges.size() && attempt < RETRIES;
                if (!retry) {
                    prepared.forEach(p -> p.finish(false));
                    stats.putFailures.add(prepared.size());
                    throw e;
                }
            } catch (RuntimeException e) {
                // Not necessarily refused: a WAL write that failed, or an answer lost, may hide a commit. What the NSM
                // holds now decides, so that fragments a registered manifest points to are never deleted.
                Optional<Boolean> committed = committed(namespace, changes, prepared);
                if (committed.orElse(false)) {
                    LOG.warn("the registration in {} failed ({}) but its manifests are there: it committed", namespace,
                            e.getMessage());
                    return registered(namespace, nsId, asserts.size(), changes, prepared,
                            storedNow(namespace, asserts.size(), changes), replaced);
                }
                if (committed.isEmpty()) {
                    LOG.warn("the registration in {} failed ({}) and whether it committed cannot be read: its "
                            + "fragments are kept", namespace, e.getMessage());
                } else {
                    prepared.forEach(p -> p.finish(false));
                }
                stats.putFailures.add(prepared.size());
                throw e;
            }
        }
    }

    /**
     * @return whether an apply of these changes committed, judged by its puts' object ids in the NSM now (an apply is
     *         atomic, so one tells for all); false if it has no put (nothing to delete then); empty if the NSM cannot
     *         be read
     */
    private Optional<Boolean> committed(String namespace, List<ObjectChange> changes,
            List<ObjectWriter.Prepared> prepared) {
        if (prepared.isEmpty()) {
            return Optional.of(false);
        }
        Manifest ours = prepared.get(0).manifest;
        try {
            return Optional.of(nsm.get(namespace, ours.name()).map(m -> m.objectId().equals(ours.objectId()))
                    .orElse(false));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** @return what a committed apply stored, per assert and change, as {@code NamespaceManager.apply} returns it */
    private List<Optional<Manifest>> storedNow(String namespace, int assertCount, List<ObjectChange> changes) {
        List<Optional<Manifest>> stored = new ArrayList<>();
        for (int i = 0; i < assertCount; i++) {
            stored.add(Optional.empty());
        }
        for (ObjectChange c : changes) {
            stored.add(c instanceof ObjectChange.Put ? nsm.get(namespace, c.name()) : Optional.empty());
        }
        return stored;
    }

    private List<Optional<ObjectInfo>> registered(String namespace, long nsId, int assertCount,
            List<ObjectChange> changes, List<ObjectWriter.Prepared> prepared, List<Optional<Manifest>> stored,
            List<Optional<Manifest>> replaced) {
        prepared.forEach(p -> p.finish(true));
        List<Optional<ObjectInfo>> out = new ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            ObjectChange c = changes.get(i);
            Optional<Manifest> old = replaced.get(assertCount + i);
            old.ifPresent(m -> writer.deleteFragments(nsId, m));
            if (c instanceof ObjectChange.Put) {
                Manifest m = stored.get(assertCount + i).orElseThrow();
                manifests.put(namespace, m);
                stats.puts.increment();
                stats.bytesWritten.add(m.size());
                out.add(Optional.of(new ObjectInfo(namespace, m.name(), m.objectId(), m.size(), m.checksum())));
            } else {
                manifests.remove(namespace, c.name());
                old.ifPresent(m -> stats.deletes.increment());
                out.add(Optional.empty());
            }
        }
        return out;
    }

    /** @return the exact NSM condition for {@code ow} given what the name holds now, or an assert failure */
    private static Overwrite exact(String namespace, String name, Overwrite ow, Optional<Manifest> now, int index) {
        boolean holds;
        if (ow instanceof Overwrite.Previous p) {
            holds = now.isPresent() && now.get().objectId().equals(p.objectId());
        } else if (ow instanceof Overwrite.Version v) {
            holds = now.isPresent() && now.get().objectId().equals(v.objectId()) && now.get().version() == v.version();
        } else if (ow instanceof Overwrite.None) {
            holds = now.isEmpty();
        } else {
            holds = ow instanceof Overwrite.Unconditional || now.isPresent();
        }
        if (!holds) {
            throw new AssertFailedException(index, Bytes.utf8(name));
        }
        return now.isPresent() ? Overwrite.version(now.get().objectId(), now.get().version()) : Overwrite.NONE;
    }

    // Reads

    @Override
    public Optional<Manifest> manifest(String namespace, String name) {
        return reader.manifest(namespace, name, true);
    }

    @Override
    public Optional<ByteBuffer> get(String namespace, String name) {
        Optional<ByteBuffer> b = reader.get(namespace, name);
        stats.gets.increment();
        b.ifPresent(x -> stats.bytesRead.add(x.remaining()));
        return b;
    }

    @Override
    public Optional<ObjectStream> open(String namespace, String name) {
        Optional<ObjectStream> s = reader.open(namespace, name);
        stats.gets.increment();
        return s;
    }

    @Override
    public List<ByteBuffer> read(List<ObjectRange> ranges) {
        return reader.read(ranges);
    }

    @Override
    public boolean delete(String namespace, String name) {
        long nsId = reader.namespaceId(namespace);
        Optional<Manifest> gone = nsm.delete(namespace, name, Overwrite.UNCONDITIONAL);
        manifests.remove(namespace, name);
        gone.ifPresent(m -> {
            stats.deletes.increment();
            writer.deleteFragments(nsId, m);
        });
        return gone.isPresent();
    }

    @Override
    public Optional<ObjectInfo> stat(String namespace, String name) {
        return reader.manifest(namespace, name, true)
                .map(m -> new ObjectInfo(namespace, name, m.objectId(), m.size(), m.checksum()));
    }

    @Override
    public ObjectListing list(String namespace, String prefix, String after, int limit) {
        NamespaceManager.Listing l = nsm.list(namespace, prefix == null ? "" : prefix, after, limit);
        return new ObjectListing(l.names(), l.more());
    }

    /** For tests: the bound Osd services and whether OSD claims are done. */
    LiveOsds osds() {
        return osds;
    }
}
