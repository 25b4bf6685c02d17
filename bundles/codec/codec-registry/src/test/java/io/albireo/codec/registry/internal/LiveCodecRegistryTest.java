package io.albireo.codec.registry.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.codec.AlgorithmUnavailableException;
import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.CodecRegistry.AlgorithmInfo;
import io.albireo.api.codec.Digest;

class LiveCodecRegistryTest {
    private final AtomicLong serviceIds = new AtomicLong();
    private final LiveCodecRegistry registry = new LiveCodecRegistry();

    @Test
    void resolvesABoundServiceAndForgetsItWhenUnbound() {
        Checksum crc = checksum("crc32c");
        ServiceReference<Checksum> ref = reference("crc32c", "java", 0, "io.albireo.checksum.crc32c");
        registry.bindChecksum(ref, crc);
        assertSame(crc, registry.checksum("crc32c"));

        registry.unbindChecksum(ref);
        AlgorithmUnavailableException e = assertThrows(AlgorithmUnavailableException.class,
                () -> registry.checksum("crc32c"));
        assertEquals("checksum 'crc32c' is not available: bundle io.albireo.checksum.crc32c is not active."
                + " Install it with 'feature:install albireo-checksum-crc32c'", e.getMessage());
        assertEquals("io.albireo.checksum.crc32c", e.bundle());
        assertEquals("albireo-checksum-crc32c", e.feature());
    }

    @Test
    void aMissingCompressorNamesItsBundleAndFeature() {
        for (String name : new String[] {"none", "lz4", "snappy", "zstd", "bzip2", "gzip"}) {
            AlgorithmUnavailableException e = assertThrows(AlgorithmUnavailableException.class,
                    () -> registry.compressor(name));
            assertEquals("io.albireo.compressor." + name, e.bundle());
            assertEquals("albireo-compressor-" + name, e.feature());
            assertTrue(e.getMessage().startsWith("compressor '" + name + "' is not available"), e.getMessage());
        }
    }

    @Test
    void anUnknownAlgorithmIsNamedAsUnknown() {
        AlgorithmUnavailableException e = assertThrows(AlgorithmUnavailableException.class,
                () -> registry.compressor("brotli"));
        assertEquals("compressor 'brotli' is unknown: no Albireo feature provides it", e.getMessage());
        assertNull(e.feature());
    }

    @Test
    void prefersTheHighestRankingThenTheOldestService() {
        Checksum slow = checksum("x");
        Checksum fast = checksum("x");
        Checksum alsoFast = checksum("x");
        registry.bindChecksum(reference("x", "java", 0, "b.java"), slow);
        ServiceReference<Checksum> fastRef = reference("x", "native", 10, "b.native");
        registry.bindChecksum(fastRef, fast);
        registry.bindChecksum(reference("x", "native2", 10, "b.native2"), alsoFast);
        assertSame(fast, registry.checksum("x"));

        registry.unbindChecksum(fastRef);
        assertSame(alsoFast, registry.checksum("x"));
    }

    @Test
    void resolvesAChosenImplementationAndNamesItWhenMissing() {
        Family<Checksum> family = new Family<>("checksum", new Catalog(), c -> "-");
        Checksum java = checksum("crc32c");
        family.add(reference("crc32c", "java", 0, "io.albireo.checksum.crc32c"), java);
        assertSame(java, family.resolve("crc32c", "java"));
        AlgorithmUnavailableException e = assertThrows(AlgorithmUnavailableException.class,
                () -> family.resolve("crc32c", "isal"));
        assertTrue(e.getMessage().startsWith("checksum 'crc32c (implementation isal)' is unknown"), e.getMessage());
    }

    @Test
    void listsKnownAlgorithmsAsInactiveUntilTheirServiceArrives() {
        AlgorithmInfo crc = registry.algorithms().stream().filter(i -> i.name().equals("crc32c")).findFirst()
                .orElseThrow();
        assertFalse(crc.active());
        assertEquals("io.albireo.checksum.crc32c", crc.bundle());

        registry.bindChecksum(reference("crc32c", "java", 0, "io.albireo.checksum.crc32c"), checksum("crc32c"));
        AlgorithmInfo active = registry.algorithms().stream().filter(i -> i.name().equals("crc32c")).findFirst()
                .orElseThrow();
        assertTrue(active.active());
        assertEquals(1, registry.algorithms().stream().filter(i -> i.name().equals("crc32c")).count());
    }

    @Test
    void namesTheBundleAndFeatureOfEveryShippedCipherAndChecksum() {
        assertEquals("cipher 'aes-256-gcm' is not available: bundle io.albireo.cipher.aesgcm is not active."
                + " Install it with 'feature:install albireo-cipher-aesgcm'",
                assertThrows(AlgorithmUnavailableException.class, () -> registry.cipher("aes-256-gcm")).getMessage());
        assertEquals("albireo-cipher-none",
                assertThrows(AlgorithmUnavailableException.class, () -> registry.cipher("none")).feature());
        assertEquals("io.albireo.checksum.sha256",
                assertThrows(AlgorithmUnavailableException.class, () -> registry.checksum("sha-256")).bundle());
        assertEquals("albireo-checksum-xxh64",
                assertThrows(AlgorithmUnavailableException.class, () -> registry.checksum("xxh64")).feature());
        assertEquals(List.of("crc32c", "sha-256", "xxh64"), registry.algorithms().stream()
                .filter(i -> i.family().equals(Catalog.CHECKSUM)).map(AlgorithmInfo::name).sorted().toList());
        assertEquals(List.of("aes-256-gcm", "none"), registry.algorithms().stream()
                .filter(i -> i.family().equals(Catalog.CIPHER)).map(AlgorithmInfo::name).sorted().toList());
    }

    private static Checksum checksum(String name) {
        return new Checksum() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int length() {
                return 1;
            }

            @Override
            public Digest compute(ByteBuffer data) {
                return Digest.of(name, new byte[] {(byte) data.remaining()});
            }

            @Override
            public Hasher hasher() {
                throw new UnsupportedOperationException("the registry never hashes");
            }
        };
    }

    /** A service reference as the framework would hand one to DS: only the properties and the bundle matter here. */
    @SuppressWarnings("unchecked")
    private ServiceReference<Checksum> reference(String name, String implementation, int ranking, String bsn) {
        Bundle bundle = (Bundle) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> method.getName().equals("getSymbolicName") ? bsn : null);
        Map<String, Object> properties = Map.of(AlbireoName.PROPERTY, name, Implementation.PROPERTY, implementation,
                Constants.SERVICE_RANKING, ranking, Constants.SERVICE_ID, serviceIds.incrementAndGet());
        return (ServiceReference<Checksum>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServiceReference.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getProperty" -> properties.get((String) args[0]);
                    case "getBundle" -> bundle;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
    }
}
