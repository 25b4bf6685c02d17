package io.albireo.proxy.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.albireo.abm.internal.AbmOperation;
import io.albireo.abm.internal.AlbaManagerService;
import io.albireo.abm.internal.InProcessAbm;
import io.albireo.api.AlbireoName;
import io.albireo.api.osd.Osd;
import io.albireo.asd.internal.AsdStore;
import io.albireo.asd.internal.StoreOsd;
import io.albireo.framing.DaemonThreads;
import io.albireo.metadata.rocksdb.internal.RocksMetadataStore;
import io.albireo.nsm.internal.ApplyOperation;
import io.albireo.nsm.internal.NamespaceManagerService;

/**
 * The real stack in one process: the embedded metadata store running the ABM's and the NSM's operations, the ABM and
 * NSM services, {@code asds} ASD stores on one node (each wrapped so a test can take it down) and the proxy; more
 * proxies over the same ABM, NSM and OSDs, each with a directory of its own, on request. Public for the command tests.
 */
public final class Backend implements AutoCloseable {
    final RocksMetadataStore store;
    public final AlbaManagerService abm;
    public final NamespaceManagerService nsm;
    public final List<FlakyOsd> osds = new ArrayList<>();
    public final ProxyObjectStore proxy;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<ProxyObjectStore> proxies = new ArrayList<>();
    private final Map<String, Osd> byId = new ConcurrentHashMap<>();
    private NamespaceManagerService nsmRef;

    public Backend(Path dir, int asds, long fragmentCacheBytes) {
        this(dir, asds, fragmentCacheBytes, new DirectCodecs());
    }

    public Backend(Path dir, int asds, long fragmentCacheBytes, io.albireo.api.codec.CodecRegistry codecs) {
        this(dir, asds, fragmentCacheBytes, codecs, false);
    }

    /**
     * A backend whose ASD stores are served as the ASD server serves them, on a read pool and a write pool of 8
     * threads each (the ASD's defaults), rather than on the caller's thread: for benchmarks, which should see the
     * concurrency of an appliance's ASDs ({@link StoreOsd#served}).
     */
    public static Backend served(Path dir, int asds, long fragmentCacheBytes,
            io.albireo.api.codec.CodecRegistry codecs) {
        return new Backend(dir, asds, fragmentCacheBytes, codecs, true);
    }

    private Backend(Path dir, int asds, long fragmentCacheBytes, io.albireo.api.codec.CodecRegistry codecs,
            boolean served) {
        AbmOperation abmOp = new AbmOperation();
        ApplyOperation nsmOp = new ApplyOperation();
        store = RocksMetadataStore.open(dir.resolve("meta"), RocksMetadataStore.Settings.DEFAULT,
                n -> n.equals(AbmOperation.NAME) ? abmOp : n.equals(ApplyOperation.NAME) ? nsmOp : null);
        abm = InProcessAbm.open(store, byId, () -> nsmRef);
        nsm = new NamespaceManagerService(store, abm);
        nsmRef = nsm;
        for (int i = 0; i < asds; i++) {
            AsdStore asd = AsdStore.open(dir.resolve("asd" + i), AsdStore.Settings.DEFAULT);
            open.add(asd);
            FlakyOsd osd = new FlakyOsd(served ? served(asd, "node-1") : new StoreOsd(asd, "node-1"));
            osds.add(osd);
            byId.put(asd.longId(), osd);
        }
        proxy = new ProxyObjectStore(abm, nsm, codecs, settings(dir, fragmentCacheBytes));
        osds.forEach(this::bind);
        proxy.claimNew();
    }

    /**
     * Another proxy over this backend, as on another node: its KEK file, old key file and fragment cache under
     * {@code dir} ({@code dir/etc/io.albireo.proxy.kek}, ...), none shared with the first. Closed with the backend.
     */
    public ProxyObjectStore proxy(Path dir, long fragmentCacheBytes) {
        ProxyObjectStore p = new ProxyObjectStore(abm, nsm, new DirectCodecs(), settings(dir, fragmentCacheBytes));
        osds.forEach(o -> p.bindOsd(o, Map.of(AlbireoName.PROPERTY, o.identity().longId())));
        proxies.add(p);
        return p;
    }

    private StoreOsd served(AsdStore asd, String nodeId) {
        ExecutorService reads = Executors.newFixedThreadPool(8, DaemonThreads.named("asd-read"));
        ExecutorService writes = Executors.newFixedThreadPool(8, DaemonThreads.named("asd-blob"));
        open.add(reads::shutdownNow);
        open.add(writes::shutdownNow);
        return StoreOsd.served(asd, nodeId, reads, writes);
    }

    /** @return the metadata store the ABM and NSM keep their records in, for other registries (the volume driver's) */
    public io.albireo.api.metadata.MetadataStore metadata() {
        return store;
    }

    /** @return where a proxy of directory {@code dir} keeps its KEK */
    public static Path kek(Path dir) {
        return dir.resolve("etc/io.albireo.proxy.kek");
    }

    static Settings settings(Path dir, long fragmentCacheBytes) {
        return new Settings(4096, 3, 200, 1000, dir.resolve("fragment-cache"), fragmentCacheBytes,
                8L << 20, kek(dir), dir.resolve("etc/io.albireo.proxy.keys"), 1, true, 2);
    }

    /**
     * A new ASD store on {@code nodeId} in {@code dir}, reachable to the ABM by its long id (as a discovered ASD is),
     * in {@link #osds}, but neither claimed nor bound to the proxy: {@code abm.claimOsd(longId)} claims it, as
     * {@code osd:claim} does, then {@link #bind} (bound first, the proxy would claim it itself). Closed with the
     * backend.
     */
    public FlakyOsd addOsd(Path dir, String nodeId) {
        AsdStore asd = AsdStore.open(dir, AsdStore.Settings.DEFAULT);
        open.add(asd);
        FlakyOsd osd = new FlakyOsd(new StoreOsd(asd, nodeId));
        byId.put(asd.longId(), osd);
        osds.add(osd);
        return osd;
    }

    public void bind(FlakyOsd osd) {
        proxy.bindOsd(osd, Map.of(AlbireoName.PROPERTY, osd.identity().longId()));
    }

    public void unbind(FlakyOsd osd) {
        proxy.unbindOsd(osd, Map.of(AlbireoName.PROPERTY, osd.identity().longId()));
    }

    @Override
    public void close() throws Exception {
        proxies.forEach(ProxyObjectStore::close);
        proxy.close();
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        store.close();
    }
}
