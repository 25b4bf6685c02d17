package io.albireo.api.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;

class ManifestFormatTest {

    @Test
    void randomManifestsRoundTrip() {
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < 2000; i++) {
            Manifest m = ManifestSamples.random(r, "obj-" + i + (i % 3 == 0 ? "-é€😀" : ""), i % 10 == 0 ? 50 : 3);
            assertEquals(m, ManifestFormat.decode(ManifestFormat.encode(m)), "manifest " + i);
        }
    }

    /** Fragments that maintenance rewrote carry their generations: version 2, which round-trips as well. */
    @Test
    void manifestsWithGenerationsRoundTripAsVersionTwo() {
        SplittableRandom r = new SplittableRandom(43);
        int versionTwo = 0;
        for (int i = 0; i < 2000; i++) {
            Manifest m = rewritten(r, ManifestSamples.random(r, "obj-" + i, i % 10 == 0 ? 50 : 3));
            byte[] stored = ManifestFormat.encode(m);
            boolean generations = m.chunks().stream().flatMap(c -> c.fragments().stream())
                    .anyMatch(f -> f.generation() != 0);
            assertEquals(generations ? 2 : 1, stored[0], "manifest " + i);
            assertEquals(m, ManifestFormat.decode(stored), "manifest " + i);
            versionTwo += generations ? 1 : 0;
        }
        assertTrue(versionTwo > 1000, versionTwo + " of 2000 had a generation");
    }

    /** Without a nonzero generation, the encoder writes the version 1 bytes, as before generations existed. */
    @Test
    void generationZeroEverywhereIsWrittenAsVersionOne() {
        Manifest m = ManifestSamples.example(ManifestSamples.exampleName(6), 6);
        byte[] stored = ManifestFormat.encode(m);
        assertEquals(1, stored[0]);
        List<Manifest.Chunk> zeros = new ArrayList<>();
        for (Manifest.Chunk c : m.chunks()) {
            List<Manifest.Fragment> fragments = new ArrayList<>();
            c.fragments().forEach(f -> fragments.add(new Manifest.Fragment(f.osd(), f.checksum(), 0)));
            zeros.add(new Manifest.Chunk(c.length(), c.storedLength(), c.fragmentLength(), fragments));
        }
        assertArrayEquals(stored, ManifestFormat.encode(rechunked(m, zeros)));
        // One generation makes version 2: one more varint per fragment, here one byte each.
        byte[] one = ManifestFormat.encode(withGeneration(m, 1, 3, 1));
        assertEquals(2, one[0]);
        assertEquals(stored.length + m.chunks().size() * m.policy().width(), one.length);
        assertEquals(0, ManifestFormat.decode(stored).chunks().get(1).fragments().get(3).generation());
        assertThrows(IllegalArgumentException.class, () -> new Manifest.Fragment(0, Bytes.of(new byte[8]), -1));
    }

    /** Version 2 bytes that the encoder cannot have written are refused even behind a valid CRC32C. */
    @Test
    void aBadGenerationIsRefusedEvenWithAGoodChecksum() {
        Manifest m = ManifestSamples.example(ManifestSamples.exampleName(7), 7);
        int last = m.policy().width() - 1;
        byte[] body = body(ManifestFormat.encode(withGeneration(m, 1, last, 1)));
        int at = firstDifference(body, body(ManifestFormat.encode(withGeneration(m, 1, last, 2))));
        assertEquals(1, body[at], "the generation of chunk 1's last fragment");
        assertEquals("manifest: the fragment generation is not in its shortest form",
                refusal(splice(body, at, 1, (byte) 0x81, (byte) 0)));
        byte[] tenBytes = new byte[10];
        Arrays.fill(tenBytes, 0, 9, (byte) 0xff);
        tenBytes[9] = 1;
        assertEquals("manifest: the fragment generation overflows 63 bits", refusal(splice(body, at, 1, tenBytes)));
        assertEquals("manifest: version 2 but every fragment generation is 0",
                refusal(splice(body, at, 1, (byte) 0)));
        // Cut in the middle of a nine-byte generation; and every other cut, re-sealed.
        byte[] big = body(ManifestFormat.encode(withGeneration(m, 1, last, Long.MAX_VALUE)));
        assertEquals("manifest: truncated in the fragment generation",
                refusal(Arrays.copyOf(big, at + 4)));
        for (int n = 1; n < big.length; n++) {
            byte[] cut = Arrays.copyOf(big, n);
            assertThrows(IntegrityException.class, () -> ManifestFormat.decode(seal(cut)), "length " + n);
        }
    }

    @Test
    void edgeShapesRoundTrip() {
        SplittableRandom r = new SplittableRandom(7);
        Manifest example = ManifestSamples.example(ManifestSamples.exampleName(1), 1);
        Manifest empty = new Manifest("", "", 0, 0, example.checksum(), new Policy(1, 0, 1, 1), "none", "none", "",
                "xxh64", "rs", 0, List.of());
        List<Manifest.Fragment> notWritten = List.of(new Manifest.Fragment(Manifest.Fragment.NOT_WRITTEN,
                Bytes.of(new byte[8])), new Manifest.Fragment(0, Bytes.of(new byte[8])),
                new Manifest.Fragment(Integer.MAX_VALUE, Bytes.of(new byte[8])));
        Manifest replicated = new Manifest("r", "00ff", Long.MAX_VALUE, Long.MAX_VALUE, example.checksum(),
                new Policy(1, 2, 1, 1), "none", "none", "", "xxh64", "rs", 0,
                List.of(new Manifest.Chunk(Long.MAX_VALUE, 0, Integer.MAX_VALUE, notWritten)));
        for (Manifest m : List.of(example, empty, replicated, ManifestSamples.random(r, "one", 1))) {
            assertEquals(m, ManifestFormat.decode(ManifestFormat.encode(m)));
        }
    }

    @Test
    void everySingleBitFlipIsDetected() {
        SplittableRandom r = new SplittableRandom(3);
        for (Manifest m : List.of(ManifestSamples.example(ManifestSamples.exampleName(2), 2),
                ManifestSamples.random(r, "flip", 4), withGeneration(ManifestSamples.example(
                        ManifestSamples.exampleName(8), 8), 0, 0, 0x0123456789abcdefL))) {
            byte[] stored = ManifestFormat.encode(m);
            for (int bit = 0; bit < stored.length * 8; bit++) {
                byte[] flipped = stored.clone();
                flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                assertThrows(IntegrityException.class, () -> ManifestFormat.decode(flipped), "bit " + bit);
            }
        }
    }

    @Test
    void everyTruncationAndExtensionIsDetected() {
        byte[] stored = ManifestFormat.encode(ManifestSamples.example(ManifestSamples.exampleName(3), 3));
        for (int n = 0; n < stored.length; n++) {
            byte[] cut = Arrays.copyOf(stored, n);
            assertThrows(IntegrityException.class, () -> ManifestFormat.decode(cut), "length " + n);
        }
        assertThrows(IntegrityException.class, () -> ManifestFormat.decode(Arrays.copyOf(stored, stored.length + 1)));
    }

    @Test
    void malformedContentUnderAValidChecksumIsRefused() {
        byte[] stored = ManifestFormat.encode(ManifestSamples.example(ManifestSamples.exampleName(4), 4));
        // Every truncation of the body, re-sealed with a fresh CRC: must fail on the content, never allocate wildly.
        for (int n = 1; n < stored.length - 4; n++) {
            byte[] body = Arrays.copyOf(stored, n);
            IntegrityException e = assertThrows(IntegrityException.class, () -> ManifestFormat.decode(seal(body)));
            assertTrue(e.getMessage().startsWith("manifest: "), e.getMessage());
        }
        // Lengths and counts that claim far more than there is.
        byte[] huge = {1, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07};
        IntegrityException e = assertThrows(IntegrityException.class, () -> ManifestFormat.decode(seal(huge)));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        byte[] overflow = {1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f};
        assertThrows(IntegrityException.class, () -> ManifestFormat.decode(seal(overflow)));
    }

    @Test
    void anotherVersionIsRefused() {
        byte[] stored = ManifestFormat.encode(ManifestSamples.example(ManifestSamples.exampleName(5), 5));
        byte[] body = Arrays.copyOf(stored, stored.length - 4);
        body[0] = 3;
        IntegrityException e = assertThrows(IntegrityException.class, () -> ManifestFormat.decode(seal(body)));
        assertEquals("manifest: format version 3, expected 1 or 2", e.getMessage());
    }

    @Test
    void fragmentChecksumsOfDifferentLengthsAreRefused() {
        Manifest m = new Manifest("x", "ab", 0, 1, ManifestSamples.example("x", 1).checksum(),
                new Policy(1, 1, 1, 1), "none", "none", "", "xxh64", "rs", 0, List.of(new Manifest.Chunk(1, 1, 1,
                        List.of(new Manifest.Fragment(1, Bytes.of(new byte[8])),
                                new Manifest.Fragment(2, Bytes.of(new byte[4]))))));
        assertThrows(IllegalArgumentException.class, () -> ManifestFormat.encode(m));
    }

    /** A size, not a timing: the documented example must fit in 1 KiB. */
    @Test
    void theSixtyFourMebibyteExampleFitsInOneKibibyte() {
        Manifest m = ManifestSamples.example(ManifestSamples.exampleName(0), 0);
        assertEquals(40, m.name().length());
        assertEquals(36, m.keyId().length());
        int size = ManifestFormat.encode(m).length;
        System.out.println("ManifestFormat: the 64 MiB (8,2) example with 4 MiB fragments is " + size + " bytes");
        assertTrue(size <= 1024, size + " bytes");
    }

    /** @return {@code m} with some fragments rewritten under generations: small, random and the largest */
    private static Manifest rewritten(SplittableRandom r, Manifest m) {
        List<Manifest.Chunk> chunks = new ArrayList<>();
        for (Manifest.Chunk c : m.chunks()) {
            List<Manifest.Fragment> fragments = new ArrayList<>();
            for (Manifest.Fragment f : c.fragments()) {
                long generation = switch (r.nextInt(6)) {
                    case 0 -> 1 + r.nextInt(300);
                    case 1 -> r.nextLong(1, Long.MAX_VALUE);
                    case 2 -> Long.MAX_VALUE;
                    default -> 0;
                };
                fragments.add(new Manifest.Fragment(f.osd(), f.checksum(), generation));
            }
            chunks.add(new Manifest.Chunk(c.length(), c.storedLength(), c.fragmentLength(), fragments));
        }
        return rechunked(m, chunks);
    }

    /** @return {@code m} with fragment {@code fragment} of chunk {@code chunk} at generation {@code generation} */
    private static Manifest withGeneration(Manifest m, int chunk, int fragment, long generation) {
        List<Manifest.Chunk> chunks = new ArrayList<>(m.chunks());
        Manifest.Chunk c = chunks.get(chunk);
        List<Manifest.Fragment> fragments = new ArrayList<>(c.fragments());
        Manifest.Fragment f = fragments.get(fragment);
        fragments.set(fragment, new Manifest.Fragment(f.osd(), f.checksum(), generation));
        chunks.set(chunk, new Manifest.Chunk(c.length(), c.storedLength(), c.fragmentLength(), fragments));
        return rechunked(m, chunks);
    }

    private static Manifest rechunked(Manifest m, List<Manifest.Chunk> chunks) {
        return new Manifest(m.name(), m.objectId(), m.version(), m.size(), m.checksum(), m.policy(), m.compressor(),
                m.cipher(), m.keyId(), m.fragmentChecksum(), m.erasureCodec(), m.blockSize(), chunks);
    }

    /** @return the message of the refusal of {@code body}, sealed with a valid CRC32C */
    private static String refusal(byte[] body) {
        return assertThrows(IntegrityException.class, () -> ManifestFormat.decode(seal(body))).getMessage();
    }

    private static byte[] body(byte[] stored) {
        return Arrays.copyOf(stored, stored.length - 4);
    }

    /** @return {@code b} with its {@code n} bytes at {@code at} replaced by {@code with} */
    private static byte[] splice(byte[] b, int at, int n, byte... with) {
        byte[] out = new byte[b.length - n + with.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(with, 0, out, at, with.length);
        System.arraycopy(b, at + n, out, at + with.length, b.length - at - n);
        return out;
    }

    private static int firstDifference(byte[] a, byte[] b) {
        int i = 0;
        while (a[i] == b[i]) {
            i++;
        }
        return i;
    }

    private static byte[] seal(byte[] body) {
        CRC32C crc = new CRC32C();
        crc.update(body);
        int v = (int) crc.getValue();
        byte[] out = Arrays.copyOf(body, body.length + 4);
        out[body.length] = (byte) (v >>> 24);
        out[body.length + 1] = (byte) (v >>> 16);
        out[body.length + 2] = (byte) (v >>> 8);
        out[body.length + 3] = (byte) v;
        return out;
    }
}
