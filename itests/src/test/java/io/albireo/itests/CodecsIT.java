package io.albireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;

import io.albireo.api.IntegrityException;
import io.albireo.api.codec.AlgorithmUnavailableException;
import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.Cipher;
import io.albireo.api.codec.CipherKey;
import io.albireo.api.codec.CodecRegistry;
import io.albireo.api.codec.Compressor;

/**
 * Every compressor, cipher and checksum works inside OSGi, native libraries included (a tampered aes-256-gcm form is
 * refused there too), and one of them (zstd, whose library carries native code) can be uninstalled and reinstalled
 * under the running registry: meanwhile resolving it fails with the named error, afterwards it round-trips again.
 */
public class CodecsIT extends ApplianceTestSupport {
    private static final String ZSTD_BUNDLE = "io.albireo.compressor.zstd";

    @Inject
    CodecRegistry registry;

    @Configuration
    public Option[] configuration() {
        return Appliance.boot();
    }

    @Test
    public void everyShippedAlgorithmIsActiveAndRoundTripsInsideOsgi() throws Exception {
        ByteBuffer text = text(200_000);
        for (CodecRegistry.AlgorithmInfo a : registry.algorithms()) {
            if (a.implementation().equals("isal")) {
                continue; // ErasureCodecsIT covers it, with or without libisal
            }
            assertTrue(a.family() + " " + a.name() + " (" + a.implementation() + ") is active", a.active());
        }
        for (String name : new String[] {"none", "lz4", "snappy", "zstd", "bzip2", "gzip"}) {
            Compressor compressor = registry.compressor(name);
            ByteBuffer stored = compressor.compress(text);
            assertEquals(name + " round-trips", text, compressor.decompress(stored));
            if (!name.equals("none")) {
                assertTrue(name + " compresses text: " + stored.remaining(), stored.remaining() < text.remaining() / 2);
            }
        }
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        CipherKey key = new CipherKey("itest", secret);
        Cipher aes = registry.cipher("aes-256-gcm");
        ByteBuffer sealed = aes.encrypt(key, text, 16384);
        assertEquals(text, aes.decrypt(key, sealed));
        sealed.put(sealed.limit() / 2, (byte) (sealed.get(sealed.limit() / 2) ^ 1));
        assertThrows(IntegrityException.class, () -> aes.decrypt(key, sealed));
        assertEquals(text, registry.cipher("none").decrypt(key, registry.cipher("none").encrypt(key, text, 4096)));
        for (String name : new String[] {"crc32c", "sha-256", "xxh64"}) {
            Checksum checksum = registry.checksum(name);
            checksum.verify(text, checksum.compute(text));
            // An object's checksum is made in pieces (a put's chunks): the same digest.
            Checksum.Hasher hasher = checksum.hasher();
            hasher.update(text.duplicate().limit(text.limit() / 3));
            hasher.update(text.duplicate().position(text.limit() / 3));
            assertEquals(checksum.compute(text), hasher.digest());
        }
    }

    @Test
    public void zstdLeavesAndComesBackUnderTheRunningRegistry() throws Exception {
        ByteBuffer text = text(100_000);
        assertEquals(text, registry.compressor("zstd").decompress(registry.compressor("zstd").compress(text)));

        Bundle zstd = Appliance.bundle(context, ZSTD_BUNDLE);
        String location = zstd.getLocation();
        zstd.uninstall();
        AlgorithmUnavailableException missing = assertThrows(AlgorithmUnavailableException.class,
                () -> registry.compressor("zstd"));
        assertEquals("compressor 'zstd' is not available: bundle io.albireo.compressor.zstd is not active."
                + " Install it with 'feature:install albireo-compressor-zstd'", missing.getMessage());

        context.installBundle(location).start();
        Appliance.await("zstd resolves again", () -> registry.algorithms().stream()
                .anyMatch(a -> a.name().equals("zstd") && a.active()));
        Compressor back = registry.compressor("zstd");
        assertEquals(text, back.decompress(back.compress(text, 9)));
    }

    private static ByteBuffer text(int size) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; s.length() < size; i++) {
            s.append("fragment ").append(i % 97).append(" of object ").append(i % 13).append(" in namespace vol-")
                    .append(i % 5).append('\n');
        }
        return ByteBuffer.wrap(s.substring(0, size).getBytes(StandardCharsets.US_ASCII));
    }
}
