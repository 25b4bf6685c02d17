package io.albireo.abm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.metadata.WrappedKey;

/** The stored form of a wrapped key, pinned byte for byte. */
class KeyRecordTest {
    private static final HexFormat HEX = HexFormat.of();

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
     * The golden bytes, field by field (docs/METADATA.md), with the CRC32C computed apart from the JDK's (a bitwise
     * CRC-32C, polynomial 0x82F63B78): if the encoder changes a byte, old records would no longer read.
     */
    private static final String GOLDEN = "01" // format version
            + "000e" + "7072657365742d64656661756c74" // owner, "preset-default"
            + "00000002" // key version
            + "0000018bcfe56800" // created, 1700000000000 ms
            + "0020" // key length, 32 bytes
            + "000b" + "6165732d3235362d67636d" // wrapping, "aes-256-gcm"
            + "0020" + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" // KEK id
            + "003c" + "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacad"
            + "aeafb0b1b2b3b4b5b6b7b8b9babb" // the wrapped key, 60 bytes
            + "c2f95f28"; // CRC32C of all of the above

    @Test
    void aFixedRecordHasExactlyTheseBytes() {
        assertEquals(GOLDEN, HEX.formatHex(KeyRecord.encode(sample()).toByteArray()));
        assertEquals(144, GOLDEN.length() / 2);
    }

    @Test
    void theGoldenBytesReadBackAsTheRecord() {
        WrappedKey k = KeyRecord.decode(Bytes.of(HEX.parseHex(GOLDEN)));
        assertEquals(sample(), k);
        assertEquals("preset-default@v2", k.id());
    }

    @Test
    void everySingleBitFlipIsDetected() {
        byte[] stored = HEX.parseHex(GOLDEN);
        for (int bit = 0; bit < stored.length * 8; bit++) {
            byte[] flipped = stored.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(IntegrityException.class, () -> KeyRecord.decode(Bytes.of(flipped)), "bit " + bit);
        }
    }

    @Test
    void everyTruncationAndExtensionIsDetected() {
        byte[] stored = HEX.parseHex(GOLDEN);
        for (int n = 0; n < stored.length; n++) {
            byte[] cut = Arrays.copyOf(stored, n);
            assertThrows(IntegrityException.class, () -> KeyRecord.decode(Bytes.of(cut)), "length " + n);
        }
        assertThrows(IntegrityException.class, () -> KeyRecord.decode(Bytes.of(Arrays.copyOf(stored,
                stored.length + 1))));
    }

    @Test
    void malformedContentUnderAValidChecksumIsRefusedNamingIt() {
        byte[] body = Arrays.copyOf(HEX.parseHex(GOLDEN), GOLDEN.length() / 2 - 4);
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
