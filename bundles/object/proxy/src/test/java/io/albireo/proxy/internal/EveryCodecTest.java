package io.albireo.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.Digest;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;

/**
 * Every codec combination through the proxy on the real stack (RocksDB metadata, six ASD stores): each compressor,
 * cipher and fragment checksum, with the Java and (where libisal is installed) ISA-L Reed-Solomon, round-trips objects
 * of 0, 1, 4095, k x fragment - 1, k x fragment and k x fragment + 1 bytes and reads random ranges of them; and a
 * 200 MiB object, half compressible, per compressor and cipher, with the default preset's 4 MiB fragments.
 */
class EveryCodecTest {
    private static final int FRAGMENT = 64 * 1024;
    private static final int K = 4;
    private static final long BIG = 200L << 20;

    @TempDir
    static Path dir;
    private static final DirectCodecs CODECS = new DirectCodecs();
    private static Backend plain;
    private static Backend isal;
    private static int presets;

    @BeforeAll
    static void open() {
        plain = new Backend(dir.resolve("java"), 6, 0);
        isal = DirectCodecs.withIsal().map(c -> new Backend(dir.resolve("isal"), 6, 0, c)).orElse(null);
    }

    @AfterAll
    static void close() throws Exception {
        plain.close();
        if (isal != null) {
            isal.close();
        }
    }

    static Stream<Arguments> combinations() {
        List<Arguments> all = new ArrayList<>();
        for (String compressor : DirectCodecs.COMPRESSORS) {
            for (String cipher : DirectCodecs.CIPHERS) {
                for (String checksum : DirectCodecs.CHECKSUMS) {
                    all.add(Arguments.of(compressor, cipher, checksum, "java"));
                    if (DirectCodecs.withIsal().isPresent()) {
                        all.add(Arguments.of(compressor, cipher, checksum, "isal"));
                    }
                }
            }
        }
        return all.stream();
    }

    static Stream<Arguments> pipelines() {
        List<Arguments> all = new ArrayList<>();
        int i = 0;
        for (String compressor : DirectCodecs.COMPRESSORS) {
            for (String cipher : DirectCodecs.CIPHERS) {
                all.add(Arguments.of(compressor, cipher, DirectCodecs.CHECKSUMS.get(i++ % 3)));
            }
        }
        return all.stream();
    }

    /** The object checksum that goes with a fragment checksum here: another one, so every pair is tried. */
    private static String objectChecksum(String fragmentChecksum) {
        List<String> all = DirectCodecs.CHECKSUMS;
        return all.get((all.indexOf(fragmentChecksum) + 1) % all.size());
    }

    private static synchronized String namespace(Backend b, String compressor, String cipher, String checksum,
            int fragment) {
        String name = "p" + presets++;
        b.abm.createPreset(new Preset(name, List.of(new Policy(K, 2, 5, 6)), fragment, compressor, cipher, checksum,
                "rs", objectChecksum(checksum)));
        b.proxy.createNamespace(name, name);
        return name;
    }

    @ParameterizedTest(name = "{0} {1} {2} rs/{3}")
    @MethodSource("combinations")
    void roundTripsAndRangesOfEverySize(String compressor, String cipher, String checksum, String rs) {
        Backend b = rs.equals("java") ? plain : isal;
        String ns = namespace(b, compressor, cipher, checksum, FRAGMENT);
        SplittableRandom r = new SplittableRandom(ns.hashCode());
        for (int size : new int[] {0, 1, 4095, K * FRAGMENT - 1, K * FRAGMENT, K * FRAGMENT + 1}) {
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++) {
                data[i] = Mixed.at(i + 17L * size);
            }
            String name = "o" + size;
            b.proxy.put(ns, name, ByteBuffer.wrap(data), Overwrite.NONE);
            assertArrayEquals(data, array(b.proxy.get(ns, name).orElseThrow()), name);
            Manifest m = b.proxy.manifest(ns, name).orElseThrow();
            assertEquals(compressor, m.compressor());
            assertEquals(cipher, m.cipher());
            assertEquals(checksum, m.fragmentChecksum());
            assertEquals(CODECS.checksum(objectChecksum(checksum)).compute(ByteBuffer.wrap(data)), m.checksum());
            for (int i = 0; i < 10 && size > 0; i++) {
                int length = r.nextInt(Math.min(size, 20_000)) + 1;
                int offset = r.nextInt(size - length + 1);
                assertArrayEquals(java.util.Arrays.copyOfRange(data, offset, offset + length),
                        array(b.proxy.read(List.of(new ObjectRange(ns, name, offset, length))).get(0)),
                        name + " [" + offset + "+" + length + ")");
            }
        }
    }

    /** 200 MiB from a stream, in 13 chunks of 16 MiB: put, whole get, ranges across chunk boundaries. */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("pipelines")
    void twoHundredMebibytes(String compressor, String cipher, String checksum) throws Exception {
        Backend b = isal != null && compressor.hashCode() % 2 == 0 ? isal : plain;
        String ns = namespace(b, compressor, cipher, checksum, 4 << 20);
        ObjectInfo info = b.proxy.put(ns, "big", Mixed.stream(BIG), Overwrite.NONE);
        assertEquals(BIG, info.size());
        assertEquals(digest(objectChecksum(checksum), Mixed.stream(BIG)), info.checksum());
        assertEquals(13, b.proxy.manifest(ns, "big").orElseThrow().chunks().size());
        ByteBuffer whole = b.proxy.get(ns, "big").orElseThrow();
        assertEquals(BIG, whole.remaining());
        for (long i = 0; i < BIG; i++) {
            if (whole.get((int) i) != Mixed.at(i)) {
                throw new AssertionError("the object differs at byte " + i);
            }
        }
        SplittableRandom r = new SplittableRandom(7);
        List<ObjectRange> ranges = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            int length = r.nextInt(1, 100_000);
            ranges.add(new ObjectRange(ns, "big", r.nextLong(BIG - length), length));
        }
        ranges.add(new ObjectRange(ns, "big", (16L << 20) - 5, 10)); // across the first chunk boundary
        ranges.add(new ObjectRange(ns, "big", BIG - 1, 1));
        List<ByteBuffer> got = b.proxy.read(ranges);
        for (int i = 0; i < ranges.size(); i++) {
            ObjectRange range = ranges.get(i);
            for (int j = 0; j < range.length(); j++) {
                if (got.get(i).get(j) != Mixed.at(range.offset() + j)) {
                    throw new AssertionError("range " + range + " differs at " + j);
                }
            }
        }
        assertTrue(b.proxy.delete(ns, "big"));
        assertEquals(Optional.empty(), b.proxy.get(ns, "big"));
    }

    /** The digest of a stream in pieces of 64 KiB, where the put's hasher saw chunks of 16 MiB. */
    private static Digest digest(String algorithm, InputStream in) throws Exception {
        Checksum.Hasher h = CODECS.checksum(algorithm).hasher();
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0;) {
            h.update(ByteBuffer.wrap(buf, 0, n));
        }
        return h.digest();
    }

    private static byte[] array(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    /** Bytes alternately 4 KiB that compress well (text-like runs) and 4 KiB that do not (noise). */
    static final class Mixed {
        private Mixed() {
        }

        static byte at(long i) {
            if ((i >>> 12) % 2 == 1) {
                return (byte) ("the quick brown fox jumps over the lazy dog ".charAt((int) (i % 44)) + (i >>> 16) % 3);
            }
            return ProxyObjectStoreTest.Generated.at(i);
        }

        static InputStream stream(long size) {
            return new ProxyObjectStoreTest.Generated(size, Mixed::at);
        }
    }
}
