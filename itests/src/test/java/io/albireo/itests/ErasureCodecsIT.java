package io.albireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;

import java.nio.ByteBuffer;
import java.util.Random;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;

import io.albireo.api.codec.CodecRegistry;
import io.albireo.api.codec.ErasureCodec;

/**
 * The accelerated erasure codec in the real appliance: preferred where libisal is installed, and swapped out and back
 * while the appliance runs, the pure-Java codec taking over with the very same bytes.
 */
public class ErasureCodecsIT extends ApplianceTestSupport {
    private static final String ISAL_BUNDLE = "io.albireo.codec.rs.isal";

    @Inject
    CodecRegistry registry;

    @Configuration
    public Option[] configuration() {
        return Appliance.boot();
    }

    @Test
    public void bothCodecsRunInsideOsgiWithTheirFastPaths() throws Exception {
        String list = console("codec:list erasure-codec");
        assertTrue(list, list.matches("(?s).*rs\\s+\\|\\s+java\\s+\\|\\s+\\w+\\s+\\|\\s+Vector API, \\d+-bit.*"));
        String bench = console("codec:bench rs --impl java --k 4 --m 2 --size 65536 --seconds 0.2");
        assertTrue(bench, bench.contains("encode") && bench.contains("decode, 2 lost"));
    }

    @Test
    public void isalIsPreferredAndSwapsOutAndBackWhileTheApplianceRuns() throws Exception {
        requireIsal();
        long registryService = (Long) context.getServiceReference(CodecRegistry.class).getProperty(Constants.SERVICE_ID);
        ByteBuffer[] data = data(6, 100_000);
        ByteBuffer[] isalParity = encode(registry.erasureCodec("rs"), data);
        assertTrue(console("codec:list erasure-codec")
                .matches("(?s).*rs\\s+\\|\\s+isal\\s+\\|\\s+preferred.*"));

        Bundle isal = Appliance.bundle(context, ISAL_BUNDLE);
        isal.stop();
        ErasureCodec java = registry.erasureCodec("rs");
        assertEquals("java", java.implementation());
        ByteBuffer[] javaParity = encode(java, data);
        for (int r = 0; r < 3; r++) {
            assertEquals("parity " + r + " is the same whichever codec made it", isalParity[r], javaParity[r]);
        }
        String list = console("codec:list erasure-codec");
        assertTrue(list, list.matches("(?s).*rs\\s+\\|\\s+isal\\s+\\|\\s+inactive.*"));

        isal.start();
        Appliance.await("the isal codec is back", () -> registry.erasureCodec("rs").implementation().equals("isal"));
        assertEquals("the registry was not restarted", registryService,
                (long) (Long) context.getServiceReference(CodecRegistry.class).getProperty(Constants.SERVICE_ID));
    }

    @Test
    public void codecBenchMeasuresEitherImplementation() throws Exception {
        requireIsal();
        String out = console("codec:bench rs --impl isal --size 65536 --seconds 0.2");
        assertTrue(out, out.startsWith("rs (isal: Intel ISA-L "));
        out = console("codec:bench --impl java --size 65536 --seconds 0.2 rs");
        assertTrue(out, out.startsWith("rs (java: Vector API"));
    }

    private void requireIsal() {
        boolean present = registry.algorithms().stream()
                .anyMatch(a -> a.name().equals("rs") && a.implementation().equals("isal") && a.active());
        if (!present && Boolean.getBoolean(Appliance.REQUIRE_ISAL)) {
            fail("libisal is required here but the isal codec is not active: see the log of " + ISAL_BUNDLE);
        }
        assumeTrue("libisal is not installed", present);
    }

    private static ByteBuffer[] data(int k, int size) {
        Random random = new Random(3);
        ByteBuffer[] data = new ByteBuffer[k];
        byte[] bytes = new byte[size];
        for (int i = 0; i < k; i++) {
            random.nextBytes(bytes);
            data[i] = ByteBuffer.allocateDirect(size).put(bytes).flip();
        }
        return data;
    }

    private static ByteBuffer[] encode(ErasureCodec codec, ByteBuffer[] data) {
        ByteBuffer[] parity = new ByteBuffer[3];
        for (int r = 0; r < 3; r++) {
            parity[r] = ByteBuffer.allocateDirect(data[0].remaining());
        }
        codec.code(data.length, 3).encode(data, parity);
        return parity;
    }
}
