package io.albireo.asd.internal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/** An ASD's RocksDB opened directly, as the ASD opens it, for what a test must do behind the ASD's back. */
final class AsdDatabase {
    private AsdDatabase() {
    }

    /** What a test does with the database. */
    interface Work {
        void run(RocksDB db) throws RocksDBException;
    }

    /** What a test does with the database and its column family "meta". */
    interface MetaWork {
        void run(RocksDB db, ColumnFamilyHandle meta) throws RocksDBException;
    }

    /** Opens the RocksDB of the ASD at {@code root} (closed), runs the work on it, and closes it. */
    static void with(Path root, Work work) throws RocksDBException {
        withMeta(root, (db, meta) -> work.run(db));
    }

    /** As {@link #with}, handing the work the column family "meta" too (the long id, the sealed mark). */
    static void withMeta(Path root, MetaWork work) throws RocksDBException {
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (DBOptions options = new DBOptions();
                ColumnFamilyOptions cf = new ColumnFamilyOptions();
                RocksDB db = RocksDB.open(options, root.resolve("db").toString(),
                        List.of(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cf),
                                new ColumnFamilyDescriptor("meta".getBytes(StandardCharsets.UTF_8), cf)),
                        handles)) {
            try {
                work.run(db, handles.get(1));
            } finally {
                handles.forEach(ColumnFamilyHandle::close);
            }
        }
    }
}
