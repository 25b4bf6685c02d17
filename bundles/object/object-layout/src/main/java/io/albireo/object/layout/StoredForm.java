package io.albireo.object.layout;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Cipher.SealedLayout;
import io.albireo.api.codec.CompressedForm;
import io.albireo.api.metadata.Manifest;

/**
 * The geometry of one chunk's stored form, all derived from the pipeline and the manifest's chunk, so a reader knows
 * where every part lies before it fetches a byte:
 *
 * <pre>
 *   index region   version (1 byte) | block size (u32) | block count n (u32) | n + 1 frame offsets in S (u32 each)
 *   sealed region  cipher.encrypt(key, S, SEAL_BLOCK), S = frame 0 | frame 1 | ... | frame n-1
 *   frame i        crc32c(i as u32 | plaintext of block i) (u32) | CompressedForm of block i
 * </pre>
 *
 * All integers are big-endian. The stored form is padded with zeros to k x fragmentLength.
 */
final class StoredForm {
    static final int VERSION = 1;
    /** Version, block size, block count. */
    static final int INDEX_HEADER = 9;
    /** The plaintext bytes per sealed block: small, so a partial read decrypts little. */
    static final int SEAL_BLOCK = 4096;
    static final int CRC_LENGTH = 4;

    final int k;
    final int m;
    final int blockSize;
    final long length;
    final int blocks;
    final int indexLength;
    final SealedLayout sealed;
    /** The length of S, the frames before sealing. */
    final long framesLength;
    final long storedLength;
    final int fragmentLength;

    private StoredForm(int k, int m, int blockSize, long length, SealedLayout sealed, long framesLength,
            long storedLength, int fragmentLength) {
        this.k = k;
        this.m = m;
        this.blockSize = blockSize;
        this.length = length;
        this.blocks = blockCount(length, blockSize);
        this.indexLength = indexLength(blocks);
        this.sealed = sealed;
        this.framesLength = framesLength;
        this.storedLength = storedLength;
        this.fragmentLength = fragmentLength;
    }

    /**
     * @throws IllegalArgumentException if the chunk's lengths cannot be those of a stored form of this pipeline
     */
    static StoredForm of(Pipeline p, Manifest.Chunk chunk) {
        int k = p.erasure().k();
        int m = p.erasure().m();
        if (chunk.fragments().size() != k + m) {
            throw new IllegalArgumentException("the chunk has " + chunk.fragments().size() + " fragments; RS(" + k
                    + "," + m + ") makes " + (k + m));
        }
        SealedLayout layout = p.cipher().layout(SEAL_BLOCK);
        int blocks = blockCount(chunk.length(), p.blockSize());
        long sealedLength = chunk.storedLength() - indexLength(blocks);
        long framesLength = framesLength(layout, sealedLength);
        if (framesLength < 0 || (long) k * chunk.fragmentLength() < chunk.storedLength()) {
            throw new IllegalArgumentException("chunk of " + chunk.length() + " bytes: stored length "
                    + chunk.storedLength() + " and fragment length " + chunk.fragmentLength() + " do not fit "
                    + p.cipher().name() + ", RS(" + k + "," + m + ") and blocks of " + p.blockSize());
        }
        return new StoredForm(k, m, p.blockSize(), chunk.length(), layout, framesLength, chunk.storedLength(),
                chunk.fragmentLength());
    }

    static int blockCount(long length, int blockSize) {
        long n = (length + blockSize - 1) / blockSize;
        if (n > (Integer.MAX_VALUE - INDEX_HEADER) / 4 - 1) {
            throw new IllegalArgumentException(length + " bytes in blocks of " + blockSize + " are too many blocks");
        }
        return (int) n;
    }

    static int indexLength(int blocks) {
        return INDEX_HEADER + 4 * (blocks + 1);
    }

