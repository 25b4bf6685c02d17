package io.albireo.api.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import io.albireo.api.Bytes;

class WrappedKeyTest {
    private static final Bytes KEK_ID = Bytes.of(HexFormat.of().parseHex("0123456789abcdef0123456789abcdef"));
    private static final Bytes WRAPPED = Bytes.of(HexFormat.of().parseHex("deadbeefcafe"));

    @Test
    void theFirstVersionKeepsTheOwnersIdSoObjectsWrittenBeforeVersionsStayReadable() {
        assertEquals("preset-default", new WrappedKey("preset-default", 1, 0, 32, "aes-256-gcm", KEK_ID, WRAPPED).id());
        assertEquals("preset-default@v2", WrappedKey.id("preset-default", 2));
        // Preset names may hold '.', so "preset-a.v2" could be preset a.v2's first key; '@' is in no owner.
        assertThrows(IllegalArgumentException.class, () -> new WrappedKey("preset-a@v2", 1, 0, 32, "aes-256-gcm",
                KEK_ID, WRAPPED));
    }

    @Test
    void itNeverPrintsTheWrappedBytes() {
        String s = new WrappedKey("preset-p", 3, 0, 32, "aes-256-gcm", KEK_ID, WRAPPED).toString();
        assertEquals("WrappedKey[preset-p@v3, 256 bits, aes-256-gcm under KEK 0123456789abcdef]", s);
        assertFalse(s.contains("deadbeef"));
    }

    @Test
    void invalidFieldsAreRefusedNamingThem() {
        for (Runnable r : new Runnable[] {
            () -> new WrappedKey("", 1, 0, 32, "aes-256-gcm", KEK_ID, WRAPPED),
            () -> new WrappedKey("p", 0, 0, 32, "aes-256-gcm", KEK_ID, WRAPPED),
            () -> new WrappedKey("p", 1, -1, 32, "aes-256-gcm", KEK_ID, WRAPPED),
            () -> new WrappedKey("p", 1, 0, 0, "aes-256-gcm", KEK_ID, WRAPPED),
            () -> new WrappedKey("p", 1, 0, 32, "AES GCM", KEK_ID, WRAPPED),
            () -> new WrappedKey("p", 1, 0, 32, "aes-256-gcm", Bytes.EMPTY, WRAPPED),
            () -> new WrappedKey("p", 1, 0, 32, "aes-256-gcm", KEK_ID, Bytes.of(new byte[4097]))}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
            assertTrue(e.getMessage().startsWith("key "), e.getMessage());
        }
    }
}
