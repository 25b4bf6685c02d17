package io.albireo.nsm.internal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.metadata.NamespaceManager.OsdStatistics;

/**
 * The stored form of what one OSD holds of a namespace, under {@code u} + OSD (docs/MANIFEST.md), version 1: a version
 * byte, the fragment count and their bytes (8 bytes BE each), and the CRC32C (4 bytes BE) of the 17 bytes before it.
 * Fixed widths rather than varints: there is one such key per OSD and namespace, not per object, and a fixed length
 * is one more check. Versioned and checksummed where the older statistics record is not (docs/FORMATS.md).
 */
final class OsdCounter {
    static final byte VERSION = 1;
    static final int LENGTH = 1 + 8 + 8 + 4;

    private OsdCounter() {
    }

    static Bytes encode(OsdStatistics s) {
        byte[] out = ByteBuffer.allocate(LENGTH).put(VERSION).putLong(s.fragments()).putLong(s.bytes()).array();
        NsmKeys.putCrc32c(out, 0, LENGTH - 4);
        return Bytes.adopt(out);
    }

    /**
     * @throws IntegrityException if the checksum does not match, the version is another, the length is not
     *         {@link #LENGTH} or a count is negative
     */
    static OsdStatistics decode(Bytes value) {
        ByteBuffer in = value.asReadOnlyBuffer();
        int n = in.remaining();
        if (n < 1 + 4) {
            throw new IntegrityException("OSD statistics record: " + n + " bytes, too short");
        }
        CRC32C crc = new CRC32C();
        crc.update(in.duplicate().limit(in.position() + n - 4));
        int stored = in.getInt(in.position() + n - 4);
        if (stored != (int) crc.getValue()) {
            throw new IntegrityException(String.format("OSD statistics record: CRC32C mismatch (stored %08x,"
                    + " computed %08x)", stored, (int) crc.getValue()));
        }
        byte version = in.get();
        if (version != VERSION) {
            throw new IntegrityException("OSD statistics record: format version " + (version & 0xff) + ", expected "
                    + VERSION);
        }
        if (n != LENGTH) {
            throw new IntegrityException("OSD statistics record: " + n + " bytes, not " + LENGTH);
        }
        long fragments = in.getLong();
        long bytes = in.getLong();
        if (fragments < 0 || bytes < 0) {
            throw new IntegrityException("OSD statistics record: negative count (" + fragments + " fragments, "
                    + bytes + " bytes)");
        }
        return new OsdStatistics(fragments, bytes);
    }
}