    /** The inverse of {@link SealedLayout#sealedLength}: the plaintext length, or -1 if none seals to that length. */
    static long framesLength(SealedLayout layout, long sealedLength) {
        long body = sealedLength - layout.headerLength();
        if (body < 0) {
            return -1;
        }
        long per = (long) layout.blockSize() + layout.tagLength();
        long rest = body % per;
        long plain = body / per * layout.blockSize() + (rest == 0 ? 0 : rest - layout.tagLength());
        return plain >= 0 && layout.sealedLength(plain) == sealedLength ? plain : -1;
    }

    /** @return the length of block {@code block} */
    int blockLength(int block) {
        return (int) Math.min(blockSize, length - (long) block * blockSize);
    }

    /** @return where index entry {@code i} (the offset of frame i in S) lies in the stored form */
    static long entryOffset(int i) {
        return INDEX_HEADER + 4L * i;
    }

    /** Checks the index region's header against what the manifest and the pipeline say. */
    void checkIndexHeader(ByteBuffer stored) {
        int version = stored.get(0) & 0xff;
        int size = stored.getInt(1);
        int count = stored.getInt(5);
        if (version != VERSION || size != blockSize || count != blocks) {
            throw new IntegrityException("index region says version " + version + ", blocks of " + size + ", " + count
                    + " blocks; expected version " + VERSION + ", blocks of " + blockSize + ", " + blocks + " blocks");
        }
    }

    /**
     * Reads frame offsets from index entries, checking they are ascending and inside S, so that a corrupt entry is
     * refused here rather than fetched.
     *
     * @param entries the index entries from {@code first}, at its position
     * @param count how many to read
     */
    long[] offsets(ByteBuffer entries, int first, int count) {
        long[] offsets = new long[count];
        long previous = 0;
        for (int i = 0; i < count; i++) {
            long offset = Integer.toUnsignedLong(entries.getInt(entries.position() + 4 * i));
            long least = (first + i) == 0 ? 0 : previous;
            if (offset > framesLength || offset < least || (first + i == blocks && offset != framesLength)
                    || (first + i == 0 && offset != 0)) {
                throw new IntegrityException("index entry " + (first + i) + " is " + offset + ": not a frame offset in "
                        + framesLength + " bytes of frames");
            }
            if (i > 0 && offset - previous < CRC_LENGTH + 2) {
                throw new IntegrityException("index entries " + (first + i - 1) + " and " + (first + i)
                        + " give a frame of " + (offset - previous) + " bytes");
            }
            offsets[i] = offset;
            previous = offset;
        }
        return offsets;
    }

    static int crc(int block, ByteBuffer plaintext) {
        CRC32C crc = new CRC32C();
        // The block's index is in the checksum, so an index entry that points at another (valid) frame fails too.
        crc.update(new byte[] {(byte) (block >>> 24), (byte) (block >>> 16), (byte) (block >>> 8), (byte) block});
        crc.update(plaintext.duplicate());
        return (int) crc.getValue();
    }

    /**
     * Verifies and decompresses one frame into {@code out}.
     *
     * @param p the pipeline, for its compressor
     * @param frame the frame's bytes, position to limit; does not move
     * @param block the frame's block index
     * @throws IntegrityException if the frame is malformed, not of that block, or its checksum fails
     */
    void decodeFrame(Pipeline p, ByteBuffer frame, int block, ByteBuffer out) {
        int expected = blockLength(block);
        ByteBuffer form = frame.duplicate();
        form.position(form.position() + CRC_LENGTH);
        // Checked before decompressing, so a corrupt header cannot make the compressor allocate much.
        int claimed = CompressedForm.header(p.compressor().name(), form).originalLength();
        if (claimed != expected) {
            throw new IntegrityException("frame of block " + block + " holds " + claimed + " bytes; the block has "
                    + expected);
        }
        ByteBuffer plain = p.compressor().decompress(form);
        int crc = frame.getInt(frame.position());
        if (plain.remaining() != expected || crc(block, plain) != crc) {
            throw new IntegrityException("block " + block + " failed its crc32c: changed bytes, or an index entry"
                    + " pointing at another frame");
        }
        out.put(plain);
    }
}
