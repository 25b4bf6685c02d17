package io.albireo.api.codec;

import java.nio.ByteBuffer;

import io.albireo.api.IntegrityException;

/**
 * An authenticated cipher ("aes-256-gcm", or "none") that seals a plaintext as independently authenticated blocks, so
 * that a partial read fetches and decrypts only the blocks it needs. The sealed form is a header followed by one sealed
 * block per {@code blockSize} bytes of plaintext (the last one shorter); {@link #layout(int)} says where each block
 * lies. Every call to {@link #encrypt} uses nonces never used before with that key. Implementations are thread-safe
 * and never log or print key material.
 */
public interface Cipher {
    /** The largest block a cipher seals: each cryptographic call stays this small. */
    int MAX_BLOCK_SIZE = 64 * 1024;

    /** @return the algorithm's name, as found in presets */
    String name();

    /** @return the key length this cipher needs, in bytes (0 for "none") */
    int keyLength();

    /**
     * @param blockSize the plaintext bytes per sealed block
     * @return where the header and each block of a sealed form lie
     * @throws IllegalArgumentException if this cipher does not support {@code blockSize}
     */
    SealedLayout layout(int blockSize);

    /**
     * Encrypts and authenticates the remaining bytes of {@code plaintext}, block by block.
     *
     * @param key the key
     * @param plaintext the bytes to encrypt; its position and limit do not change
     * @param blockSize the plaintext bytes per sealed block: a power of two from 512 to {@link #MAX_BLOCK_SIZE}
     * @return a buffer, positioned at 0, holding the sealed form
     */
    ByteBuffer encrypt(CipherKey key, ByteBuffer plaintext, int blockSize);

    /**
     * Authenticates and decrypts a whole sealed form made by {@link #encrypt}.
     *
     * @param key the key
     * @param sealed the sealed form; its position and limit do not change
     * @return a buffer, positioned at 0, holding the plaintext
     * @throws IntegrityException if authentication fails: a changed byte, a wrong key, a truncated or extended input
     */
    ByteBuffer decrypt(CipherKey key, ByteBuffer sealed);

    /**
     * Authenticates and decrypts some consecutive blocks of a sealed form, for a partial read.
     *
     * @param key the key
     * @param header the sealed form's header ({@link SealedLayout#headerLength()} bytes); does not move
     * @param firstBlock the index of the first block in {@code blocks}
     * @param blocks whole sealed blocks, consecutive, as they lie in the sealed form; does not move
     * @return a buffer, positioned at 0, holding the plaintext of those blocks
     * @throws IntegrityException if authentication fails, or the blocks do not belong to that header at that index
     */
    ByteBuffer decryptBlocks(CipherKey key, ByteBuffer header, long firstBlock, ByteBuffer blocks);

    /**
     * Where the parts of a sealed form lie: a header, then for each block of {@code blockSize} plaintext bytes (the last
     * one shorter) its ciphertext followed by a tag.
     *
     * @param headerLength the header's length in bytes
     * @param blockSize the plaintext bytes per block
     * @param tagLength the bytes each block adds
     */
    record SealedLayout(int headerLength, int blockSize, int tagLength) {

        /** Validates the sizes. */
        public SealedLayout {
            if (headerLength < 0 || blockSize <= 0 || tagLength < 0) {
                throw new IllegalArgumentException("layout " + headerLength + "/" + blockSize + "/" + tagLength);
            }
        }

        /** @return the number of blocks a plaintext of {@code plaintextLength} bytes is sealed in */
        public long blocks(long plaintextLength) {
            return (plaintextLength + blockSize - 1) / blockSize;
        }

        /** @return the length of the sealed form of a plaintext of {@code plaintextLength} bytes */
        public long sealedLength(long plaintextLength) {
            return headerLength + plaintextLength + blocks(plaintextLength) * tagLength;
        }

        /** @return the offset in the sealed form where block {@code block} starts */
        public long blockOffset(long block) {
            return headerLength + block * (blockSize + (long) tagLength);
        }

        /**
         * @param plaintextLength the whole plaintext's length
         * @param offset the first plaintext byte wanted
         * @param length the number of plaintext bytes wanted
         * @return the blocks holding them: the first block's index, and the sealed byte range to fetch
         */
        public BlockRange blocksFor(long plaintextLength, long offset, long length) {
            if (offset < 0 || length < 0 || offset + length > plaintextLength) {
                throw new IllegalArgumentException("range " + offset + "+" + length + " is outside a plaintext of "
                        + plaintextLength + " bytes");
            }
            if (length == 0) {
                return new BlockRange(0, 0, 0, 0);
            }
            long first = offset / blockSize;
            long last = (offset + length - 1) / blockSize;
            long end = last == blocks(plaintextLength) - 1 ? sealedLength(plaintextLength) : blockOffset(last + 1);
            return new BlockRange(first, last - first + 1, blockOffset(first), end - blockOffset(first));
        }
    }

    /**
     * Consecutive sealed blocks.
     *
     * @param firstBlock the index of the first block
     * @param count how many blocks
     * @param sealedOffset where they start in the sealed form
     * @param sealedLength how many sealed bytes they span
     */
    record BlockRange(long firstBlock, long count, long sealedOffset, long sealedLength) {
    }
}
