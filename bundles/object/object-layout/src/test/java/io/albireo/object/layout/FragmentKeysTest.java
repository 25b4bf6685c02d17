package io.albireo.object.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.albireo.api.Bytes;
import io.albireo.api.codec.Digest;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Policy;
import io.albireo.testing.golden.GoldenFile;

/**
 * The key of a fragment on an OSD, pinned in golden files: of generation 0 (the put's, the same bytes as before
 * fragments had generations) and of a nonzero generation (maintenance's); and read back by {@link FragmentKeys#parse}.
 */
class FragmentKeysTest {
    private static final String ID = "00112233445566778899aabbccddeeff";
    private static final long GENERATION = 0x0123456789abcdefL;

    @Test
    void theKeyOfGenerationZeroIsPinned() {
        GoldenFile.of("fragment-key-v1").assertMatches(FragmentKeys.key(7, ID, 3, 2, 0).toByteArray(),
                "The key of a fragment on an OSD (FragmentKeys): namespace 7, object id"
                + " 00112233445566778899aabbccddeeff,\nchunk 3, fragment 2.");
    }

    @Test
    void theKeyOfANonzeroGenerationIsPinned() {
        GoldenFile.of("fragment-key-v1-generation").assertMatches(FragmentKeys.key(7, ID, 3, 2, GENERATION)
                .toByteArray(), "The key of a fragment on an OSD (FragmentKeys) that maintenance rewrote: namespace"
                + " 7, object id\n00112233445566778899aabbccddeeff, chunk 3, fragment 2, generation 0123456789abcdef.");
    }

    /** The keys read field by field, as the class documents them, and by {@link FragmentKeys#parse}. */
    @Test
    void theGoldenKeysHaveTheDocumentedFields() {
        for (long generation : new long[] {0, GENERATION}) {
            byte[] golden = GoldenFile.of(generation == 0 ? "fragment-key-v1" : "fragment-key-v1-generation").bytes();
            ByteBuffer b = ByteBuffer.wrap(golden);
            assertEquals('f', b.get());
            assertEquals('/', b.get());
            assertEquals(7, b.getLong());
            byte[] id = new byte[32];
            b.get(id);
            assertEquals(ID, new String(id, StandardCharsets.US_ASCII));
            assertEquals(3, b.getInt());
            assertEquals(2, b.getShort());
            if (generation != 0) {
                assertEquals(generation, b.getLong());
            }
            assertEquals(0, b.remaining());
            assertEquals(FragmentKeys.namespacePrefix(7), Bytes.of(golden).slice(0, 10));
            assertEquals(Optional.of(new FragmentKeys.Parsed(7, ID, 3, 2, generation)),
                    FragmentKeys.parse(Bytes.of(golden)));
        }
    }

    @Test
    void aManifestsKeyCarriesItsFragmentsGeneration() {
        List<Manifest.Fragment> fragments = List.of(new Manifest.Fragment(4, Bytes.of(new byte[8])),
                new Manifest.Fragment(5, Bytes.of(new byte[8]), GENERATION), new Manifest.Fragment(
                        Manifest.Fragment.NOT_WRITTEN, Bytes.of(new byte[8])));
        Manifest m = new Manifest("a", ID, 2, 10, Digest.of("sha-256", new byte[32]), new Policy(1, 2, 1, 1), "none",
                "none", "", "xxh64", "rs", 0, List.of(new Manifest.Chunk(10, 10, 10, fragments)));
        assertEquals(FragmentKeys.key(9, ID, 0, 0, 0), FragmentKeys.key(9, m, 0, 0));
        assertEquals(FragmentKeys.key(9, ID, 0, 1, GENERATION), FragmentKeys.key(9, m, 0, 1));
        assertEquals(FragmentKeys.key(9, ID, 0, 2, 0), FragmentKeys.key(9, m, 0, 2));
    }

    @Test
    void keysParseBack() {
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 10_000; i++) {
            byte[] id = new byte[16];
            r.nextBytes(id);
            long generation = switch (i % 3) {
                case 0 -> 0;
                case 1 -> r.nextLong(1, Long.MAX_VALUE);
                default -> 1 + r.nextInt(1000);
            };
            FragmentKeys.Parsed p = new FragmentKeys.Parsed(r.nextLong(), HexFormat.of().formatHex(id),
                    r.nextInt(Integer.MAX_VALUE), r.nextInt(0x10000), generation);
            Bytes key = FragmentKeys.key(p.namespaceId(), p.objectId(), p.chunk(), p.fragment(), p.generation());
            assertEquals(Optional.of(p), FragmentKeys.parse(key), key.toString());
            assertEquals(true, key.startsWith(FragmentKeys.namespacePrefix(p.namespaceId())));
        }
    }

    /** Garbage collection must leave alone what is not a fragment key: parse recognises only what key() writes. */
    @Test
    void otherKeysAreNotFragmentKeys() {
        Bytes plain = FragmentKeys.key(7, ID, 3, 2, 0);
        Bytes rewritten = FragmentKeys.key(7, ID, 3, 2, GENERATION);
        List<Bytes> others = new ArrayList<>(List.of(Bytes.EMPTY, FragmentKeys.namespacePrefix(7),
                Bytes.utf8("x").concat(plain.slice(1, plain.length())),
                FragmentKeys.key(7, ID.toUpperCase(), 3, 2, 0),
                FragmentKeys.key(7, ID.substring(2), 3, 2, 0),
                FragmentKeys.key(7, ID + "00", 3, 2, 0),
                FragmentKeys.key(7, ID.replace('0', 'g'), 3, 2, GENERATION),
                plain.concat(Bytes.of(new byte[8])),
                plain.concat(Bytes.of((byte) 0x80, (byte) 0, (byte) 0, (byte) 0, (byte) 0, (byte) 0, (byte) 0,
                        (byte) 1)),
                rewritten.slice(0, rewritten.length() - 1), rewritten.concat(Bytes.of((byte) 0))));
        byte[] negativeChunk = plain.toByteArray();
        negativeChunk[42] = (byte) 0x80;
        others.add(Bytes.of(negativeChunk));
        for (Bytes key : others) {
            assertEquals(Optional.empty(), FragmentKeys.parse(key), key.toString());
        }
    }

    @Test
    void fieldsOutOfRangeHaveNoKey() {
        assertThrows(IllegalArgumentException.class, () -> FragmentKeys.key(7, ID, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> FragmentKeys.key(7, ID, 0, 0x10000, 0));
        assertThrows(IllegalArgumentException.class, () -> FragmentKeys.key(7, ID, 0, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> FragmentKeys.key(7, ID, 0, 0, -1));
    }
}
