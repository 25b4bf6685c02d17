package io.albireo.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.metadata.WrappedKey;
import io.albireo.testing.golden.GoldenFile;

/** The wrapped form of a data key, which the backend stores: pinned against AES-GCM computed apart. */
class KeyWrapTest {
    private static final HexFormat HEX = HexFormat.of();
    /**
     * KEK 00..1f, nonce a0..ab, data key 40..5f, id preset-default: Python's cryptography AESGCM gives the bytes of
     * src/test/resources/golden/key-wrap-v1.hex (annotated there: nonce, encrypted key, tag).
     */
    private static final GoldenFile GOLDEN = GoldenFile.of("key-wrap-v1");

    private static String wrapped() {
        return HEX.formatHex(GOLDEN.bytes());
    }
// tag, over AAD "albireo key wrap v1\0preset-default"

    private static byte[] run(int from, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    private static WrappedKey record(String owner, int version, String wrapped) {
        return new WrappedKey(owner, version, 0, 32, KeyWrap.NAME, KekFile.id(run(0, 32)), Bytes.of(HEX.parseHex(
                wrapped)));
    }

    @Test
    void aKnownWrappedKeyUnwrapsAndWrapsTheSame() {
        SecureRandom fixed = new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) (0xa0 + i);
                }
            }
        };
        GOLDEN.assertMatches(KeyWrap.wrap(run(0, 32), "preset-default", run(0x40, 32), fixed).toByteArray(),
                "KeyWrap v1 (aes-256-gcm): the data key 40 41 .. 5f of preset-default, wrapped under the KEK"
                + " 00 01 .. 1f with the nonce a0 a1 .. ab;\nthe associated data is \"albireo key wrap v1\\0"
                + "preset-default\".");
        assertArrayEquals(run(0x40, 32), KeyWrap.unwrap(run(0, 32), record("preset-default", 1, wrapped())));
    }

    @Test
    void itDoesNotUnwrapUnderAnotherKekIdOrWithAChangedByte() {
        IntegrityException otherKek = assertThrows(IntegrityException.class,
                () -> KeyWrap.unwrap(run(1, 32), record("preset-default", 1, wrapped())));
        assertTrue(otherKek.getMessage().startsWith("encryption key preset-default failed to unwrap"),
                otherKek.getMessage());
        // The same bytes as another id's key: a record moved to another preset or version does not unwrap.
        assertThrows(IntegrityException.class, () -> KeyWrap.unwrap(run(0, 32), record("preset-other", 1,
                wrapped())));
        assertThrows(IntegrityException.class, () -> KeyWrap.unwrap(run(0, 32), record("preset-default", 2,
                wrapped())));
        assertThrows(IntegrityException.class, () -> KeyWrap.unwrap(run(0, 32), record("preset-default", 1,
                "a0a1a2")));
    }

    @Test
    void everySingleBitFlipAndTruncationIsDetected() {
        byte[] w = GOLDEN.bytes();
        for (int bit = 0; bit < w.length * 8; bit++) {
            byte[] changed = w.clone();
            changed[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(IntegrityException.class, () -> KeyWrap.unwrap(run(0, 32), record("preset-default", 1,
                    HEX.formatHex(changed))), "bit " + bit);
        }
        // A record holds at least one byte of wrapped key.
        for (int n = 1; n < w.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(w, n);
            assertThrows(IntegrityException.class, () -> KeyWrap.unwrap(run(0, 32), record("preset-default", 1,
                    HEX.formatHex(cut))), "length " + n);
        }
    }
}
