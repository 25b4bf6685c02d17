package io.albireo.api.metadata;

import java.util.List;
import java.util.Objects;

import io.albireo.api.Bytes;
import io.albireo.api.codec.Digest;

/**
 * Where and how one object is stored: its chunks, and per chunk the fragments and the OSDs that hold them. The
 * namespace manager keeps one per object name; {@link ManifestFormat} is its stored form.
 *
 * @param name the object's name
 * @param objectId the id of this version of the object (lowercase hex), new at every put: the fragments' keys on the
 *        OSDs carry it
 * @param version the manifest's version under this name, 1 for the first put, one more at every put after; set by
 *        the namespace manager when it stores the manifest (what a caller passes is ignored)
 * @param size the object's length in bytes
 * @param checksum the checksum of the object's bytes
 * @param policy the policy the object was written with
 * @param compressor the compressor's name
 * @param cipher the cipher's name
 * @param keyId the id of the encryption key ("" when the cipher is none): the key itself is never in metadata
 * @param fragmentChecksum the algorithm of the fragments' checksums
 * @param erasureCodec the erasure codec's name
 * @param blockSize the unit in which the object is compressed and encrypted independently, so a partial read
 *        decodes only the blocks it touches; 0 when a chunk is one block
 * @param chunks the chunks, in the object's order
 */
public record Manifest(String name, String objectId, long version, long size, Digest checksum, Policy policy,
        String compressor, String cipher, String keyId, String fragmentChecksum, String erasureCodec, int blockSize,
        List<Chunk> chunks) {

    /** Copies the list and checks the fields. */
    public Manifest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(objectId, "objectId");
        Objects.requireNonNull(checksum, "checksum");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(compressor, "compressor");
        Objects.requireNonNull(cipher, "cipher");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(fragmentChecksum, "fragmentChecksum");
        Objects.requireNonNull(erasureCodec, "erasureCodec");
        chunks = List.copyOf(chunks);
        if (size < 0 || version < 0 || blockSize < 0) {
            throw new IllegalArgumentException("negative size, version or block size in the manifest of " + name);
        }
        long sum = 0;
        for (Chunk c : chunks) {
            if (c.fragments().size() != policy.width()) {
                throw new IllegalArgumentException("a chunk of " + name + " has " + c.fragments().size()
                        + " fragments; policy " + policy + " needs " + policy.width());
            }
            sum += c.length();
        }
        if (sum != size) {
            throw new IllegalArgumentException("the chunks of " + name + " add up to " + sum + " bytes, not " + size);
        }
    }

    /** @return this manifest with another version (what the namespace manager does when it stores it) */
    public Manifest withVersion(long newVersion) {
        return new Manifest(name, objectId, newVersion, size, checksum, policy, compressor, cipher, keyId,
                fragmentChecksum, erasureCodec, blockSize, chunks);
    }

    /** @return the bytes stored on the OSDs for this object: every chunk's fragments that were written */
    public long storedBytes() {
        long bytes = 0;
        for (Chunk c : chunks) {
            for (Fragment f : c.fragments()) {
                if (f.written()) {
                    bytes += c.fragmentLength();
                }
            }
        }
        return bytes;
    }

    /**
     * One chunk: a piece of the object, compressed, encrypted and erasure-coded into {@code k + m} fragments of equal
     * length.
     *
     * @param length the chunk's length in the object
     * @param storedLength its length after compression and encryption, before erasure coding
     * @param fragmentLength the length of each of its fragments
     * @param fragments its k data fragments then its m parity fragments
     */
    public record Chunk(long length, long storedLength, int fragmentLength, List<Fragment> fragments) {
        /** Copies the list and checks the lengths. */
        public Chunk {
            fragments = List.copyOf(fragments);
            if (length < 0 || storedLength < 0 || fragmentLength < 0) {
                throw new IllegalArgumentException("negative length in a chunk");
            }
        }
    }

    /**
     * One fragment.
     * <p>
     * The generation is part of the fragment's key on its OSD. The object's put writes every fragment under
     * generation 0; maintenance writes a fragment it rebuilds or moves (repair, rebalancing) under a fresh random
     * nonzero one. So a key, once deleted, is never written again, and two agents racing to repair one object never
     * write the same key: the one that loses, cleaning up what it wrote, cannot delete the winner's fragment.
     *
     * @param osd the number of the OSD that holds it ({@link ClaimedOsd#number()}), or {@link #NOT_WRITTEN}
     * @param checksum its checksum, by the manifest's fragment checksum algorithm
     * @param generation 0 if the object's put wrote it, else the random nonzero generation maintenance rewrote it
     *        under; never negative
     */
    public record Fragment(int osd, Bytes checksum, long generation) {
        /** The OSD number of a fragment that is not (yet) written anywhere. */
        public static final int NOT_WRITTEN = -1;

        /** Checks the fields. */
        public Fragment {
            Objects.requireNonNull(checksum, "checksum");
            if (osd < NOT_WRITTEN) {
                throw new IllegalArgumentException("invalid OSD number " + osd);
            }
            if (generation < 0) {
                throw new IllegalArgumentException("negative fragment generation " + generation);
            }
        }

        /** A fragment of generation 0: as the object's put writes it. */
        public Fragment(int osd, Bytes checksum) {
            this(osd, checksum, 0);
        }

        /** @return whether it is on an OSD */
        public boolean written() {
            return osd != NOT_WRITTEN;
        }
    }
}
