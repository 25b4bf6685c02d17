package io.albireo.api.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
                ManifestSamples.random(r, "flip", 4))) {
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
        body[0] = 2;
        IntegrityException e = assertThrows(IntegrityException.class, () -> ManifestFormat.decode(seal(body)));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
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
