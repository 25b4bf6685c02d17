package io.albireo.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.metadata.WrappedKey;

/** The wrapped form of a data key, which the backend stores: pinned against AES-GCM computed apart. */
class KeyWrapTest {
    private static final HexFormat HEX = HexFormat.of();
    /** KEK 00..1f, nonce a0..ab, data key 40..5f, id preset-default: Python's cryptography AESGCM gives this. */
    private static final String WRAPPED = "a0a1a2a3a4a5a6a7a8a9aaab" // nonce
            + "a6593e6e018e44f82a2ccd984b378e9120fd0b43c6e2143bc4577cdd23f62b5e" // the encrypted key
            + "8eee491ddc98ece486b13c4ecd1b5ad1"; // tag, over AAD "albireo key wrap v1\0preset-default"

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
        assertArrayEquals(run(0x40, 32), KeyWrap.unwrap(run(0, 32), record("preset-default", 1, WRAPPED)));
        SecureRandom fixed = new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) (0xa0 + i);
                }
            }
        };
        assertEquals(WRAPPED, HEX.formatHex(KeyWrap.wrap(run(0, 32), "preset-default", run(0x40, 32), fixed)
                .toByteArray()));
    }

    @Test
    void itDoesNotUnwrapUnderAnotherKekIdOrWithAChangedByte() {
        IntegrityException otherKek = assertThrows(IntegrityException.class,
                () -> KeyWrap.unwrap(run(1, 32), record("preset-default", 1, WRAPPED)));
        assertTrue(otherKek.getMessage().startsWith("encryption key preset-default failed to unwrap"),
                otherKek.getMessage());
        // The same bytes as another id's key: a record moved to another preset or version does not unwrap.
        assertThrows(IntegrityException.class, () -> KeyWrap.unwrap(run(0, 32), record("preset-other", 1, WRAPPED)));
        assertThrows(IntegrityException.class, () -> KeyWrap.unwrap(run(0, 32), record("preset-default", 2,
                WRAPPED)));
        byte[] w = HEX.parseHex(WRAPPED);
        for (int i = 0; i < w.length; i++) {
            byte[] changed = w.clone();
            changed[i] ^= 1;
            assertThrows(IntegrityException.class, () -> KeyWrap.unwrap(run(0, 32), record("preset-default", 1,
                    HEX.formatHex(changed))), "byte " + i);
        }
        assertThrows(IntegrityException.class, () -> KeyWrap.unwrap(run(0, 32), record("preset-default", 1,
                "a0a1a2")));
    }
}
