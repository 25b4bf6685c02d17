package io.albireo.abm.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.albireo.api.metadata.MetadataStore;
import io.albireo.api.metadata.NamespaceManager;
import io.albireo.api.osd.Osd;

/** The real ALBA manager for the proxy's tests, built as its own tests build it (its test constructor). */
public final class InProcessAbm {
    private static final Set<String> ALGORITHMS = Set.of("compressor:none", "compressor:lz4", "compressor:snappy",
            "compressor:zstd", "compressor:gzip", "compressor:bzip2", "cipher:none", "cipher:aes-256-gcm",
            "checksum:xxh64", "checksum:crc32c", "checksum:sha-256", "erasure-codec:rs");

    private InProcessAbm() {
    }

    /** @return an ABM that claims from {@code osds} (by long id) and checks deletes against {@code nsm} */
    public static AlbaManagerService open(MetadataStore store, Map<String, Osd> osds,
            java.util.function.Supplier<NamespaceManager> nsm) {
        return new AlbaManagerService(store, id -> Optional.ofNullable(osds.get(id))
                .map(o -> new AlbaManagerService.ReachableOsd(o, List.of("127.0.0.1"), 8600)),
                () -> Optional.of(ALGORITHMS), () -> Optional.ofNullable(nsm.get()));
    }
}
