package io.albireo.codec.rs.isal.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.codec.Erasure;
import io.albireo.api.codec.ErasureCode;
import io.albireo.api.codec.ErasureCodec;

/**
 * The "rs" erasure codec through Intel ISA-L. Disabled until {@link IsalLoader} has bound libisal: where the library is
 * missing this component never starts, and the pure-Java codec serves alone. Its service ranking puts it ahead of the
 * Java codec, so installing this bundle switches every new operation to ISA-L, and removing it switches them back,
 * with no restart: both produce the same bytes.
 */
@Component(service = ErasureCodec.class, enabled = false, property = Constants.SERVICE_RANKING + ":Integer=10")
@AlbireoName(IsalReedSolomonCodec.NAME)
@Implementation(IsalReedSolomonCodec.IMPLEMENTATION)
public final class IsalReedSolomonCodec implements ErasureCodec {
    static final String NAME = "rs";
    static final String IMPLEMENTATION = "isal";
    static final int MAX_K = 32;
    static final int MAX_M = 16;

    private final ConcurrentMap<Integer, ErasureCode> codes = new ConcurrentHashMap<>();

    /**
     * Binds libisal if {@link IsalLoader} has not (outside OSGi: tests, benchmarks).
     *
     * @throws UnsatisfiedLinkError if libisal is not installed
     */
    public IsalReedSolomonCodec() {
        Isal.load();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String implementation() {
        return IMPLEMENTATION;
    }

    @Override
    public String details() {
        return "Intel ISA-L " + Isal.version(Isal.load());
    }

    @Override
    public ErasureCode code(int k, int m) {
        Erasure.checkShape(NAME, k, m, MAX_K, MAX_M);
        return codes.computeIfAbsent(k * 100 + m, key -> new IsalReedSolomon(k, m));
    }
}
