package io.albireo.volumedriver.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import io.albireo.api.IntegrityException;
import io.albireo.api.StorageException;

/**
 * The LBA maps of one vPool's vDisks, on disk in RocksDB, so that no map has to fit in memory: cluster -> where it
 * lives and its CRC32C. The TLogs are the map's log: map writes skip RocksDB's WAL, and a checkpoint per vDisk (flush
 * the memtables, then record synced which TLog to replay from) bounds what a start replays. The heap holds none of
 * it; RocksDB's memory is bounded by its memtables and one block cache shared by every vDisk of the vPool.
 *
 * <p>Keys: u32 vDisk id, u64 cluster (big-endian, so a vDisk's clusters are in order). Values: u64 packed
 * {@link ScoLocation}, u32 CRC32C of the cluster; version 1, checked on read (a value of another length is damage). In
 * column family "meta": u32 vDisk id -> u64 the first TLog to replay at the next start.
 */
final class LbaMap implements AutoCloseable {
    /** A map value's size. */
    static final int VALUE = 12;

    static {
        // Before any field's RocksDB object (the write options below) is made.
        RocksDB.loadLibrary();
    }
    private static final int KEY = 12;

    /**
     * A cluster's entry.
     *
     * @param location where it lives
     * @param crc the CRC32C of its bytes
     */
    record Entry(ScoLocation location, int crc) {
    }

    /**
     * The sizes RocksDB's memory is bounded by.
     *
     * @param memtableBytes one memtable's size (two per column family at most)
     * @param blockCacheBytes the block cache shared by the map's readers
     */
    record Settings(long memtableBytes, long blockCacheBytes) {
        /** 16 MiB memtables and a 32 MiB block cache. */
        static final Settings DEFAULT = new Settings(16L << 20, 32L << 20);
    }

    private final Path dir;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final LRUCache cache;
    private final BloomFilter bloom;
    private final RocksDB db;
    private final ColumnFamilyHandle data;
    private final ColumnFamilyHandle meta;
    private final WriteOptions unlogged = new WriteOptions().setDisableWAL(true);
    private final WriteOptions synced = new WriteOptions().setSync(true);
    private final ReadOptions reads = new ReadOptions();

