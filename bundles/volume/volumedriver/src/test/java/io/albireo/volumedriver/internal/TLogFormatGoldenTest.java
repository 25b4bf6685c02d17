package io.albireo.volumedriver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.albireo.api.IntegrityException;
import io.albireo.testing.golden.GoldenFile;

/**
 * The TLog, format version 1, pinned by a golden file: a header and three records (two writes and a trim), in
 * {@code src/test/resources/golden/tlog-v1.hex}. The encoder must still write exactly those bytes and the decoder must
 * still read them; a damaged record reads as the end of the log, a damaged header as an error.
 */
class TLogFormatGoldenTest {
    private static final List<TLogRecord> RECORDS = List.of(
            TLogRecord.write(7, new ScoLocation(3, 0), 0x11223344),
            TLogRecord.write(8, new ScoLocation(3, 1), 0x55667788),
            TLogRecord.trim(100, 256));

    private static byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(TLogFormat.RECORD * (1 + RECORDS.size()));
        b.put(TLogFormat.header(3, 4096));
        RECORDS.forEach(r -> TLogFormat.put(b, r));
        return b.array();
    }

    @Test
    void theEncoderStillWritesTheGoldenTLog() {
        GoldenFile.of("tlog-v1").assertMatches(encode(), "TLog v1: TLog 3 of a vDisk of 4 KiB clusters: "
                + RECORDS + "; docs/VOLUMES.md");
    }

    @Test
    void theGoldenTLogStillDecodes() {
        ByteBuffer b = ByteBuffer.wrap(GoldenFile.of("tlog-v1").bytes());
        TLogFormat.checkHeader(b.duplicate(), 3, 4096, "the golden TLog");
        b.position(TLogFormat.RECORD);
        for (TLogRecord r : RECORDS) {
            assertEquals(r, TLogFormat.next(b));
        }
        assertEquals(0, b.remaining());
    }

    @Test
    void aFlippedBitEndsTheLogOrFailsTheHeader() {
        byte[] bytes = encode();
        bytes[TLogFormat.RECORD * 2 + 9] ^= 1; // in the second record
        ByteBuffer b = ByteBuffer.wrap(bytes).position(TLogFormat.RECORD);
        assertEquals(RECORDS.get(0), TLogFormat.next(b));
        assertNull(TLogFormat.next(b), "the damaged record is where the log ends");
        byte[] header = encode();
        header[12] ^= 1; // the cluster size
        assertThrows(IntegrityException.class, () -> TLogFormat.checkHeader(ByteBuffer.wrap(header), 3, 4096, "t"));
        assertThrows(IntegrityException.class, () -> TLogFormat.checkHeader(ByteBuffer.wrap(encode()), 4, 4096, "t"),
                "another TLog's number");
    }
}
