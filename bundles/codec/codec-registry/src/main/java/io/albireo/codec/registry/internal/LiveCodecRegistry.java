package io.albireo.codec.registry.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.Cipher;
import io.albireo.api.codec.CodecRegistry;
import io.albireo.api.codec.Compressor;
import io.albireo.api.codec.ErasureCodec;

/**
 * The codec registry. Its references are dynamic and greedy, so a codec bundle installed, updated or removed while the
 * appliance runs is bound or unbound in place: the registry itself never restarts, and its consumers never see it go.
 */
@Component(service = CodecRegistry.class)
public final class LiveCodecRegistry implements CodecRegistry {
    private final Catalog catalog = new Catalog();
    private final Family<Checksum> checksums = new Family<>(Catalog.CHECKSUM, catalog,
            c -> c.length() * 8 + "-bit digest");
    private final Family<Compressor> compressors = new Family<>(Catalog.COMPRESSOR, catalog,
            c -> c.levels().min() == c.levels().max() ? "no levels"
                    : "levels " + c.levels().min() + " to " + c.levels().max() + ", default "
                            + c.levels().defaultLevel());
    private final Family<Cipher> ciphers = new Family<>(Catalog.CIPHER, catalog,
            c -> c.keyLength() == 0 ? "no key" : c.keyLength() * 8 + "-bit key");
    private final Family<ErasureCodec> erasureCodecs = new Family<>(Catalog.ERASURE_CODEC, catalog,
            ErasureCodec::details);

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindChecksum(ServiceReference<Checksum> reference, Checksum service) {
        checksums.add(reference, service);
    }

    void unbindChecksum(ServiceReference<Checksum> reference) {
        checksums.remove(reference);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindCompressor(ServiceReference<Compressor> reference, Compressor service) {
        compressors.add(reference, service);
    }

    void unbindCompressor(ServiceReference<Compressor> reference) {
        compressors.remove(reference);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindCipher(ServiceReference<Cipher> reference, Cipher service) {
        ciphers.add(reference, service);
    }

    void unbindCipher(ServiceReference<Cipher> reference) {
        ciphers.remove(reference);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindErasureCodec(ServiceReference<ErasureCodec> reference, ErasureCodec service) {
        erasureCodecs.add(reference, service);
    }

    void unbindErasureCodec(ServiceReference<ErasureCodec> reference) {
        erasureCodecs.remove(reference);
    }

    @Override
    public Checksum checksum(String name) {
        return checksums.resolve(name);
    }

    @Override
    public Compressor compressor(String name) {
        return compressors.resolve(name);
    }

    @Override
    public Cipher cipher(String name) {
        return ciphers.resolve(name);
    }

    @Override
    public ErasureCodec erasureCodec(String name) {
        return erasureCodecs.resolve(name);
    }

    @Override
    public ErasureCodec erasureCodec(String name, String implementation) {
        return erasureCodecs.resolve(name, implementation);
    }

    @Override
    public List<AlgorithmInfo> algorithms() {
        List<AlgorithmInfo> infos = new ArrayList<>();
        infos.addAll(infos(checksums));
        infos.addAll(infos(compressors));
        infos.addAll(infos(ciphers));
        infos.addAll(infos(erasureCodecs));
        for (Catalog.Known k : catalog.all()) {
            boolean active = infos.stream().anyMatch(i -> i.family().equals(k.family()) && i.name().equals(k.name())
                    && i.implementation().equals(k.implementation()));
            if (!active) {
                infos.add(new AlgorithmInfo(k.family(), k.name(), k.implementation(), "-", k.bundle(), k.feature(),
                        false));
            }
        }
        infos.sort(Comparator.comparing(AlgorithmInfo::family).thenComparing(AlgorithmInfo::name)
                .thenComparing(AlgorithmInfo::implementation));
        return infos;
    }

    private <T> List<AlgorithmInfo> infos(Family<T> family) {
        List<AlgorithmInfo> infos = new ArrayList<>();
        for (Family.Provider<T> p : family.providers()) {
            infos.add(new AlgorithmInfo(family.family(), p.name(), p.implementation(), family.describe(p.service()),
                    p.bundle(), catalog.find(family.family(), p.name(), p.implementation())
                            .map(Catalog.Known::feature).orElse(null),
                    true));
        }
        return infos;
    }
}
