package io.albireo.volumedriver.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.StorageException;
import io.albireo.api.metadata.MetadataStore;
import io.albireo.api.object.ObjectStore;
import io.albireo.api.volume.VDisk;
import io.albireo.api.volume.VDiskInfo;
import io.albireo.api.volume.VPool;
import io.albireo.api.volume.VPoolConfig;
import io.albireo.api.volume.VolumeException;
import io.albireo.api.volume.VolumeService;
import io.albireo.framing.DaemonThreads;

/**
 * The volume driver of this appliance: vPools and vDisks in the registry of the metadata store, each vDisk's data in
 * a namespace of the object store, its write buffer and LBA map under this appliance's data directory. A vDisk is
 * opened once (a {@link Volume}) however many handles front ends hold; the last handle to close flushes it, seals its
 * SCO and waits for its uploads.
 */
@Component(configurationPid = VolumeDriverService.PID, service = VolumeService.class)
@Designate(ocd = VolumeDriverService.Config.class)
public final class VolumeDriverService implements VolumeService {
    static final String PID = "io.albireo.volumedriver";
    private static final Logger LOG = LoggerFactory.getLogger(VolumeDriverService.class);

    /** The volume driver's configuration. */
    @ObjectClassDefinition(name = "Albireo volume driver", description = "vPools and vDisks on this appliance")
    public @interface Config {
        @AttributeDefinition(description = "The directory of the vPools' write buffers and LBA maps (unless a vPool"
                + " names its own); empty: ${karaf.data}/volumes")
        String dataDirectory() default "";

        @AttributeDefinition(description = "This appliance's name, recorded as the owner of the vDisks it runs;"
                + " empty: the host name")
        String applianceName() default "";

        @AttributeDefinition(description = "Threads that serve reads (of the write buffer and the backend)")
        int readThreads() default 8;

        @AttributeDefinition(description = "A vPool to create with every default when it does not exist (the"
                + " embedded appliance's 'default'); empty: none")
        String provisionVPool() default "";

        @AttributeDefinition(description = "A vDisk to create in that vPool when it does not exist, so that a"
                + " newcomer has an NBD export at once; empty: none")
        String provisionVDisk() default "";

        @AttributeDefinition(description = "The provisioned vDisk's size in bytes")
        long provisionVDiskSize() default 1L << 30;
    }

    /** A vPool's local resources, opened on first use. */
    private static final class Pool {
        final VPoolConfig config;
        final LbaMap map;
        final WriteBuffer buffer;
        final ReadCache cache;

        Pool(VPoolConfig config, Path dir) {
            this.config = config;
            this.map = LbaMap.open(dir.resolve("map"), LbaMap.Settings.DEFAULT);
            this.buffer = new WriteBuffer(dir, config.writeBufferBytes());
            this.cache = new ReadCache(config.readCacheBytes());
        }
    }

    /** An open vDisk and its handles. */
    private static final class Opened {
        final Volume volume;
        int handles;

        Opened(Volume volume) {
            this.volume = volume;
        }
    }

    private final ObjectStore store;
    private final VolumeRegistry registry;
    private final Path dataDirectory;
    private final String appliance;
    private final ExecutorService readers;
    private final Map<String, Pool> pools = new HashMap<>();
    private final Map<String, Opened> opened = new HashMap<>();
    private Thread provisioner;

    /** For DS. */
    @Activate
    public VolumeDriverService(@Reference ObjectStore store, @Reference MetadataStore metadata, Config config) {
        this(store, metadata, config.dataDirectory().isEmpty()
                ? Path.of(System.getProperty("karaf.data", "data"), "volumes") : Path.of(config.dataDirectory()),
                config.applianceName().isEmpty() ? hostName() : config.applianceName(), config.readThreads());
        if (!config.provisionVPool().isEmpty()) {
            provisioner = DaemonThreads.named("albireo-vdisk-provision").newThread(() -> provision(
                    config.provisionVPool(), config.provisionVDisk(), config.provisionVDiskSize()));
            provisioner.start();
        }
    }

