package io.albireo.object.layout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.albireo.api.Bytes;
import io.albireo.api.metadata.Manifest;

/**
 * One chunk, encoded: the values the manifest needs, and the k + m fragments (data first), each with its checksum.
 *
 * @param length the chunk's logical length
 * @param storedLength the length of its stored form (index region and sealed frames), before padding
 * @param fragmentLength the length of every fragment
 * @param fragments k data fragments then m parity fragments, each positioned at 0 with {@code fragmentLength} bytes
 * @param checksums the checksum of each fragment, by the pipeline's fragment checksum
 */
public record EncodedChunk(long length, long storedLength, int fragmentLength, List<ByteBuffer> fragments,
        List<Bytes> checksums) {

    /** Copies the lists. */
    public EncodedChunk {
        fragments = List.copyOf(fragments);
        checksums = List.copyOf(checksums);
        if (fragments.size() != checksums.size()) {
            throw new IllegalArgumentException(fragments.size() + " fragments but " + checksums.size() + " checksums");
        }
    }

    /**
     * @param osds the OSD holding each fragment, in fragment order ({@link Manifest.Fragment#NOT_WRITTEN} for none)
     * @return the manifest's entry for this chunk
     */
    public Manifest.Chunk manifestChunk(int... osds) {
        if (osds.length != fragments.size()) {
            throw new IllegalArgumentException(fragments.size() + " fragments but " + osds.length + " OSDs");
        }
        List<Manifest.Fragment> list = new ArrayList<>(osds.length);
        for (int i = 0; i < osds.length; i++) {
            list.add(new Manifest.Fragment(osds[i], checksums.get(i)));
        }
        return new Manifest.Chunk(length, storedLength, fragmentLength, list);
    }
}
