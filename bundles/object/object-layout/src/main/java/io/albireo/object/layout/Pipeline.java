package io.albireo.object.layout;

import java.util.Objects;

import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.Cipher;
import io.albireo.api.codec.CipherKey;
import io.albireo.api.codec.Compressor;
import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.ErasureCode;

/**
 * The algorithms of one object, resolved.
 *
 * @param compressor compresses each block
 * @param compressionLevel the level, within {@code compressor.levels()}
 * @param cipher seals the frames
 * @param key the key; {@code null} when the cipher is "none", and for repair, which never decrypts
 * @param erasure the (k, m) code that makes the fragments
 * @param fragmentChecksum the checksum of each whole fragment, as recorded in the manifest
 * @param blockSize the logical bytes per block (the manifest's block size)
 */
public record Pipeline(Compressor compressor, int compressionLevel, Cipher cipher, CipherKey key, ErasureCode erasure,
        Checksum fragmentChecksum, int blockSize) {

    /** The default block size: a 4 KiB read touches one block, or two when unaligned. */
    public static final int DEFAULT_BLOCK_SIZE = 4096;

    /** Checks the fields. */
    public Pipeline {
        Objects.requireNonNull(compressor, "compressor");
        Objects.requireNonNull(cipher, "cipher");
        Objects.requireNonNull(erasure, "erasure");
        Objects.requireNonNull(fragmentChecksum, "fragmentChecksum");
        if (blockSize < 1 || blockSize > CompressedForm.MAX_ORIGINAL_LENGTH) {
            throw new IllegalArgumentException("block size " + blockSize + " is outside 1.."
                    + CompressedForm.MAX_ORIGINAL_LENGTH);
        }
        compressor.levels().check(compressor.name(), compressionLevel);
    }
}
