package io.albireo.metadata.rocksdb.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
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
import io.albireo.api.Assert;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.metadata.MetadataOperation;
import io.albireo.api.metadata.MetadataStore;

/**
 * This node's metadata store, registered as the {@link MetadataStore} named {@code local}. Operations are tracked
 * dynamically (by {@link MetadataOperation#name()}, the highest ranking service winning), so operation bundles come and
 * go while the store runs; an execute of a name nobody provides fails with an error naming it.
 */
@Component(configurationPid = EmbeddedMetadata.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = {MetadataStore.class, LocalMetadata.class})
@Designate(ocd = EmbeddedMetadata.Config.class)
@AlbireoName("local")
public final class EmbeddedMetadata implements MetadataStore, LocalMetadata {
    static final String PID = "io.albireo.metadata.rocksdb";
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMetadata.class);

    /** The store's configuration. */
    @ObjectClassDefinition(name = "Albireo embedded metadata store", description = "RocksDB-backed metadata")
    public @interface Config {
        @AttributeDefinition(description = "The RocksDB directory; empty: ${karaf.data}/metadata")
        String path() default "";

        @AttributeDefinition(description = "The most commands one group commit takes")
        int maxBatch() default 1024;
    }

    /** Every bound operation service, highest ranking first (ServiceReference orders by ranking, then age). */
    private final Map<ServiceReference<MetadataOperation>, MetadataOperation> bound =
            new TreeMap<>((a, b) -> b.compareTo(a));
    /** By name, rebuilt on every bind and unbind: executes read it without locking. */
    private volatile Map<String, MetadataOperation> byName = Map.of();
    private final RocksMetadataStore store;

    /** DS constructor: opens the store. */
    @Activate
    public EmbeddedMetadata(Config config) {
        Path path = config.path().isBlank() ? defaultPath() : Path.of(config.path());
        store = RocksMetadataStore.open(path, new RocksMetadataStore.Settings(config.maxBatch()),
                name -> byName.get(name));
        LOG.info("metadata store opened at {}", path);
    }

    private static Path defaultPath() {
        String data = System.getProperty("karaf.data");
        if (data == null || data.isBlank()) {
            throw new IllegalStateException("the metadata store has no path: set 'path' in etc/" + PID
                    + ".cfg, or run it in Karaf, whose karaf.data system property names the default's parent");
        }
        return Path.of(data, "metadata");
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindOperation(ServiceReference<MetadataOperation> reference, MetadataOperation operation) {
        synchronized (bound) {
            bound.put(reference, operation);
            reindex();
        }
    }

    void unbindOperation(ServiceReference<MetadataOperation> reference) {
        synchronized (bound) {
            bound.remove(reference);
            reindex();
        }
    }

    private void reindex() {
        Map<String, MetadataOperation> index = new HashMap<>();
        for (MetadataOperation op : bound.values()) {
            index.putIfAbsent(op.name(), op);
        }
        byName = Map.copyOf(index);
    }

    @Deactivate
    void deactivate() {
        store.close();
        LOG.info("metadata store at {} closed", store.directory());
    }

    @Override
    public Optional<Bytes> get(Bytes key) {
        return store.get(key);
    }

    @Override
    public List<Optional<Bytes>> get(List<Bytes> keys) {
        return store.get(keys);
    }

    @Override
    public List<Entry> range(KeyRange range, int limit, boolean reverse) {
        return store.range(range, limit, reverse);
    }

    @Override
    public void apply(List<Assert> asserts, List<Update> updates) {
        store.apply(asserts, updates);
    }

    @Override
    public Bytes execute(String operation, Bytes argument) {
        return store.execute(operation, argument);
    }

    @Override
    public RocksMetadataStore.Status status() {
        return store.status();
    }

    @Override
    public List<String> operationNames() {
        List<String> names = new ArrayList<>(byName.keySet());
        names.sort(null);
        return names;
    }
}
