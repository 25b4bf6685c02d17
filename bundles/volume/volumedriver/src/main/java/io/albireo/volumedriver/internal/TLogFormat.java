package io.albireo.volumedriver.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

import io.albireo.api.IntegrityException;

/**
 * The TLog's stored form, version 1 (docs/VOLUMES.md, docs/FORMATS.md): a header and then records, all of
 * {@link #RECORD} bytes, each with its own CRC32C, so that a file cut anywhere (a crash while it was appended) is read
 * up to its last whole, valid record. Local TLog files and the TLog objects on the backend are the same bytes.
 *
 * <pre>
 *   header: 8 bytes "ALBITLOG", u16 version (1), u16 record size (32), u32 cluster size, u64 TLog number,
 *           u32 0, u32 CRC32C of the 28 bytes before it
 *   record: u8 type (1 write, 2 trim), u8 0, u16 0, u32 data CRC32C (writes), u64 cluster, u64 value (a write's
 *           packed SCO location, a trim's cluster count), u32 0, u32 CRC32C of the 28 bytes before it
 * </pre>
 *
 * Integers are big-endian.
 */
final class TLogFormat {
    /** The format version this code writes and reads. */
    static final int VERSION = 1;
    /** The size of the header and of every record. */
    static final int RECORD = 32;
    private static final byte[] MAGIC = "ALBITLOG".getBytes(StandardCharsets.US_ASCII);

    private TLogFormat() {
    }

    /** @return the header of TLog {@code number} */
    static ByteBuffer header(long number, int clusterSize) {
        ByteBuffer b = ByteBuffer.allocate(RECORD).put(MAGIC).putShort((short) VERSION).putShort((short) RECORD)
                .putInt(clusterSize).putLong(number).putInt(0);
        return seal(b);
    }

    /** Appends a record to {@code out}. */
    static void put(ByteBuffer out, TLogRecord r) {
        int start = out.position();
        out.put((byte) r.type()).put((byte) 0).putShort((short) 0).putInt(r.dataCrc()).putLong(r.cluster())
                .putLong(r.value()).putInt(0);
        out.putInt(crc(out, start));
    }

    /**
     * Checks a TLog's header.
     *
     * @param what the TLog, for messages
     * @throws IntegrityException if it is not a TLog of this version, of this number and cluster size, intact
     */
    static void checkHeader(ByteBuffer b, long number, int clusterSize, String what) {
        if (b.remaining() < RECORD) {
            throw new IntegrityException(what + ": " + b.remaining() + " bytes, shorter than a TLog header");
        }
        int start = b.position();
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IntegrityException(what + " is not a TLog: it does not start with ALBITLOG");
        }
        int version = b.getShort() & 0xffff;
        int size = b.getShort() & 0xffff;
        int cluster = b.getInt();
        long n = b.getLong();
        b.getInt();
        int stored = b.getInt();
        if (stored != crc(b.duplicate().position(start + RECORD - 4), start)) {
            throw new IntegrityException(what + ": its header fails its checksum");
        }
        if (version != VERSION || size != RECORD) {
            throw new IntegrityException(what + " is TLog format version " + version + " (records of " + size
                    + " bytes); this volume driver reads version " + VERSION);
        }
        if (n != number || cluster != clusterSize) {
            throw new IntegrityException(what + " says it is TLog " + n + " of a vDisk with clusters of " + cluster
                    + " bytes, not TLog " + number + " with " + clusterSize);
        }
    }

    /**
     * Reads the record at the buffer's position, advancing it.
     *
     * @return the record, or null if it fails its checksum or is of an unknown type (a torn tail)
     */
    static TLogRecord next(ByteBuffer b) {
        int start = b.position();
        int type = b.get() & 0xff;
        b.get();
        b.getShort();
        int dataCrc = b.getInt();
        long cluster = b.getLong();
        long value = b.getLong();
        b.getInt();
        int stored = b.getInt();
        if (stored != crc(b.duplicate().position(start + RECORD - 4), start)
                || type != TLogRecord.WRITE && type != TLogRecord.TRIM) {
            return null;
        }
        if (type == TLogRecord.WRITE && (value >>> 24) == 0) {
            return null;
        }
        return new TLogRecord(type, cluster, value, dataCrc);
    }

    /** Puts the CRC32C of the 28 bytes from {@code start} after them; returns the sealed buffer, flipped. */
    private static ByteBuffer seal(ByteBuffer b) {
        b.putInt(crc(b, 0));
        return b.flip();
    }

    /** @return the CRC32C of the bytes from {@code start} to the buffer's position */
    private static int crc(ByteBuffer b, int start) {
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().limit(b.position()).position(start));
        return (int) crc.getValue();
    }
}
