package io.albireo.cipher.aesgcm.internal;

import java.nio.ByteBuffer;

import io.albireo.api.codec.Cipher;
import io.albireo.api.codec.CipherKey;

/**
 * aes-256-gcm sealing with a given salt instead of a fresh random one, so that a sealed chunk's golden bytes can be
 * written again byte for byte; for tests only (a fixed salt under one key reuses nonces). Reads are the real cipher's.
 */
public final class FixedSaltAesGcm implements Cipher {
    private final AesGcmCipher gcm = new AesGcmCipher();
    private final byte[] salt;

    /** @param salt the 32 bytes every encryption uses */
    public FixedSaltAesGcm(byte[] salt) {
        this.salt = salt.clone();
    }

    @Override
    public String name() {
        return gcm.name();
    }

    @Override
    public int keyLength() {
        return gcm.keyLength();
    }

    @Override
    public SealedLayout layout(int blockSize) {
        return gcm.layout(blockSize);
    }

    @Override
    public ByteBuffer encrypt(CipherKey key, ByteBuffer plaintext, int blockSize) {
        return gcm.seal(key, plaintext, gcm.layout(blockSize), salt.clone());
    }

    @Override
    public ByteBuffer decrypt(CipherKey key, ByteBuffer sealed) {
        return gcm.decrypt(key, sealed);
    }

    @Override
    public ByteBuffer decryptBlocks(CipherKey key, ByteBuffer header, long firstBlock, ByteBuffer blocks) {
        return gcm.decryptBlocks(key, header, firstBlock, blocks);
    }
}
