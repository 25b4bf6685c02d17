package io.albireo.cipher.none.internal;

import java.nio.ByteBuffer;

import org.osgi.service.component.annotations.Component;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Cipher;
import io.albireo.api.codec.CipherKey;

/**
 * The cipher of presets that do not encrypt: no header, no tags, the sealed form is the plaintext. It keeps the
 * {@link Cipher} contract (block sizes are validated, partial reads work the same way) so the data path has one shape
 * whether a preset encrypts or not. Nothing is copied: every method returns a view of the bytes it was given, so the
 * caller must not change those bytes while it uses the result. Keys are ignored and may be null.
 */
@Component
@AlbireoName(NoCipher.NAME)
@Implementation("java")
public final class NoCipher implements Cipher {
    /** The algorithm's name. */
    public static final String NAME = "none";

    /** The smallest block size, as for every cipher: 512 bytes. */
    static final int MIN_BLOCK_SIZE = 512;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int keyLength() {
        return 0;
    }

    @Override
    public SealedLayout layout(int blockSize) {
        // Validated although "none" does not care, so a preset with a bad block size fails the same way with or
        // without encryption.
        if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException(NAME + ": the block size must be a power of two from " + MIN_BLOCK_SIZE
                    + " to " + MAX_BLOCK_SIZE + " bytes; got " + blockSize);
        }
        return new SealedLayout(0, blockSize, 0);
    }

    @Override
    public ByteBuffer encrypt(CipherKey key, ByteBuffer plaintext, int blockSize) {
        layout(blockSize);
        return plaintext.slice();
    }

    @Override
    public ByteBuffer decrypt(CipherKey key, ByteBuffer sealed) {
        return sealed.slice();
    }

    @Override
    public ByteBuffer decryptBlocks(CipherKey key, ByteBuffer header, long firstBlock, ByteBuffer blocks) {
        if (firstBlock < 0) {
            throw new IllegalArgumentException(NAME + ": block index " + firstBlock + " is negative");
        }
        if (header.hasRemaining()) {
            // Another cipher's header: these blocks were not sealed by "none".
            throw new IntegrityException(NAME + ": expected an empty header, got " + header.remaining()
                    + " bytes: the blocks were sealed by another cipher");
        }
        return blocks.slice();
    }
}
