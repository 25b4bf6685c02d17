package io.albireo.object.layout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.StorageException;
import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.Digest;
import io.albireo.api.codec.ErasureCode;
import io.albireo.api.metadata.Manifest;

/**
 * Encodes a chunk into its fragments, decodes it from whole fragments, and rebuilds lost fragments. The format is in
 * docs/OBJECT-LAYOUT.md and {@link StoredForm}. Stateless and thread-safe.
 */
public final class ChunkLayout {
    /**
     * Early abort: after this many blocks in a row that the compressor could not shrink (media, archives, ciphertext),
     * the next {@link #EARLY_ABORT_SKIP} are stored raw without trying, then it tries again. On incompressible data
     * the compressor runs on 1 block in 8; a chunk that turns compressible loses at most 224 KiB of it. Readers see
     * ordinary raw frames, so the format does not change.
     */
    static final int EARLY_ABORT_RUN = 8;
    static final int EARLY_ABORT_SKIP = 56;

    private ChunkLayout() {
    }

    /**
     * @param p the object's algorithms; needs the key unless the cipher is "none"
     * @param chunk the chunk's bytes, position to limit; does not move
     * @return the fragments and what the manifest records of them
     */
    public static EncodedChunk encode(Pipeline p, ByteBuffer chunk) {
        int length = chunk.remaining();
        int blocks = StoredForm.blockCount(length, p.blockSize());
        int indexLength = StoredForm.indexLength(blocks);
        // A block stored raw has no form of its own (null): its frame is written from the chunk straight into the
        // stored form, as are all frames when the cipher seals in place. A put then copies each byte once.
        ByteBuffer[] forms = new ByteBuffer[blocks];
        int[] crcs = new int[blocks];
        long framesLength = 0;
        int incompressible = 0;
        int skip = 0;
        for (int i = 0; i < blocks; i++) {
            ByteBuffer block = block(chunk, i, p.blockSize());
            crcs[i] = StoredForm.crc(i, block);
            if (skip > 0) {
                skip--;
            } else {
                ByteBuffer form = p.compressor().compress(block, p.compressionLevel());
                if (CompressedForm.header(p.compressor().name(), form).compressed()) {
                    forms[i] = form;
                    incompressible = 0;
                } else if (++incompressible == EARLY_ABORT_RUN) {
                    incompressible = 0;
                    skip = EARLY_ABORT_SKIP;
                }
            }
            int formLength = forms[i] != null ? forms[i].remaining() : CompressedForm.rawLength(block.remaining());
            framesLength += StoredForm.CRC_LENGTH + formLength;
        }
        long sealedLength = p.cipher().layout(StoredForm.SEAL_BLOCK).sealedLength(framesLength);
        if (indexLength + sealedLength > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a chunk of " + length + " bytes makes " + framesLength
                    + " bytes of frames; a stored form must fit a buffer");
        }
        int k = p.erasure().k();
        int m = p.erasure().m();
        long storedLength = indexLength + sealedLength;
        long fragmentLength = Math.max(1, (storedLength + k - 1) / k);
        if (fragmentLength * k > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a stored form of " + storedLength + " bytes does not fit a buffer");
        }
        ByteBuffer stored = ByteBuffer.allocate((int) fragmentLength * k);
        stored.put((byte) StoredForm.VERSION).putInt(p.blockSize()).putInt(blocks);
        // The frames go where the sealed form will be: a cipher that seals in place ("none") returns them as they
        // are, and any other's output is copied over them. The index gets each frame's offset as it is written.
        ByteBuffer frames = stored.slice(indexLength, (int) framesLength);
        for (int i = 0; i < blocks; i++) {
            stored.putInt(frames.position());
            frames.putInt(crcs[i]);
            if (forms[i] != null) {
                frames.put(forms[i]);
            } else {
                CompressedForm.putRaw(frames, block(chunk, i, p.blockSize()));
            }
        }
        stored.putInt(frames.position());
        frames.flip();
        ByteBuffer sealed = p.cipher().encrypt(p.key(), frames, StoredForm.SEAL_BLOCK);
        if (sealed.remaining() != sealedLength) {
            throw new IllegalStateException(p.cipher().name() + " sealed " + framesLength + " bytes into "
                    + sealed.remaining() + ", its layout says " + sealedLength);
        }
        if (!sameBytes(sealed, stored, indexLength)) {
            stored.put(indexLength, sealed, sealed.position(), sealed.remaining());
        }
        stored.clear();
        ByteBuffer[] data = slices(stored, k, (int) fragmentLength);
        ByteBuffer[] parity = new ByteBuffer[m];
        for (int r = 0; r < m; r++) {
            parity[r] = ByteBuffer.allocate((int) fragmentLength);
        }
        p.erasure().encode(data, parity);
        List<ByteBuffer> fragments = new ArrayList<>(k + m);
        List<Bytes> checksums = new ArrayList<>(k + m);
        for (int i = 0; i < k + m; i++) {
            ByteBuffer f = i < k ? data[i] : parity[i - k];
            fragments.add(f);
            checksums.add(Bytes.of(p.fragmentChecksum().compute(f).toByteArray()));
        }
        return new EncodedChunk(length, storedLength, (int) fragmentLength, fragments, checksums);
    }

    /** @return block {@code i} of a chunk, as a view */
    private static ByteBuffer block(ByteBuffer chunk, int i, int blockSize) {
        int from = chunk.position() + i * blockSize;
        return chunk.duplicate().position(from).limit(Math.min(chunk.limit(), from + blockSize));
    }

    /** @return whether {@code b} is the bytes of {@code buffer} from {@code offset} on, not a copy of them */
    private static boolean sameBytes(ByteBuffer b, ByteBuffer buffer, int offset) {
        return b.hasArray() && buffer.hasArray() && b.array() == buffer.array()
                && b.arrayOffset() + b.position() == buffer.arrayOffset() + offset;
    }

    /**
     * The whole chunk from whole fragments (null where missing); fragments whose checksum fails are treated as
     * missing.
     *
     * @param fragments k + m entries, each a whole fragment from position to limit; none moves
     * @return the chunk's bytes, positioned at 0
     * @throws IntegrityException if fewer than k fragments are good because some failed their checksum, or the good
     *         ones do not decode (naming the block)
     * @throws StorageException if fewer than k fragments are present
     */
    public static ByteBuffer decode(Pipeline p, Manifest.Chunk chunk, ByteBuffer[] fragments) {
        StoredForm form = StoredForm.of(p, chunk);
        ByteBuffer[] good = verified(p.fragmentChecksum(), chunk, form.k, form.m, fragments);
        ByteBuffer stored = ByteBuffer.allocate(form.k * form.fragmentLength);
        int[] missing = missing(good, form.k);
        ByteBuffer[] rebuilt = new ByteBuffer[missing.length];
        for (int w = 0; w < missing.length; w++) {
            rebuilt[w] = stored.duplicate().position(missing[w] * form.fragmentLength).slice()
                    .limit(form.fragmentLength);
        }
        if (missing.length > 0) {
            p.erasure().reconstruct(good, missing, rebuilt);
        }
        for (int j = 0; j < form.k; j++) {
            if (good[j] != null) {
                stored.put(j * form.fragmentLength, good[j], good[j].position(), form.fragmentLength);
            }
        }
        stored.limit((int) form.storedLength);
        return decodeStored(p, form, stored);
    }

    /** Decodes a stored form (no padding) into the chunk's bytes. */
    static ByteBuffer decodeStored(Pipeline p, StoredForm form, ByteBuffer stored) {
        form.checkIndexHeader(stored);
        long[] offsets = form.offsets(stored.duplicate().position((int) StoredForm.entryOffset(0)), 0,
                form.blocks + 1);
        ByteBuffer frames = p.cipher().decrypt(p.key(), stored.duplicate().position(form.indexLength));
        if (frames.remaining() != form.framesLength) {
            throw new IntegrityException("the sealed frames decrypt to " + frames.remaining() + " bytes, expected "
                    + form.framesLength);
        }
        ByteBuffer out = ByteBuffer.allocate((int) form.length);
        for (int i = 0; i < form.blocks; i++) {
            ByteBuffer frame = frames.duplicate();
            frame.limit(frame.position() + (int) offsets[i + 1]).position(frame.position() + (int) offsets[i]);
            form.decodeFrame(p, frame, i, out);
        }
        return out.flip();
    }

    /**
     * Repair: rebuilds the {@code wanted} fragments from at least k good whole fragments. Needs no key: fragments are
     * ciphertext.
     *
     * @param fragments k + m entries, null where missing; those whose checksum fails are not used
     * @param wanted the indices of the fragments to rebuild
     * @return one new buffer per wanted index, positioned at 0, each verified against the manifest's checksum
     * @throws IntegrityException if a rebuilt fragment does not match the manifest, or too few are good because some
     *         failed their checksum
     * @throws StorageException if fewer than k fragments are present
     */
    public static ByteBuffer[] rebuild(ErasureCode code, Checksum checksum, Manifest.Chunk chunk,
            ByteBuffer[] fragments, int[] wanted) {
        int k = code.k();
        int m = code.m();
        if (chunk.fragments().size() != k + m) {
            throw new IllegalArgumentException("the chunk has " + chunk.fragments().size() + " fragments; RS(" + k
                    + "," + m + ") makes " + (k + m));
        }
        ByteBuffer[] good = verified(checksum, chunk, k, m, fragments);
        ByteBuffer[] out = new ByteBuffer[wanted.length];
        for (int w = 0; w < wanted.length; w++) {
            out[w] = ByteBuffer.allocate(chunk.fragmentLength());
        }
        code.reconstruct(good, wanted, out);
        for (int w = 0; w < wanted.length; w++) {
            Digest expected = Digest.of(checksum.name(), chunk.fragments().get(wanted[w]).checksum().toByteArray());
            try {
                checksum.verify(out[w], expected);
            } catch (IntegrityException e) {
                throw new IntegrityException("rebuilt fragment " + wanted[w] + " does not match the manifest: "
                        + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * A fallback rewrite: the chunk's stored form from at least k good whole fragments, erasure-coded again by another
     * (k, m). The stored form does not depend on the code, so the chunk keeps its stored length, and the new fragments
     * read, decrypt and decompress as the old ones did. Needs no key: fragments are ciphertext.
     *
     * @param from the code the chunk was written with
     * @param to the code to write it with
     * @param fragments k + m entries of {@code from}, null where missing; those whose checksum fails are not used
     * @return the new fragments and their checksums (by {@code checksum})
     * @throws IntegrityException or StorageException as {@link #rebuild}
     */
    public static EncodedChunk recode(ErasureCode from, ErasureCode to, Checksum checksum, Manifest.Chunk chunk,
            ByteBuffer[] fragments) {
        int k = from.k();
        ByteBuffer[] good = verified(checksum, chunk, k, from.m(), fragments);
        int[] missing = missing(good, k);
        ByteBuffer[] rebuilt = new ByteBuffer[missing.length];
        for (int w = 0; w < missing.length; w++) {
            rebuilt[w] = ByteBuffer.allocate(chunk.fragmentLength());
        }
        if (missing.length > 0) {
            from.reconstruct(good, missing, rebuilt);
        }
        int k2 = to.k();
        long fragmentLength = Math.max(1, (chunk.storedLength() + k2 - 1) / k2);
        if (fragmentLength * k2 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a stored form of " + chunk.storedLength() + " bytes does not fit a"
                    + " buffer");
        }
        ByteBuffer stored = ByteBuffer.allocate((int) fragmentLength * k2);
        long left = chunk.storedLength();
        for (int j = 0, w = 0; j < k && left > 0; j++) {
            ByteBuffer f = good[j] != null ? good[j].duplicate() : rebuilt[w++].duplicate();
            if (good[j] == null) {
                f.position(0);
            }
            int n = (int) Math.min(left, chunk.fragmentLength());
            stored.put(f.limit(f.position() + n));
            left -= n;
        }
        stored.clear();
        ByteBuffer[] data = slices(stored, k2, (int) fragmentLength);
        ByteBuffer[] parity = new ByteBuffer[to.m()];
        for (int r = 0; r < parity.length; r++) {
            parity[r] = ByteBuffer.allocate((int) fragmentLength);
        }
        to.encode(data, parity);
        List<ByteBuffer> out = new ArrayList<>(k2 + parity.length);
        List<Bytes> checksums = new ArrayList<>(k2 + parity.length);
        for (int i = 0; i < k2 + parity.length; i++) {
            ByteBuffer f = i < k2 ? data[i] : parity[i - k2];
            out.add(f);
            checksums.add(Bytes.of(checksum.compute(f).toByteArray()));
        }
        return new EncodedChunk(chunk.length(), chunk.storedLength(), (int) fragmentLength, out, checksums);
    }

    /**
     * @return the fragments that are present, of the right length and match their checksum; null for the others
     * @throws StorageException or IntegrityException if fewer than k are good
     */
    static ByteBuffer[] verified(Checksum checksum, Manifest.Chunk chunk, int k, int m, ByteBuffer[] fragments) {
        if (fragments.length != k + m) {
            throw new IllegalArgumentException("RS(" + k + "," + m + ") has " + (k + m) + " fragments, got "
                    + fragments.length + " entries");
        }
        ByteBuffer[] good = new ByteBuffer[k + m];
        List<Integer> absent = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < k + m; i++) {
            ByteBuffer f = fragments[i];
            if (f == null) {
                absent.add(i);
                continue;
            }
            if (f.remaining() != chunk.fragmentLength()) {
                bad.add(i + " (" + f.remaining() + " bytes, not " + chunk.fragmentLength() + ")");
                continue;
            }
            Digest expected = Digest.of(checksum.name(), chunk.fragments().get(i).checksum().toByteArray());
            if (!checksum.compute(f).equals(expected)) {
                bad.add(i + " (" + checksum.name() + " mismatch)");
                continue;
            }
            good[i] = f;
            count++;
        }
        if (count < k) {
            String message = "RS(" + k + "," + m + ") needs " + k + " good fragments, has " + count + ": missing "
                    + absent + ", failed " + bad;
            throw bad.isEmpty() ? new StorageException(message) : new IntegrityException(message);
        }
        return good;
    }

    static int[] missing(ByteBuffer[] fragments, int k) {
        int n = 0;
        for (int j = 0; j < k; j++) {
            n += fragments[j] == null ? 1 : 0;
        }
        int[] missing = new int[n];
        for (int j = 0, w = 0; j < k; j++) {
            if (fragments[j] == null) {
                missing[w++] = j;
            }
        }
        return missing;
    }

    static ByteBuffer[] slices(ByteBuffer whole, int count, int length) {
        ByteBuffer[] slices = new ByteBuffer[count];
        for (int j = 0; j < count; j++) {
            slices[j] = whole.duplicate().position(j * length).limit((j + 1) * length).slice();
        }
        return slices;
    }
}
