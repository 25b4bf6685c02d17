package io.albireo.asd.internal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import io.albireo.api.IntegrityException;

/**
 * The ASD's RocksDB values: what a key holds, either its value inline or a pointer to a blob file. The first byte is
 * the format: its high nibble the version, its low nibble the kind. Version 1 ends every value with a CRC32C of all
 * the bytes before it, and a blob pointer also carries the CRC32C of the blob's contents, checked whenever a blob is
 * read whole:
 *
 * <pre>
 *   inline, v1:  0x11 | value bytes ...          | crc32c (4, BE) of the bytes before it
 *   blob, v1:    0x12 | blob id (8, BE) | length (8, BE) | contents crc32c (4, BE) | crc32c (4, BE) of the 21 before
 *   segment, v1: 0x13 | segment id (8, BE) | offset (8, BE) | length (8, BE) | contents crc32c (4, BE)
 *                     | crc32c (4, BE) of the 29 before
 *   inline, v0:  0x00 | value bytes ...          (no checksum; read, never written)
 *   blob, v0:    0x01 | blob id (8, BE) | length (8, BE)
 * </pre>
 *
 * Version 0 is what ASDs wrote before 2026-12; such values stay readable and are rewritten as version 1 when their key
 * is next written. The golden bytes are pinned in src/test/resources/golden/asd-value-v*.hex ({@code StoredValueTest}).
 */
final class StoredValue {
    static final byte V0_INLINE = 0x00;
    static final byte V0_BLOB = 0x01;
    static final byte V1_INLINE = 0x11;
    static final byte V1_BLOB = 0x12;
    static final byte V1_SEGMENT = 0x13;
    /** The length of a version 1 blob pointer. */
    static final int V1_BLOB_LENGTH = 25;
    /** The length of a version 1 segment pointer. */
    static final int V1_SEGMENT_LENGTH = 33;
    private static final int V0_BLOB_LENGTH = 17;
    private static final int CRC = 4;

    private StoredValue() {
    }

    /** @return the version 1 form of an inline value */
    static byte[] inline(ByteBuffer value) {
        int n = value.remaining();
        byte[] raw = new byte[1 + n + CRC];
        raw[0] = V1_INLINE;
        value.duplicate().get(raw, 1, n);
        putCrc(raw, 1 + n);
        return raw;
    }

    /** @return the version 1 form of a pointer to a blob of {@code length} bytes whose CRC32C is {@code contents} */
    static byte[] blob(long id, long length, int contents) {
        byte[] raw = ByteBuffer.allocate(V1_BLOB_LENGTH).put(V1_BLOB).putLong(id).putLong(length).putInt(contents)
                .array();
        putCrc(raw, V1_BLOB_LENGTH - CRC);
        return raw;
    }

    /** @return the version 1 form of a pointer to {@code length} bytes at {@code offset} of a segment file */
    static byte[] segment(long segment, long offset, long length, int contents) {
        byte[] raw = ByteBuffer.allocate(V1_SEGMENT_LENGTH).put(V1_SEGMENT).putLong(segment).putLong(offset)
                .putLong(length).putInt(contents).array();
        putCrc(raw, V1_SEGMENT_LENGTH - CRC);
        return raw;
    }

