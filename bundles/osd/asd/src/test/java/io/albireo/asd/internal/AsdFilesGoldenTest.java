package io.albireo.asd.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;

import io.albireo.api.IntegrityException;
import io.albireo.testing.golden.GoldenFile;

/**
 * Everything else the ASD stores, beside the values of {@link StoredValueTest}, pinned by golden files: the records of
 * RocksDB's column family "meta" (the long id, the segments' sealed mark), a segment file and a blob file. None of
 * them carries a version number of its own (the {@code v1} of the file names is their first layout), and only the
 * sealed mark a checksum of its own: a segment's and a blob's bytes are checked against the CRC32C of the version 1
 * pointer to them.
 */
class AsdFilesGoldenTest {
    private static final String LONG_ID = "6f1c2a3e-8b4d-4e5f-9a0b-1c2d3e4f5a6b";
    private static final long SEALED_MARK = 0x0102030405060708L;
    private static final ByteBuffer HELLO = ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII));
    private static final ByteBuffer WORLD = ByteBuffer.wrap("world!".getBytes(StandardCharsets.US_ASCII));
    private static final long BLOB_ID = 0x0201;
    private static final ByteBuffer BLOB = ByteBuffer.wrap("a blob's bytes, as they are".getBytes(
            StandardCharsets.US_ASCII));

    private static final GoldenFile META_LONG_ID = GoldenFile.of("asd-meta-v1-long-id");
    private static final GoldenFile META_LONG_ID_V0 = GoldenFile.of("asd-meta-v0-long-id");
    private static final GoldenFile META_SEALED_MARK = GoldenFile.of("asd-meta-v1-sealed-mark");
    private static final GoldenFile SEGMENT_FILE = GoldenFile.of("asd-segment-v1-file");
    private static final GoldenFile BLOB_FILE = GoldenFile.of("asd-blob-v1-file");

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- "meta": the long id ---------------------------------------------------------------------------------------

    @Test
    void theLongIdRecordIsWrittenAsItsGoldenFile() {
        META_LONG_ID.assertMatches(AsdStore.longIdRecord(LONG_ID), "ASD column family \"meta\", key \"long-id\": the"
                + " long id " + LONG_ID + "\nas a version 1 inline stored value: 0x11, the UTF-8 text, its CRC32C");
    }

    /** As first written, bare text: it still reads; every flipped bit of the new form and any other text fails. */
    @Test
    void theLongIdReadsInBothFormsAndAFlippedBitIsDetected() {
        assertEquals(LONG_ID, AsdStore.longIdOf(META_LONG_ID_V0.bytes()));
        assertEquals(LONG_ID, AsdStore.longIdOf(META_LONG_ID.bytes()));
        byte[] good = META_LONG_ID.bytes();
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            org.junit.jupiter.api.Assertions.assertThrows(io.albireo.api.IntegrityException.class,
                    () -> AsdStore.longIdOf(bad), "bit " + bit);
        }
        for (String wrong : new String[] {"", "not a uuid", LONG_ID.toUpperCase(), LONG_ID + " "}) {
            org.junit.jupiter.api.Assertions.assertThrows(io.albireo.api.IntegrityException.class,
                    () -> AsdStore.longIdOf(bytes(wrong)), wrong);
        }
    }

    /** A store writes its long id under "long-id", in the record's form, and reads the golden record as its id. */
    @Test
    void theLongIdRecordIsWhatAStoreWritesAndReads() throws RocksDBException {
        AtomicReference<String> made = new AtomicReference<>();
        try (AsdStore store = AsdStore.open(dir, AsdStore.Settings.DEFAULT)) {
            made.set(store.longId());
        }
        AsdDatabase.withMeta(dir, (db, meta) -> {
            assertArrayEquals(AsdStore.longIdRecord(made.get()), db.get(meta, bytes("long-id")));
            db.put(meta, bytes("long-id"), META_LONG_ID.bytes());
        });
        try (AsdStore store = AsdStore.open(dir, AsdStore.Settings.DEFAULT)) {
            assertEquals(LONG_ID, store.longId(), "the golden record read as the disk's long id");
        }
        AsdDatabase.withMeta(dir, (db, meta) -> db.put(meta, bytes("long-id"), META_LONG_ID_V0.bytes()));
        try (AsdStore store = AsdStore.open(dir, AsdStore.Settings.DEFAULT)) {
            assertEquals(LONG_ID, store.longId(), "the version 0 record read as the disk's long id");
        }
    }

    // ---- "meta": the segments' sealed mark -------------------------------------------------------------------------

    @Test
    void theSealedMarkRecordIsWrittenAsItsGoldenFile() {
        META_SEALED_MARK.assertMatches(AsdStore.sealedRecord(SEALED_MARK), "ASD column family \"meta\", key"
                + " \"segments-sealed-through\": the sealed mark 0102030405060708\n(a version 1 inline stored value)");
    }

    @Test
    void theSealedMarkRecordReadsFromItsGoldenFileAndAFlippedBitIsRefused() {
        byte[] raw = META_SEALED_MARK.bytes();
        assertEquals(SEALED_MARK, AsdStore.sealedMark(raw));
        for (int bit = 0; bit < raw.length * 8; bit++) {
            byte[] bad = raw.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(IntegrityException.class, () -> AsdStore.sealedMark(bad), "bit " + bit);
        }
    }

    /** The second start of a store records segment 0 sealed, under "segments-sealed-through", in the record's form. */
    @Test
    void aStoreRecordsItsSealedMarkInTheRecordsForm() throws RocksDBException {
        AsdStore.open(dir, AsdStore.Settings.DEFAULT).close();
        AsdStore.open(dir, AsdStore.Settings.DEFAULT).close();
        AsdDatabase.withMeta(dir, (db, meta) -> {
            byte[] raw = db.get(meta, bytes("segments-sealed-through"));
            assertArrayEquals(AsdStore.sealedRecord(0), raw);
            assertEquals(0, AsdStore.sealedMark(raw));
        });
    }

    // ---- a segment file --------------------------------------------------------------------------------------------

    private static Segments.Found nothingFound(boolean certain) {
        return new Segments.Found(certain, Map.of(), Map.of());
    }

    /**
     * Two values, "hello" and "world!", written into the first segment of an empty ASD: each at a 4 KiB-aligned
     * offset, the bytes as they are, nothing else in the file (written through the page cache; with direct I/O the
     * last value's block is padded with zeros to 4 KiB too).
     */
    @Test
    void aSegmentFileIsWrittenAsItsGoldenFile() throws IOException {
        Path folder = dir.resolve("segments");
        List<Segments.Placed> placed = new ArrayList<>();
        try (Segments segments = Segments.recover(folder, "golden", AsdStore.Settings.SEGMENT_BYTES, false, -1,
                nothingFound(true))) {
            placed.add(segments.write(HELLO.duplicate(), StoredValue.crc32c(HELLO)));
            placed.add(segments.write(WORLD.duplicate(), StoredValue.crc32c(WORLD)));
        }
        assertEquals(List.of(new Segments.Placed(0, 0, 5, StoredValue.crc32c(HELLO)),
                new Segments.Placed(0, 4096, 6, StoredValue.crc32c(WORLD))), placed);
        SEGMENT_FILE.assertMatches(Files.readAllBytes(folder.resolve("0000000000000000")), "ASD segment file"
                + " segments/0000000000000000: \"hello\" at offset 0, \"world!\" at offset 4096\n(no header, no"
                + " version; each value is checked against the crc32c of the pointer to it)");
    }

    @Test
    void aSegmentFileReadsFromItsGoldenFile() throws IOException {
        Path folder = dir.resolve("segments");
        Files.createDirectories(folder);
        Files.write(folder.resolve("0000000000000005"), SEGMENT_FILE.bytes());
        try (Segments segments = Segments.recover(folder, "golden", AsdStore.Settings.SEGMENT_BYTES, false, -1,
                nothingFound(false))) {
            assertEquals(HELLO, segments.read(5, 0, 5, false));
            assertEquals(WORLD, segments.read(5, 4096, 6, false));
            assertEquals(StoredValue.crc32c(WORLD), StoredValue.crc32c(segments.read(5, 4096, 6, false)));
        }
    }

    // ---- a blob file -----------------------------------------------------------------------------------------------

    @Test
    void aBlobFileIsWrittenAsItsGoldenFile() throws IOException {
        Path root = dir.resolve("blobs");
        BlobFiles blobs = new BlobFiles(root, false);
        try (FileChannel channel = blobs.write(BLOB_ID, BLOB.duplicate())) {
            assertEquals(BLOB.remaining(), channel.position());
        }
        assertEquals(root.resolve("02").resolve("0000000000000201"), blobs.path(BLOB_ID),
                "blobs/XX/ID: XX the id's second byte, ID its 16 hex digits");
        BLOB_FILE.assertMatches(Files.readAllBytes(blobs.path(BLOB_ID)), "ASD blob file blobs/02/0000000000000201:"
                + " the value's bytes, nothing else\n(no header, no version; checked against the crc32c of the"
                + " version 1 pointer to it)");
    }

    @Test
    void aBlobFileReadsFromItsGoldenFile() throws IOException {
        BlobFiles blobs = new BlobFiles(dir.resolve("blobs"), false);
        byte[] golden = BLOB_FILE.bytes();
        Files.write(dir.resolve("blobs").resolve("02").resolve("0000000000000201"), golden);
        assertEquals(BLOB, blobs.read(BLOB_ID, 0, golden.length, false));
        List<Long> ids = new ArrayList<>();
        blobs.forEach(ids::add, unknown -> {
            throw new AssertionError("not a blob: " + unknown);
        });
        assertEquals(List.of(BLOB_ID), ids);
        byte[] pointer = StoredValue.blob(BLOB_ID, golden.length, StoredValue.crc32c(ByteBuffer.wrap(golden)));
        assertEquals(StoredValue.crc32c(BLOB), StoredValue.contentsCrc(pointer));
    }
}
