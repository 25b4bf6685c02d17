package io.albireo.api.codec;

import java.nio.ByteBuffer;

import io.albireo.api.IntegrityException;

/**
 * An authenticated cipher ("aes-256-gcm", or "none"). Every call to {@link #encrypt} uses a nonce never used before
 * with that key. Implementations are thread-safe and never log key material.
 */
public interface Cipher {

    /** @return the algorithm's name, as found in presets */
    String name();

    /** @return the key length this cipher needs, in bytes (0 for "none") */
    int keyLength();

    /**
     * Encrypts and authenticates the remaining bytes of {@code plaintext}.
     *
     * @param key the key
     * @param plaintext the bytes to encrypt; its position and limit do not change
     * @return a buffer, positioned at 0, holding the sealed form
     */
    ByteBuffer encrypt(CipherKey key, ByteBuffer plaintext);

    /**
     * Authenticates and decrypts a sealed form made by {@link #encrypt}.
     *
     * @param key the key
     * @param sealed the sealed form; its position and limit do not change
     * @return a buffer, positioned at 0, holding the plaintext
     * @throws IntegrityException if authentication fails: a changed byte, a wrong key, a truncated input
     */
    ByteBuffer decrypt(CipherKey key, ByteBuffer sealed);
}
