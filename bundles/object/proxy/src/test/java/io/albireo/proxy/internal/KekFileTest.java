package io.albireo.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.StorageException;

class KekFileTest {
    @TempDir
    Path dir;

    @Test
    void aNewKekIsWrittenOwnerOnlyInFullAndNeverReplaced() throws Exception {
        KekFile file = new KekFile(dir.resolve("etc/io.albireo.proxy.kek"));
        assertEquals(Optional.empty(), file.read());
        byte[] kek = file.create(new SecureRandom());
        assertEquals(32, kek.length);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path())));
        assertArrayEquals(kek, file.read().orElseThrow());
        List<String> lines = Files.readAllLines(file.path(), StandardCharsets.US_ASCII);
        assertEquals(3, lines.size(), "two comment lines and the key");
        assertTrue(lines.get(0).startsWith("# Albireo key-encryption key (KEK), id "
                + KekFile.shortId(KekFile.id(kek)) + "."), lines.get(0));
        assertEquals(Base64.getEncoder().encodeToString(kek), lines.get(2));
        try (var names = Files.list(file.path().getParent())) {
            assertEquals(List.of("io.albireo.proxy.kek"), names.map(p -> p.getFileName().toString()).toList(),
                    "no temporary file left");
        }
        StorageException again = assertThrows(StorageException.class, () -> file.create(new SecureRandom()));
        assertTrue(again.getMessage().contains("never replaced"), again.getMessage());
        assertArrayEquals(kek, file.read().orElseThrow());
    }

    @Test
    void aFileThatIsNotAKekIsRefusedWithoutQuotingIt() throws Exception {
        Path p = dir.resolve("kek");
        KekFile file = new KekFile(p);
        String sixteen = Base64.getEncoder().encodeToString(new byte[16]);
        for (String content : new String[] {"secret-ish !!\n", sixteen + "\n", "# only a comment\n",
            sixteen + "\n" + sixteen + "\n"}) {
            Files.writeString(p, content, StandardCharsets.US_ASCII);
            StorageException e = assertThrows(StorageException.class, file::read);
            assertEquals(p + " is not a KEK file: it must hold one line of base64 for 32 bytes (lines starting with"
                    + " # are comments)", e.getMessage());
        }
    }

    /** The KEK id stored in the backend, checked against HMAC-SHA-256 computed apart (Python's hmac module). */
    @Test
    void theKekIdIsAnHmacOfAFixedLabel() {
        byte[] kek = new byte[32];
        for (int i = 0; i < kek.length; i++) {
            kek[i] = (byte) i;
        }
        assertEquals("dffcd782e017d1bb30d33b2db0f7fc7c56d879166d082e7edf1853f30f34272d",
                HexFormat.of().formatHex(KekFile.id(kek).toByteArray()));
        assertEquals("dffcd782e017d1bb", KekFile.shortId(KekFile.id(kek)));
        assertFalse(KekFile.id(kek).equals(KekFile.id(new byte[32])));
    }
}
