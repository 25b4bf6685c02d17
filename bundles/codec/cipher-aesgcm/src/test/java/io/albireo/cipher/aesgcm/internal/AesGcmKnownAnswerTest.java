package io.albireo.cipher.aesgcm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import io.albireo.api.codec.CipherKey;

/**
 * The construction is standard: the JDK's AES-256-GCM gives the published answer, and the whole sealed form equals
 * what an independent implementation of the documented format computes (src/test/kat/sealed_vectors.py, with
 * pyca/cryptography over OpenSSL).
 */
class AesGcmKnownAnswerTest {
    private static final HexFormat HEX = HexFormat.of();
    private final AesGcmCipher cipher = new AesGcmCipher();

    /** The GCM specification (McGrew and Viega), test case 16: AES-256, 96-bit IV, with AAD. */
    @Test
    void theJdksAes256GcmGivesThePublishedAnswer() throws Exception {
        javax.crypto.Cipher gcm = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(javax.crypto.Cipher.ENCRYPT_MODE,
                new SecretKeySpec(HEX.parseHex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"),
                        "AES"),
                new GCMParameterSpec(128, HEX.parseHex("cafebabefacedbaddecaf888")));
        gcm.updateAAD(HEX.parseHex("feedfacedeadbeeffeedfacedeadbeefabaddad2"));
        byte[] sealed = gcm.doFinal(HEX.parseHex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"));
        assertEquals("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662" // ciphertext
                + "76fc6ece0f4e1768cddf8853bb2d551b", HEX.formatHex(sealed)); // tag
    }

    @ParameterizedTest
    @ValueSource(strings = {"empty", "three-blocks"})
    void theSealedFormMatchesAnIndependentImplementation(String name) throws Exception {
        Map<String, String> vector = vector(name);
        CipherKey key = new CipherKey("kat", HEX.parseHex(vector.get("key")));
        int length = Integer.parseInt(vector.get("length"));
        byte[] plaintext = new byte[length];
        for (int i = 0; i < length; i++) {
            plaintext[i] = (byte) (i * 7 % 251);
        }
        ByteBuffer sealed = cipher.seal(key, ByteBuffer.wrap(plaintext),
                cipher.layout(1 << Integer.parseInt(vector.get("log2"))), HEX.parseHex(vector.get("salt")));
        byte[] actual = new byte[sealed.remaining()];
        sealed.get(actual);
        assertEquals(vector.get("sealed"), HEX.formatHex(actual));
        assertEquals(ByteBuffer.wrap(plaintext), cipher.decrypt(key, ByteBuffer.wrap(HEX.parseHex(vector.get("sealed")))));
    }

    private static Map<String, String> vector(String name) throws Exception {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                AesGcmKnownAnswerTest.class.getResourceAsStream("sealed-vectors.txt"), StandardCharsets.US_ASCII))) {
            String line = in.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow();
            Map<String, String> fields = new HashMap<>();
            for (String field : line.substring(name.length() + 1).split(" ")) {
                int eq = field.indexOf('=');
                fields.put(field.substring(0, eq), field.substring(eq + 1));
            }
            return fields;
        }
    }
}
