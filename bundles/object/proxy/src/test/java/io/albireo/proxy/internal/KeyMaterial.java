package io.albireo.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import io.albireo.api.metadata.AlbaManager;

/** For tests: the secrets a proxy holds, to look for them where they must never be (messages, console output). */
public final class KeyMaterial {
    private KeyMaterial() {
    }

    /** @return the KEK in this file */
    public static byte[] kek(Path file) {
        return new KekFile(file).read().orElseThrow();
    }

    /** @return the data key of this id, unwrapped from the backend with the KEK in {@code kekFile} */
    public static byte[] dataKey(AlbaManager abm, Path kekFile, String id) {
        return KeyWrap.unwrap(kek(kekFile), abm.key(id).orElseThrow());
    }

    /** Fails if {@code text} shows any of the secrets in hex, Base64 or {@code Arrays.toString} form. */
    public static void assertNotIn(String text, byte[]... secrets) {
        for (byte[] s : secrets) {
            for (String form : new String[] {HexFormat.of().formatHex(s), HexFormat.of().withUpperCase().formatHex(s),
                Base64.getEncoder().encodeToString(s), Base64.getUrlEncoder().encodeToString(s),
                Base64.getEncoder().withoutPadding().encodeToString(s), Arrays.toString(s)}) {
                assertFalse(text.contains(form), "a secret is shown: " + text);
            }
        }
    }
}