    /** @return the CRC32C of the bytes a buffer holds, which it leaves as it was */
    static int crc32c(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes.duplicate());
        return (int) crc.getValue();
    }

    /**
     * Checks a value read from RocksDB: a known format of the right length, and for version 1 its checksum.
     *
     * @throws IntegrityException if it fails, naming what failed; the caller adds where
     */
    static void verify(byte[] raw) {
        if (raw.length == 0) {
            throw new IntegrityException("an empty stored value");
        }
        switch (raw[0]) {
            case V1_INLINE -> {
                if (raw.length < 1 + CRC) {
                    throw new IntegrityException("a stored inline value of " + raw.length + " bytes is too short");
                }
                checkCrc(raw, raw.length - CRC);
            }
            case V1_BLOB -> {
                if (raw.length != V1_BLOB_LENGTH) {
                    throw new IntegrityException("a stored blob pointer of " + raw.length + " bytes, not "
                            + V1_BLOB_LENGTH);
                }
                checkCrc(raw, V1_BLOB_LENGTH - CRC);
            }
            case V1_SEGMENT -> {
                if (raw.length != V1_SEGMENT_LENGTH) {
                    throw new IntegrityException("a stored segment pointer of " + raw.length + " bytes, not "
                            + V1_SEGMENT_LENGTH);
                }
                checkCrc(raw, V1_SEGMENT_LENGTH - CRC);
            }
            case V0_INLINE -> {
                // no checksum in version 0
            }
            case V0_BLOB -> {
                if (raw.length != V0_BLOB_LENGTH) {
                    throw new IntegrityException("a stored version 0 blob pointer of " + raw.length + " bytes, not "
                            + V0_BLOB_LENGTH);
                }
                // One bit turns a version 1 inline value of 12 bytes (0x11) into this unchecked form (0x01): if its
                // checksum holds as that, it is that, flipped. (A true version 0 pointer fails this but for 2^-32.)
                byte[] asInline = raw.clone();
                asInline[0] = V1_INLINE;
                if (crcHolds(asInline, raw.length - CRC)) {
                    throw new IntegrityException("a stored inline value whose format byte was flipped to 0x01");
                }
            }
            default -> throw new IntegrityException(String.format("a stored value of unknown format 0x%02x", raw[0]));
        }
    }

    /** @return whether a verified value holds its bytes inline */
    static boolean isInline(byte[] raw) {
        return raw[0] == V1_INLINE || raw[0] == V0_INLINE;
    }

    /** @return whether a verified value points to a blob file of its own */
    static boolean isBlob(byte[] raw) {
        return raw[0] == V1_BLOB || raw[0] == V0_BLOB;
    }

    /** @return the blob a verified pointer points to */
    static long blobId(byte[] raw) {
        return ByteBuffer.wrap(raw, 1, 8).getLong();
    }

    /** @return whether a verified value points into a segment file */
    static boolean isSegment(byte[] raw) {
        return raw[0] == V1_SEGMENT;
    }

    /** @return the segment a verified segment pointer points into */
    static long segmentId(byte[] raw) {
        return ByteBuffer.wrap(raw, 1, 8).getLong();
    }

    /** @return where in its segment the value a verified segment pointer points to starts */
    static long segmentOffset(byte[] raw) {
        return ByteBuffer.wrap(raw, 9, 8).getLong();
    }

    /** @return the length of the value a verified stored value holds or points to */
    static long valueLength(byte[] raw) {
        return switch (raw[0]) {
            case V1_INLINE -> raw.length - 1 - CRC;
            case V0_INLINE -> raw.length - 1;
            case V1_SEGMENT -> ByteBuffer.wrap(raw, 17, 8).getLong();
            default -> ByteBuffer.wrap(raw, 9, 8).getLong();
        };
    }

    /** @return a verified inline value's bytes, without copying */
    static ByteBuffer inlineValue(byte[] raw) {
        return ByteBuffer.wrap(raw, 1, (int) valueLength(raw)).slice();
    }

    /** @return whether a verified pointer carries the CRC32C of what it points to (version 1) */
    static boolean hasContentsCrc(byte[] raw) {
        return raw[0] == V1_BLOB || raw[0] == V1_SEGMENT;
    }

    /** @return the CRC32C of the value a verified version 1 pointer points to */
    static int contentsCrc(byte[] raw) {
        return ByteBuffer.wrap(raw, raw[0] == V1_SEGMENT ? 25 : 17, 4).getInt();
    }

    private static void putCrc(byte[] raw, int end) {
        CRC32C crc = new CRC32C();
        crc.update(raw, 0, end);
        ByteBuffer.wrap(raw, end, CRC).putInt((int) crc.getValue());
    }

    private static boolean crcHolds(byte[] raw, int end) {
        CRC32C crc = new CRC32C();
        crc.update(raw, 0, end);
        return ByteBuffer.wrap(raw, end, CRC).getInt() == (int) crc.getValue();
    }

    private static void checkCrc(byte[] raw, int end) {
        CRC32C crc = new CRC32C();
        crc.update(raw, 0, end);
        int stored = ByteBuffer.wrap(raw, end, CRC).getInt();
        if (stored != (int) crc.getValue()) {
            throw new IntegrityException(String.format("a stored value's checksum is %08x, its bytes give %08x",
                    stored, (int) crc.getValue()));
        }
    }
}
