package io.albireo.abm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.metadata.WrappedKey;
import io.albireo.testing.golden.GoldenFile;

/** The stored form of a wrapped key, pinned byte for byte. */
class KeyRecordTest {
    /** Version 2 of preset default's key: 32 bytes wrapped into 60 under a KEK whose id is 00 01 .. 1f. */
    static WrappedKey sample() {
        byte[] kekId = new byte[32];
        byte[] wrapped = new byte[60];
        for (int i = 0; i < kekId.length; i++) {
            kekId[i] = (byte) i;
        }
        for (int i = 0; i < wrapped.length; i++) {
            wrapped[i] = (byte) (0x80 + i);
        }
        return new WrappedKey("preset-default", 2, 1_700_000_000_000L, 32, "aes-256-gcm", Bytes.of(kekId),
                Bytes.of(wrapped));
    }

    /**
     * The golden bytes, src/test/resources/golden/key-record-v1.hex, annotated there field by field (docs/METADATA.md),
     * with the CRC32C computed apart from the JDK's (a bitwise CRC-32C, polynomial 0x82F63B78): if the encoder changes
     * a byte, old records would no longer read.
     */
    private static final GoldenFile GOLDEN = GoldenFile.of("key-record-v1");

    @Test
    void aFixedRecordHasExactlyTheseBytes() {
        GOLDEN.assertMatches(KeyRecord.encode(sample()).toByteArray(), "KeyRecord v1 (abm/key/ID): version 2 of"
                + " preset-default's key, created 1700000000000 ms,\n32 bytes wrapped by aes-256-gcm into 60 bytes"
                + " (80 81 .. bb) under the KEK whose id is 00 01 .. 1f.");
        assertEquals(144, GOLDEN.bytes().length);
    }

    @Test
    void theGoldenBytesReadBackAsTheRecord() {
        WrappedKey k = KeyRecord.decode(Bytes.of(GOLDEN.bytes()));
        assertEquals(sample(), k);
        assertEquals("preset-default@v2", k.id());
    }

    @Test
    void everySingleBitFlipIsDetected() {
        byte[] stored = GOLDEN.bytes();
        for (int bit = 0; bit < stored.length * 8; bit++) {
            byte[] flipped = stored.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(IntegrityException.class, () -> KeyRecord.decode(Bytes.of(flipped)), "bit " + bit);
        }
    }

    @Test
    void everyTruncationAndExtensionIsDetected() {
        byte[] stored = GOLDEN.bytes();
        for (int n = 0; n < stored.length; n++) {
            byte[] cut = Arrays.copyOf(stored, n);
            assertThrows(IntegrityException.class, () -> KeyRecord.decode(Bytes.of(cut)), "length " + n);
        }
        assertThrows(IntegrityException.class, () -> KeyRecord.decode(Bytes.of(Arrays.copyOf(stored,
                stored.length + 1))));
    }

    @Test
    void malformedContentUnderAValidChecksumIsRefusedNamingIt() {
        byte[] body = Arrays.copyOf(GOLDEN.bytes(), GOLDEN.bytes().length - 4);
        // Every truncation of the body, sealed again with a fresh CRC: refused on the content, never allocated wildly.
        for (int n = 1; n < body.length; n++) {
            byte[] cut = Arrays.copyOf(body, n);
            IntegrityException e = assertThrows(IntegrityException.class, () -> KeyRecord.decode(Bytes.of(seal(cut))),
                    "length " + n);
            assertTrue(e.getMessage().startsWith("wrapped key record"), e.getMessage());
        }
        byte[] version2 = body.clone();
        version2[0] = 2;
        IntegrityException v = assertThrows(IntegrityException.class, () -> KeyRecord.decode(Bytes.of(seal(version2))));
        assertTrue(v.getMessage().contains("version 2"), v.getMessage());
        byte[] versionZero = body.clone();
        Arrays.fill(versionZero, 17, 21, (byte) 0); // the key version, after the version byte and the owner
        IntegrityException c = assertThrows(IntegrityException.class,
                () -> KeyRecord.decode(Bytes.of(seal(versionZero))));
        assertTrue(c.getMessage().contains("invalid content") && c.getMessage().contains("version 0"),
                c.getMessage());
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