    private LbaMap(Path dir, Settings settings) throws RocksDBException, IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        cache = new LRUCache(settings.blockCacheBytes());
        bloom = new BloomFilter(10);
        dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                .setMaxBackgroundJobs(2);
        cfOptions = new ColumnFamilyOptions().setWriteBufferSize(settings.memtableBytes()).setMaxWriteBufferNumber(2)
                .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(bloom));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        db = RocksDB.open(dbOptions, dir.toString(), List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
                new ColumnFamilyDescriptor("meta".getBytes(java.nio.charset.StandardCharsets.US_ASCII), cfOptions)),
                handles);
        data = handles.get(0);
        meta = handles.get(1);
    }

    /**
     * Opens the maps in {@code dir}, creating them on first use.
     *
     * @throws StorageException if RocksDB cannot open them
     */
    static LbaMap open(Path dir, Settings settings) {
        try {
            return new LbaMap(dir, settings);
        } catch (RocksDBException | IOException e) {
            throw new StorageException("cannot open the LBA maps at " + dir + ": " + e.getMessage(), e);
        }
    }

    /** @return the entry of one cluster, if it was written */
    Optional<Entry> get(int vDisk, long cluster) {
        try {
            return Optional.ofNullable(db.get(data, reads, key(vDisk, cluster))).map(v -> entry(v, vDisk, cluster));
        } catch (RocksDBException e) {
            throw failure("read", e);
        }
    }

    /** @return the entries of {@code count} clusters from {@code first}, null where one was never written */
    List<Entry> get(int vDisk, long first, int count) {
        List<byte[]> keys = new ArrayList<>(count);
        List<ColumnFamilyHandle> families = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            keys.add(key(vDisk, first + i));
            families.add(data);
        }
        try {
            List<byte[]> values = db.multiGetAsList(reads, families, keys);
            List<Entry> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] v = values.get(i);
                out.add(v == null ? null : entry(v, vDisk, first + i));
            }
            return out;
        } catch (RocksDBException e) {
            throw failure("read", e);
        }
    }

    /** Applies TLog records in order: writes set clusters, trims remove them. Not synced: the TLog is the log. */
    void apply(int vDisk, List<TLogRecord> records) {
        try (WriteBatch batch = new WriteBatch()) {
            for (TLogRecord r : records) {
                if (r.type() == TLogRecord.WRITE) {
                    batch.put(data, key(vDisk, r.cluster()), value(r.value(), r.dataCrc()));
                } else {
                    batch.deleteRange(data, key(vDisk, r.cluster()), key(vDisk, r.cluster() + r.value()));
                }
            }
            db.write(unlogged, batch);
        } catch (RocksDBException e) {
            throw failure("write", e);
        }
    }

    /**
     * @return the runs of written clusters within {@code [first, first + count)}: pairs of first cluster and count, in
     *         order
     */
    List<long[]> written(int vDisk, long first, long count) {
        List<long[]> runs = new ArrayList<>();
        try (Slice end = new Slice(key(vDisk, first + count));
                ReadOptions bounded = new ReadOptions().setIterateUpperBound(end);
                RocksIterator it = db.newIterator(data, bounded)) {
            long[] run = null;
            for (it.seek(key(vDisk, first)); it.isValid(); it.next()) {
                long cluster = ByteBuffer.wrap(it.key()).getLong(4);
                if (run != null && run[0] + run[1] == cluster) {
                    run[1]++;
                } else {
                    run = new long[] {cluster, 1};
                    runs.add(run);
                }
            }
            it.status();
        } catch (RocksDBException e) {
            throw failure("list", e);
        }
        return runs;
    }

    /** @return the first TLog the next start of this vDisk replays (1 if none was checkpointed) */
    long replayFrom(int vDisk) {
        try {
            byte[] v = db.get(meta, id(vDisk));
            if (v == null) {
                return 1;
            }
            if (v.length != 8) {
                throw new IntegrityException("LBA map of vDisk " + vDisk + " at " + dir + ": its checkpoint is "
                        + v.length + " bytes, not 8");
            }
            return ByteBuffer.wrap(v).getLong();
        } catch (RocksDBException e) {
            throw failure("read", e);
        }
    }

    /** @return whether a checkpoint of this vDisk's map exists (else its map is empty or was lost) */
    boolean hasCheckpoint(int vDisk) {
        try {
            return db.get(meta, id(vDisk)) != null;
        } catch (RocksDBException e) {
            throw failure("read", e);
        }
    }

    /**
     * Makes every record applied so far durable in the map, then records synced that the next start replays from
     * TLog {@code next}: call it only once every record of the TLogs before {@code next} was applied.
     */
    void checkpoint(int vDisk, long next) {
        try (FlushOptions wait = new FlushOptions().setWaitForFlush(true)) {
            db.flush(wait, List.of(data));
            db.put(meta, synced, id(vDisk), ByteBuffer.allocate(8).putLong(next).array());
        } catch (RocksDBException e) {
            throw failure("checkpoint", e);
        }
    }

    /** Removes a vDisk's map and checkpoint (synced). */
    void drop(int vDisk) {
        try (WriteBatch batch = new WriteBatch()) {
            batch.deleteRange(data, key(vDisk, 0), key(vDisk + 1, 0));
            batch.delete(meta, id(vDisk));
            db.write(synced, batch);
        } catch (RocksDBException e) {
            throw failure("drop", e);
        }
    }

    @Override
    public void close() {
        reads.close();
        unlogged.close();
        synced.close();
        data.close();
        meta.close();
        db.close();
        dbOptions.close();
        cfOptions.close();
        bloom.close();
        cache.close();
    }

    /** @return a map value: the packed location, then the cluster's CRC32C */
    static byte[] value(long packedLocation, int crc) {
        return ByteBuffer.allocate(VALUE).putLong(packedLocation).putInt(crc).array();
    }

    /** @return a map key: the vDisk id, then the cluster */
    static byte[] key(int vDisk, long cluster) {
        return ByteBuffer.allocate(KEY).putInt(vDisk).putLong(cluster).array();
    }

    private static byte[] id(int vDisk) {
        return ByteBuffer.allocate(4).putInt(vDisk).array();
    }

    Entry entry(byte[] v, int vDisk, long cluster) {
        if (v.length != VALUE) {
            throw new IntegrityException("LBA map at " + dir + ": the entry of cluster " + cluster + " of vDisk " + vDisk
                    + " is " + v.length + " bytes, not " + VALUE);
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        long packed = b.getLong();
        if (packed >>> 24 == 0) {
            throw new IntegrityException("LBA map at " + dir + ": the entry of cluster " + cluster + " of vDisk " + vDisk
                    + " names no SCO");
        }
        return new Entry(ScoLocation.of(packed), b.getInt());
    }

    private StorageException failure(String what, RocksDBException e) {
        return new StorageException("the LBA maps at " + dir + " failed to " + what + ": " + e.getMessage(), e);
    }
}
