package io.albireo.proxy.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.metadata.WrappedKey;

/**
 * Wraps a data key under the KEK with AES-256-GCM (the JDK's): a random 12-byte nonce, the encrypted key and a 16-byte
 * tag, with the key's id as associated data, so a wrapped key copied to another id (another preset, another version)
 * fails to unwrap instead of decrypting that id's objects with the wrong key. Chosen over AES key wrap (RFC 5649, the
 * JDK's AESWrapPad), which has no associated data. Random nonces are safe here: a KEK wraps one key per preset and
 * rotation, far below the 2^32 random nonces GCM allows under one key.
 */
final class KeyWrap {
    /** The wrapping's name, as {@link WrappedKey#wrapping()} records it. */
    static final String NAME = "aes-256-gcm";
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;

    private KeyWrap() {
    }

    /** @return nonce, encrypted key and tag */
    static Bytes wrap(byte[] kek, String id, byte[] dataKey, SecureRandom random) {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            gcm.updateAAD(aad(id));
            byte[] sealed = gcm.doFinal(dataKey);
            return Bytes.adopt(ByteBuffer.allocate(NONCE + sealed.length).put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is part of every JDK", e);
        }
    }

    /**
     * @return the data key; the caller wipes it when done with it
     * @throws IntegrityException if it does not unwrap: changed bytes, another id, or another KEK
     */
    static byte[] unwrap(byte[] kek, WrappedKey key) {
        byte[] w = key.wrapped().toByteArray();
        if (w.length < NONCE + TAG_BITS / 8) {
            throw new IntegrityException("encryption key " + key.id() + ": its wrapped form has " + w.length
                    + " bytes, too few for " + NAME);
        }
        byte[] secret;
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(TAG_BITS, w, 0,
                    NONCE));
            gcm.updateAAD(aad(key.id()));
            secret = gcm.doFinal(w, NONCE, w.length - NONCE);
        } catch (AEADBadTagException e) {
            throw new IntegrityException("encryption key " + key.id() + " failed to unwrap: its stored form was"
                    + " changed, or it was wrapped for another id or under another KEK");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is part of every JDK", e);
        }
        if (secret.length != key.keyLength()) {
            Arrays.fill(secret, (byte) 0);
            throw new IntegrityException("encryption key " + key.id() + ": " + secret.length + " bytes unwrapped, its"
                    + " record says " + key.keyLength());
        }
        return secret;
    }

    private static byte[] aad(String id) {
        return ("albireo key wrap v1\0" + id).getBytes(StandardCharsets.UTF_8);
    }
}
