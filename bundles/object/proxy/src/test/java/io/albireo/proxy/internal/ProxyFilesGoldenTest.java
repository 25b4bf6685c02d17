package io.albireo.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.testing.golden.GoldenFile;

/**
 * What the proxy stores outside the metadata store, pinned in golden files: the KEK file it writes and the old key file
 * it still reads (and no longer writes). The wrapped key is {@link KeyWrapTest}'s; the key of a fragment on an OSD is
 * io.albireo.object.layout's (FragmentKeysTest).
 */
class ProxyFilesGoldenTest {
    @TempDir
    Path dir;

    /** The KEK 00 01 .. 1f. */
    private static byte[] kek() {
        byte[] kek = new byte[KekFile.LENGTH];
        for (int i = 0; i < kek.length; i++) {
            kek[i] = (byte) i;
        }
        return kek;
    }

    /** Gives the bytes of {@link #kek()}: what a KEK file made with it holds. */
    private static SecureRandom fixed() {
        return new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
                System.arraycopy(kek(), 0, bytes, 0, bytes.length);
            }
        };
    }

    @Test
    void theKekFileIsWrittenAsPinned() throws Exception {
        KekFile file = new KekFile(dir.resolve("io.albireo.proxy.kek"));
        file.create(fixed());
        GoldenFile.of("kek-file-v1").assertMatches(Files.readAllBytes(file.path()), "The KEK file (KekFile) as"
                + " the proxy writes it for the KEK 00 01 .. 1f: two comment lines, the KEK in base64,\nUS-ASCII,"
                + " lines ending in \\n.");
    }

    @Test
    void theGoldenKekFileReadsBack() throws Exception {
        Path p = dir.resolve("kek");
        Files.write(p, GoldenFile.of("kek-file-v1").bytes());
        assertArrayEquals(kek(), new KekFile(p).read().orElseThrow());
        // The id it names in its first line is the one the backend stores (abm/kek): HMAC-SHA-256 of a fixed label.
        assertEquals("dffcd782e017d1bb30d33b2db0f7fc7c56d879166d082e7edf1853f30f34272d",
                java.util.HexFormat.of().formatHex(KekFile.id(kek()).toByteArray()));
    }

    /** The old key file, as proxies kept it before the backend held the keys: {@code id = base64 key} lines. */
    private static final String OLD_KEY_FILE = "# Albireo proxy data keys: id = base64 of the key\n"
            + "preset-default = QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=\n"
            + "vd-0001 = YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn8=\n";

    @Test
    void theOldKeyFileIsPinned() {
        GoldenFile.of("old-key-file-v1").assertMatches(OLD_KEY_FILE.getBytes(StandardCharsets.ISO_8859_1),
                "The old key file (OldKeyFile, io.albireo.proxy.keys): a java.util.Properties file, id = base64 of"
                + " the key.\nOnly read now (imported into the backend); nothing writes it any more. Keys 40 41 .. 5f"
                + " and 60 61 .. 7f.");
    }

    @Test
    void theGoldenOldKeyFileReadsBack() throws Exception {
        Path p = dir.resolve("io.albireo.proxy.keys");
        Files.write(p, GoldenFile.of("old-key-file-v1").bytes());
        Map<String, byte[]> keys = OldKeyFile.read(p);
        assertEquals(List.of("preset-default", "vd-0001"), List.copyOf(keys.keySet()));
        assertArrayEquals(run(0x40, 32), keys.get("preset-default"));
        assertArrayEquals(run(0x60, 32), keys.get("vd-0001"));
    }

    private static byte[] run(int from, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }
}
