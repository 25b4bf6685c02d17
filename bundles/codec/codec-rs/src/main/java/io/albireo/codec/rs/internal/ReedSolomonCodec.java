package io.albireo.codec.rs.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.codec.Erasure;
import io.albireo.api.codec.ErasureCode;
import io.albireo.api.codec.ErasureCodec;

/**
 * The "rs" erasure codec in pure Java: the one every node has. It uses the Vector API when the JVM runs with
 * {@code --add-modules jdk.incubator.vector} (the appliance does), and scalar kernels otherwise, saying so in the log.
 * Codes are built once per (k, m) and shared: they are immutable.
 */
@Component(service = ErasureCodec.class)
@AlbireoName(ReedSolomonCodec.NAME)
@Implementation(ReedSolomonCodec.IMPLEMENTATION)
public final class ReedSolomonCodec implements ErasureCodec {
    static final String NAME = "rs";
    static final String IMPLEMENTATION = "java";
    static final int MAX_K = 32;
    static final int MAX_M = 16;

    private static final Logger LOG = LoggerFactory.getLogger(ReedSolomonCodec.class);

    private final Kernels kernels;
    private final ConcurrentMap<Integer, ReedSolomon> codes = new ConcurrentHashMap<>();

    /** The DS constructor: the fastest kernels this JVM offers. */
    @Activate
    public ReedSolomonCodec() {
        this(fastestKernels());
        LOG.info("Erasure codec rs (java) uses {} kernels", kernels.description());
    }

    ReedSolomonCodec(Kernels kernels) {
        this.kernels = kernels;
    }

    static Kernels fastestKernels() {
        try {
            if (VectorKernels.usable()) {
                return new VectorKernels();
            }
            LOG.warn("Erasure codec rs (java): the Vector API offers vectors too narrow for table lookups;"
                    + " using scalar kernels, about ten times slower");
        } catch (LinkageError e) {
            LOG.warn("Erasure codec rs (java): jdk.incubator.vector is not available ({}); using scalar kernels,"
                    + " about ten times slower. Start the JVM with --add-modules jdk.incubator.vector.", e.toString());
        }
        return new ScalarKernels();
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
        return kernels.description();
    }

    @Override
    public ErasureCode code(int k, int m) {
        Erasure.checkShape(NAME, k, m, MAX_K, MAX_M);
        return codes.computeIfAbsent(k * 100 + m, key -> new ReedSolomon(k, m, kernels));
    }
}
