package io.albireo.volumedriver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.volume.VPoolConfig;
import io.albireo.testing.golden.GoldenFile;

/**
 * The volume driver's other stored forms, version 1, pinned by golden files: an LBA map entry (key and value), and the
 * registry's vPool and vDisk records in the metadata store. The encoders must still write exactly those bytes and the
 * decoders read them; a flipped bit in a record is an error.
 */
class VolumeRecordsGoldenTest {
    private static final VolumeRegistry.PoolRecord POOL = new VolumeRegistry.PoolRecord(
            VPoolConfig.of("pool").withPreset("fast").withScoSize(1 << 20), 2);
    private static final VolumeRegistry.DiskRecord DISK = new VolumeRegistry.DiskRecord("disk1", "pool", 7, 1L << 30,
            "appliance-1");

    @TempDir
    Path dir;

    private final VolumeRegistry registry = new VolumeRegistry(null);

    @Test
    void theLbaMapEntryIsStillWrittenAndRead() {
        byte[] key = LbaMap.key(7, 0x0102030405L);
        byte[] value = LbaMap.value(new ScoLocation(3, 5).packed(), 0x11223344);
        byte[] both = ByteBuffer.allocate(key.length + value.length).put(key).put(value).array();
        GoldenFile golden = GoldenFile.of("lba-map-v1-entry");
        golden.assertMatches(both, "LBA map v1: key (vDisk 7, cluster 0x0102030405), value (SCO 3, cluster 5,"
                + " CRC32C 11223344); docs/VOLUMES.md");
        byte[] stored = golden.bytes();
        try (LbaMap map = LbaMap.open(dir, LbaMap.Settings.DEFAULT)) {
            assertEquals(new LbaMap.Entry(new ScoLocation(3, 5), 0x11223344),
                    map.entry(java.util.Arrays.copyOfRange(stored, 12, 24), 7, 0x0102030405L));
            assertThrows(IntegrityException.class, () -> map.entry(new byte[11], 7, 1), "a value of another length");
        }
    }

    @Test
    void theRegistryRecordsAreStillWrittenAndRead() {
        GoldenFile pool = GoldenFile.of("volume-registry-v1-vpool");
        pool.assertMatches(registry.encode(POOL).toByteArray(), "volume registry v1: " + POOL);
        assertEquals(POOL, registry.decode(Bytes.adopt(pool.bytes()), VolumeRegistry.PoolRecord.class));
        GoldenFile disk = GoldenFile.of("volume-registry-v1-vdisk");
        disk.assertMatches(registry.encode(DISK).toByteArray(), "volume registry v1: " + DISK);
        assertEquals(DISK, registry.decode(Bytes.adopt(disk.bytes()), VolumeRegistry.DiskRecord.class));
        byte[] flipped = disk.bytes();
        flipped[5] ^= 1;
        assertThrows(IntegrityException.class, () -> registry.decode(Bytes.adopt(flipped),
                VolumeRegistry.DiskRecord.class));
    }
}