    /**
     * Creates the configured vPool and vDisk if they do not exist, retrying while the backend is not ready (its OSDs
     * not yet claimed, say) for up to ten minutes.
     */
    private void provision(String vPool, String vDisk, long size) {
        for (int attempt = 0; attempt < 300 && !Thread.currentThread().isInterrupted(); attempt++) {
            try {
                if (vPool(vPool).isEmpty()) {
                    createVPool(VPoolConfig.of(vPool));
                }
                if (!vDisk.isEmpty() && vDisk(vDisk).isEmpty()) {
                    createVDisk(vPool, vDisk, size);
                }
                return;
            } catch (RuntimeException e) {
                if (attempt == 0 || attempt % 30 == 29) {
                    LOG.info("provisioning vPool {} and vDisk {} waits for the backend: {}", vPool, vDisk,
                            e.getMessage());
                }
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
        LOG.warn("vPool {} and vDisk {} were not provisioned: the backend did not take them", vPool, vDisk);
    }

    VolumeDriverService(ObjectStore store, MetadataStore metadata, Path dataDirectory, String appliance,
            int readThreads) {
        this.store = store;
        this.registry = new VolumeRegistry(metadata);
        this.dataDirectory = dataDirectory;
        this.appliance = appliance;
        this.readers = Executors.newFixedThreadPool(readThreads, DaemonThreads.named("albireo-vdisk-read"));
    }

    @Deactivate
    void deactivate() {
        Thread p = provisioner;
        if (p != null) {
            p.interrupt();
            try {
                p.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeAll();
    }

    private synchronized void closeAll() {
        for (Map.Entry<String, Opened> e : opened.entrySet()) {
            try {
                e.getValue().volume.close();
                release(e.getKey());
            } catch (RuntimeException ex) {
                LOG.warn("vDisk {} did not close cleanly", e.getKey(), ex);
            }
        }
        opened.clear();
        pools.values().forEach(p -> p.map.close());
        pools.clear();
        readers.shutdownNow();
    }

    // ---- vPools ------------------------------------------------------------------------------------------------------

    @Override
    public synchronized VPool createVPool(VPoolConfig config) {
        registry.createPool(config);
        LOG.info("vPool {} created: SCOs of {} bytes, clusters of {}, write buffer {} bytes", config.name(),
                config.scoSize(), config.clusterSize(), config.writeBufferBytes());
        return new VPool(config, 0);
    }

    @Override
    public synchronized void deleteVPool(String name) {
        VPoolConfig config = registry.pool(name).orElseThrow(() -> new VolumeException("no vPool " + name)).config();
        registry.deletePool(name);
        Pool p = pools.remove(name);
        if (p != null) {
            p.map.close();
        }
        deleteTree(poolDirectory(config));
        LOG.info("vPool {} deleted", name);
    }

    @Override
    public List<VPool> listVPools() {
        return registry.pools().stream().map(p -> new VPool(p.config(), p.vDisks()))
                .sorted(Comparator.comparing(VPool::name)).toList();
    }

    @Override
    public Optional<VPool> vPool(String name) {
        return registry.pool(name).map(p -> new VPool(p.config(), p.vDisks()));
    }

    // ---- vDisks ------------------------------------------------------------------------------------------------------

    @Override
    public synchronized VDiskInfo createVDisk(String vPool, String name, long size) {
        VPoolConfig.requireName(name, "vDisk");
        VPoolConfig config = registry.pool(vPool).orElseThrow(() -> new VolumeException("no vPool " + vPool))
                .config();
        checkSize(name, size, config);
        VolumeRegistry.DiskRecord disk = registry.createDisk(vPool, name, size);
        try {
            store.createNamespace(config.namespaceOf(name), config.preset());
        } catch (RuntimeException e) {
            registry.deleteDisk(disk);
            throw new VolumeException("vDisk " + name + " was not created: its namespace "
                    + config.namespaceOf(name) + " could not be: " + e.getMessage(), e);
        }
        LOG.info("vDisk {} created in vPool {}: {} bytes, namespace {}", name, vPool, size,
                config.namespaceOf(name));
        return info(disk, config);
    }

    @Override
    public synchronized VDiskInfo resizeVDisk(String name, long size) {
        VolumeRegistry.DiskRecord disk = diskRecord(name);
        VPoolConfig config = poolConfig(disk);
        checkSize(name, size, config);
        if (size < disk.size()) {
            throw new VolumeException("vDisk " + name + " is " + disk.size() + " bytes: it can grow, not shrink to "
                    + size + " (that would lose the data past it)");
        }
        VolumeRegistry.DiskRecord grown = disk.withSize(size);
        registry.updateDisk(disk, grown);
        Opened o = opened.get(name);
        if (o != null) {
            o.volume.resize(size);
        }
        return info(grown, config);
    }

    @Override
    public synchronized void deleteVDisk(String name) {
        VolumeRegistry.DiskRecord disk = diskRecord(name);
        if (opened.containsKey(name)) {
            throw new VolumeException("vDisk " + name + " is open (" + opened.get(name).handles + " handle(s), an NBD "
                    + "export?); close it first");
        }
        VPoolConfig config = poolConfig(disk);
        registry.deleteDisk(disk);
        Pool p = pool(config);
        p.map.drop(disk.id());
        p.cache.drop(disk.id());
        deleteTree(poolDirectory(config).resolve(name));
        store.deleteNamespace(config.namespaceOf(name));
        LOG.info("vDisk {} deleted; its namespace {} is freed in the background", name, config.namespaceOf(name));
    }

    @Override
    public List<VDiskInfo> listVDisks() {
        Map<String, VPoolConfig> configs = new HashMap<>();
        registry.pools().forEach(p -> configs.put(p.config().name(), p.config()));
        return registry.disks().stream().map(d -> info(d, configs.get(d.vPool())))
                .sorted(Comparator.comparing(VDiskInfo::name)).toList();
    }

    @Override
    public Optional<VDiskInfo> vDisk(String name) {
        return registry.disk(name).map(d -> info(d, poolConfig(d)));
    }

    @Override
    public synchronized VDisk open(String name) {
        Opened o = opened.get(name);
        if (o == null) {
            VolumeRegistry.DiskRecord disk = diskRecord(name);
            if (!disk.owner().isEmpty() && !disk.owner().equals(appliance)) {
                throw new VolumeException("vDisk " + name + " is owned by appliance " + disk.owner() + "; open it "
                        + "there, or move it (not built yet)");
            }
            if (!disk.owner().equals(appliance)) {
                VolumeRegistry.DiskRecord owned = disk.withOwner(appliance);
                registry.updateDisk(disk, owned);
                disk = owned;
            }
            VPoolConfig config = poolConfig(disk);
            Pool p = pool(config);
            Volume v = Volume.open(new Volume.Layout(name, disk.id(), config.namespaceOf(name), config.clusterSize(),
                    config.scoSize(), appliance), disk.size(), store, p.map, p.buffer, p.cache, readers);
            o = new Opened(v);
            opened.put(name, o);
        }
        o.handles++;
        return new Handle(name, o.volume);
    }

    private synchronized void closeHandle(String name, Volume v) {
        Opened o = opened.get(name);
        if (o == null || o.volume != v) {
            return;
        }
        if (--o.handles == 0) {
            opened.remove(name);
            v.close();
            release(name);
        }
    }

    /** The vDisk is not open here any more: another appliance may take it. */
    private void release(String name) {
        registry.disk(name).filter(d -> d.owner().equals(appliance)).ifPresent(d -> {
            try {
                registry.updateDisk(d, d.withOwner(""));
            } catch (StorageException e) {
                LOG.warn("vDisk {}: its owner was not cleared: {}", name, e.getMessage());
            }
        });
    }

    /** A front end's handle on an open vDisk. */
    private final class Handle implements VDisk {
        private final String name;
        private final Volume volume;
        private final AtomicBoolean closed = new AtomicBoolean();

        Handle(String name, Volume volume) {
            this.name = name;
            this.volume = volume;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long size() {
            return volume.size();
        }

        @Override
        public int clusterSize() {
            return volume.layout().clusterSize();
        }

        @Override
        public CompletableFuture<ByteBuffer> read(long offset, int length) {
            return closed.get() ? closedFuture() : volume.read(offset, length);
        }

        @Override
        public CompletableFuture<Void> write(long offset, ByteBuffer data, boolean fua) {
            return closed.get() ? closedFuture() : volume.write(offset, data, fua);
        }

        @Override
        public CompletableFuture<Void> flush() {
            return closed.get() ? closedFuture() : volume.flush();
        }

        @Override
        public CompletableFuture<Void> trim(long offset, long length) {
            return closed.get() ? closedFuture() : volume.trim(offset, length, false);
        }

        @Override
        public CompletableFuture<Void> writeZeroes(long offset, long length, boolean fua) {
            return closed.get() ? closedFuture() : volume.trim(offset, length, fua);
        }

        @Override
        public CompletableFuture<List<Extent>> allocation(long offset, long length) {
            if (closed.get()) {
                return closedFuture();
            }
            try {
                return CompletableFuture.completedFuture(volume.allocation(offset, length));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                closeHandle(name, volume);
            }
        }

        private <T> CompletableFuture<T> closedFuture() {
            return CompletableFuture.failedFuture(new VolumeException("this handle of vDisk " + name + " is closed"));
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------------

    private VDiskInfo info(VolumeRegistry.DiskRecord d, VPoolConfig config) {
        Opened o;
        synchronized (this) {
            o = opened.get(d.name());
        }
        return new VDiskInfo(d.name(), d.vPool(), config == null ? "" : config.namespaceOf(d.name()), d.size(),
                config == null ? 0 : config.clusterSize(), d.owner(), o != null,
                o == null ? 0 : o.volume.writeBufferBytes(), o == null ? 0 : o.volume.backendBytes(),
                o == null ? 0 : o.volume.scos());
    }

    private VolumeRegistry.DiskRecord diskRecord(String name) {
        return registry.disk(name).orElseThrow(() -> new VolumeException("no vDisk " + name));
    }

    private VPoolConfig poolConfig(VolumeRegistry.DiskRecord disk) {
        return registry.pool(disk.vPool()).orElseThrow(() -> new VolumeException("vDisk " + disk.name()
                + " names vPool " + disk.vPool() + ", which does not exist")).config();
    }

    private Pool pool(VPoolConfig config) {
        return pools.computeIfAbsent(config.name(), n -> new Pool(config, poolDirectory(config)));
    }

    private Path poolDirectory(VPoolConfig config) {
        return config.writeBufferDirectory() == null ? dataDirectory.resolve(config.name())
                : Path.of(config.writeBufferDirectory());
    }

    private static void checkSize(String name, long size, VPoolConfig config) {
        if (size <= 0 || size % config.clusterSize() != 0) {
            throw new VolumeException("vDisk " + name + ": the size must be a positive multiple of the vPool's cluster"
                    + " size (" + config.clusterSize() + " bytes), not " + size);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove {} entirely", root, e);
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
