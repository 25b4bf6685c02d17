package io.albireo.volumedriver.internal;

import java.nio.file.Path;

import io.albireo.api.volume.VolumeService;
import io.albireo.proxy.internal.Backend;

/**
 * The volume driver over the real stack in one process (the proxy's {@link Backend}: embedded metadata, ABM, NSM, six
 * ASD stores, real codecs), for the tests of the front ends.
 */
public final class VolumeStack implements AutoCloseable {
    /** The backend underneath. */
    public final Backend backend;
    private final VolumeDriverService driver;

    /** @param dir where the backend and the write buffers live */
    public VolumeStack(Path dir) {
        this(new Backend(dir.resolve("backend"), 6, 0), dir);
    }

    /**
     * For benchmarks: the ASD stores served on thread pools as the ASD server serves them, the fragment cache of the
     * proxy's default, ISA-L's erasure code where it loads.
     */
    public static VolumeStack served(Path dir) {
        io.albireo.proxy.internal.DirectCodecs codecs = io.albireo.proxy.internal.DirectCodecs.withIsal()
                .orElseGet(io.albireo.proxy.internal.DirectCodecs::new);
        return new VolumeStack(Backend.served(dir.resolve("backend"), 6, 1L << 30, codecs), dir);
    }

    private VolumeStack(Backend backend, Path dir) {
        this.backend = backend;
        driver = new VolumeDriverService(backend.proxy, backend.metadata(), dir.resolve("volumes"), "appliance-1", 8);
    }

    /** @return the volume driver */
    public VolumeService volumes() {
        return driver;
    }

    @Override
    public void close() throws Exception {
        driver.deactivate();
        backend.close();
    }
}
