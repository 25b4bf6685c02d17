package io.albireo.metadata.rocksdb.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.Assert;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.StorageException;
import io.albireo.api.Update;
import io.albireo.api.metadata.MetadataOperation;
import io.albireo.api.metadata.MetadataStore;
import io.albireo.api.metadata.MetadataTransaction;

/**
 * The embedded {@link MetadataStore}: one RocksDB with a synced WAL.
 *
 * <p>
 * Every mutation ({@link #apply} and {@link #execute}) is a command handed to one committer thread. It takes every
 * command waiting (up to {@link Settings#maxBatch()}), runs them in order, each against the committed state plus the
 * writes of the commands before it in the batch, drops the ones that fail together with their writes, writes the
 * survivors' writes as one {@link WriteBatch} with a synced WAL, and only then answers the callers. One thread running
 * the commands is what makes them serialisable; one fsync for many callers is what makes it fast.
 *
 * <p>
 * Reads from outside go to RocksDB directly and see committed data only; since a caller is answered only after its
 * commit, it reads its acknowledged writes.
 */
public final class RocksMetadataStore implements MetadataStore, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RocksMetadataStore.class);

    /** The longest key: metadata keys are names and ids, not data. */
    public static final int MAX_KEY = 4096;
    /** The longest value (and operation argument): manifests of large objects fit, data does not belong here. */
    public static final int MAX_VALUE = 8 << 20;
    /** The most asserts plus updates in one apply, so that one command cannot hold the committer for long. */
    public static final int MAX_ITEMS = 100_000;
    /** The longest operation name. */
    public static final int MAX_NAME = 256;

    static {
        RocksDB.loadLibrary();
    }

    /**
     * How a store is set up.
     *
     * @param maxBatch the most commands one commit takes
     */
    public record Settings(int maxBatch) {
        /** 1024 commands per commit. */
        public static final Settings DEFAULT = new Settings(1024);

        /** Checks the batch size. */
        public Settings {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch must be at least 1; got " + maxBatch);
            }
        }
    }

    /**
     * What {@code metadata:status} shows.
     *
     * @param path the RocksDB directory
     * @param estimatedKeys RocksDB's estimate of the number of keys
     * @param liveSstBytes the size of the live SST files
     * @param commits group commits written since the store opened
     * @param commands commands committed by them
     */
    public record Status(String path, long estimatedKeys, long liveSstBytes, long commits, long commands) {
        /** @return commands per commit, 0 before the first */
        public double meanBatch() {
            return commits == 0 ? 0 : (double) commands / commits;
        }
    }

    private final Path directory;
    private final Settings settings;
    private final Function<String, MetadataOperation> operations;
    private final BloomFilter bloom;
    private final Options options;
    private final WriteOptions synced;
    private final RocksDB db;
    private final BlockingQueue<Command> queue;
    private final Thread committer;
    /** Readers hold it shared, close exclusively: RocksDB must not be closed under a read. */
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;
    /** Set under the exclusive lock once RocksDB is freed; the committer checks it under the shared one. */
    private boolean released;
    /** Written by the committer only. */
    private volatile long commits;
    private volatile long commandsCommitted;

    private RocksMetadataStore(Path directory, Settings settings, Function<String, MetadataOperation> operations)
            throws IOException, RocksDBException {
        this.directory = directory;
        this.settings = Objects.requireNonNull(settings, "settings");
        this.operations = Objects.requireNonNull(operations, "operations");
        Files.createDirectories(directory);
        // Bloom filters (SST and memtable) make the gets of absent keys that every create does cheap; a larger
        // write buffer flushes less often under a put-heavy load. Durability is untouched: the WAL is still synced.
        bloom = new BloomFilter(10);
        options = new Options().setCreateIfMissing(true).setMaxBackgroundJobs(2)
                .setTableFormatConfig(new BlockBasedTableConfig().setFilterPolicy(bloom))
                .setMemtablePrefixBloomSizeRatio(0.05).setMemtableWholeKeyFiltering(true)
                .setWriteBufferSize(128L << 20).setMaxWriteBufferNumber(4);
        synced = new WriteOptions().setSync(true);
        try {
            db = RocksDB.open(options, directory.toString());
        } catch (RocksDBException e) {
            synced.close();
            options.close();
            bloom.close();
            throw e;
        }
        queue = new LinkedBlockingQueue<>(Math.max(settings.maxBatch() * 4, 64));
        committer = new Thread(this::commitLoop, "metadata-commit-" + directory.getFileName());
        committer.setDaemon(true);
        committer.start();
    }

    /**
     * Opens the store in {@code directory}, creating it on first use.
     *
     * @param operations the operation of a name, or {@code null} if none is registered under it
     * @throws StorageException if RocksDB cannot open it
     */
    public static RocksMetadataStore open(Path directory, Settings settings,
            Function<String, MetadataOperation> operations) {
        try {
            return new RocksMetadataStore(directory, settings, operations);
        } catch (IOException | RocksDBException e) {
            throw new StorageException("cannot open the metadata store at " + directory + ": " + e.getMessage(), e);
        }
    }

    /** @return the directory RocksDB lives in */
    public Path directory() {
        return directory;
    }

    // ---- reads: committed state only ---------------------------------------------------------------------------

    @Override
    public Optional<Bytes> get(Bytes key) {
        checkKey(key);
        return read(() -> Optional.ofNullable(db.get(key.toByteArray())).map(Bytes::adopt));
    }

    @Override
    public List<Optional<Bytes>> get(List<Bytes> keys) {
        if (keys.size() > MAX_ITEMS) {
            throw new IllegalArgumentException("a multi-get takes at most " + MAX_ITEMS + " keys; got " + keys.size());
        }
        List<byte[]> raw = new ArrayList<>(keys.size());
        for (Bytes k : keys) {
            checkKey(k);
            raw.add(k.toByteArray());
        }
        return read(() -> {
            List<byte[]> values = db.multiGetAsList(raw);
            List<Optional<Bytes>> result = new ArrayList<>(values.size());
            for (byte[] v : values) {
                result.add(Optional.ofNullable(v).map(Bytes::adopt));
            }
            return result;
        });
    }

    @Override
    public List<Entry> range(KeyRange range, int limit, boolean reverse) {
        checkRange(range, limit);
        return read(() -> merge(range, limit, reverse, new TreeMap<>()));
    }

    /** @return RocksDB's figures and the commit counters */
    public Status status() {
        return read(() -> new Status(directory.toString(), db.getLongProperty("rocksdb.estimate-num-keys"),
                db.getLongProperty("rocksdb.live-sst-files-size"), commits, commandsCommitted));
    }

    private interface Read<T> {
        T run() throws RocksDBException;
    }

    private <T> T read(Read<T> read) {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw stopping();
            }
            return read.run();
        } catch (RocksDBException e) {
            throw new StorageException("the metadata store at " + directory + " cannot read: " + e.getMessage(), e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * The entries of {@code range}: RocksDB's, with {@code overlay} on top (an empty value there is a delete), up to
     * {@code limit}, from the start of the range or, {@code reverse}, from its end backwards.
     */
    private List<Entry> merge(KeyRange range, int limit, boolean reverse,
            NavigableMap<Bytes, Optional<Bytes>> overlay) {
        List<Entry> out = new ArrayList<>(Math.min(limit, 1024));
        if (limit == 0 || (range.end() != null && range.end().equals(range.first()))) {
            return out;
        }
        NavigableMap<Bytes, Optional<Bytes>> window = range.end() == null ? overlay.tailMap(range.first(), true)
                : overlay.subMap(range.first(), true, range.end(), false);
        var pending = (reverse ? window.descendingMap() : window).entrySet().iterator();
        Map.Entry<Bytes, Optional<Bytes>> next = pending.hasNext() ? pending.next() : null;
        try (Slice lower = new Slice(range.first().toByteArray());
                Slice upper = range.end() == null ? null : new Slice(range.end().toByteArray());
                ReadOptions read = new ReadOptions().setIterateLowerBound(lower);
                RocksIterator it = db.newIterator(upper == null ? read : read.setIterateUpperBound(upper))) {
            if (reverse) {
                it.seekToLast();
            } else {
                it.seekToFirst();
            }
            while (out.size() < limit) {
                Bytes stored = it.isValid() ? Bytes.adopt(it.key()) : null;
                if (stored == null && next == null) {
                    break;
                }
                // Below zero: RocksDB's key comes first in the direction of travel.
                int order = stored == null ? 1 : next == null ? -1
                        : reverse ? next.getKey().compareTo(stored) : stored.compareTo(next.getKey());
                if (order < 0) {
                    out.add(new Entry(stored, Bytes.adopt(it.value())));
                    step(it, reverse);
                } else {
                    // The overlay wins over RocksDB for the same key.
                    if (order == 0) {
                        step(it, reverse);
                    }
                    if (next.getValue().isPresent()) {
                        out.add(new Entry(next.getKey(), next.getValue().get()));
                    }
                    next = pending.hasNext() ? pending.next() : null;
                }
            }
            it.status();
        } catch (RocksDBException e) {
            throw new StorageException("the metadata store at " + directory + " cannot read: " + e.getMessage(), e);
        }
        return out;
    }

    private static void step(RocksIterator it, boolean reverse) {
        if (reverse) {
            it.prev();
        } else {
            it.next();
        }
    }

    // ---- commands ------------------------------------------------------------------------------------------------

    @Override
    public void apply(List<Assert> asserts, List<Update> updates) {
        if (asserts.size() + updates.size() > MAX_ITEMS) {
            throw new IllegalArgumentException("an apply takes at most " + MAX_ITEMS + " asserts and updates; got "
                    + (asserts.size() + updates.size()));
        }
        for (Assert a : asserts) {
            checkKey(a.key());
            if (!a.requiresAbsent()) {
                checkValue(a.expected().remaining());
            }
        }
        for (Update u : updates) {
            checkKey(u.key());
            checkValue(u.length());
        }
        // Copies now: the caller's buffers may change once we return, and the committer must not read them later.
        List<Assert> a = List.copyOf(asserts);
        List<Bytes> keys = new ArrayList<>(updates.size());
        List<Optional<Bytes>> values = new ArrayList<>(updates.size());
        for (Update u : updates) {
            keys.add(u.key());
            values.add(u.isDelete() ? Optional.empty() : Optional.of(Bytes.copyOf(u.value())));
        }
        submit(new Command("apply", tx -> {
            for (int i = 0; i < a.size(); i++) {
                Assert check = a.get(i);
                Optional<Bytes> actual = tx.get(check.key());
                if (!check.holdsFor(actual.map(Bytes::asReadOnlyBuffer).orElse(null))) {
                    throw new AssertFailedException(i, check.key());
                }
            }
            for (int i = 0; i < keys.size(); i++) {
                tx.write(keys.get(i), values.get(i));
            }
            return Bytes.EMPTY;
        }));
    }

    @Override
    public Bytes execute(String operation, Bytes argument) {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(argument, "argument");
        if (operation.isEmpty() || operation.length() > MAX_NAME) {
            throw new IllegalArgumentException("an operation name has 1 to " + MAX_NAME + " characters; got "
                    + operation.length());
        }
        if (argument.length() > MAX_VALUE) {
            throw new IllegalArgumentException("an operation's argument is at most " + MAX_VALUE + " bytes; got "
                    + argument.length());
        }
        MetadataOperation op = operations.apply(operation);
        if (op == null) {
            throw new StorageException("metadata operation '" + operation + "' is not registered: no"
                    + " MetadataOperation service of that name runs here");
        }
        // Decoding on the caller's thread: the committer is the one thread every mutation waits for.
        Object prepared = op.prepare(argument);
        return submit(new Command(operation, tx -> {
            Bytes result = op.apply(tx, prepared);
            return result == null ? Bytes.EMPTY : result;
        }));
    }

    private Bytes submit(Command command) {
        if (closed) {
            throw stopping();
        }
        try {
            if (!queue.offer(command, 30, TimeUnit.SECONDS)) {
                throw new StorageException("the metadata store at " + directory + " is overloaded: its queue is full");
            }
            if (closed && queue.remove(command)) {
                // close() may have drained the queue already: answer rather than wait forever.
                throw stopping();
            }
            return command.done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while waiting for the metadata store", e);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    private static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof RuntimeException r) {
            // A fresh stack would hide where it failed; the committer's is the useful one.
            return r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new StorageException(String.valueOf(cause), cause);
    }

    private void commitLoop() {
        List<Command> batch = new ArrayList<>();
        while (!closed || !queue.isEmpty()) {
            try {
                Command first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, settings.maxBatch() - 1);
                // Shared with the reads: close() frees RocksDB only once no commit is using it.
                lifecycle.readLock().lock();
                try {
                    if (released) {
                        batch.forEach(c -> c.done.completeExceptionally(stopping()));
                    } else {
                        commit(batch);
                    }
                } finally {
                    lifecycle.readLock().unlock();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RocksDBException | RuntimeException | Error e) {
                LOG.error("metadata store {}: a commit of {} commands failed", directory, batch.size(), e);
                StorageException failure = new StorageException("the metadata store failed to commit: " + e, e);
                batch.forEach(c -> c.done.completeExceptionally(failure));
            } finally {
                batch.clear();
            }
        }
        for (Command c; (c = queue.poll()) != null;) {
            c.done.completeExceptionally(stopping());
        }
    }

    /**
     * One group commit: every command in order on the batch's view, one synced write, then the answers. The commands
     * write straight into the batch's hash map (one insertion per write, no ordering work) and a failed command's
     * writes are undone from a log; a sorted view exists only once a command reads a range. The write batch is
     * serialised in key order: deterministic, and RocksDB inserts sorted keys into its memtable much faster.
     */
    private void commit(List<Command> batch) throws RocksDBException {
        Overlay written = new Overlay();
        List<Command> accepted = new ArrayList<>(batch.size());
        List<Bytes> results = new ArrayList<>(batch.size());
        for (Command c : batch) {
            View view = new View(written);
            try {
                results.add(c.body.run(view));
                accepted.add(c);
                written.keep();
            } catch (RuntimeException e) {
                written.undo();
                c.done.completeExceptionally(e);
            } catch (StackOverflowError | LinkageError | AssertionError e) {
                written.undo();
                // A broken operation must not take the committer down with it.
                c.done.completeExceptionally(new StorageException("metadata operation '" + c.name + "' failed: " + e,
                        e));
            } finally {
                view.finished = true;
            }
        }
        if (accepted.isEmpty()) {
            return;
        }
        if (!written.writes.isEmpty()) {
            try (WriteBatch writes = new WriteBatch(written.serialise())) {
                db.write(synced, writes);
            } catch (RocksDBException e) {
                // The WAL record may be durable or not: a caller must not take this for "not applied".
                StorageException unknown = new StorageException("the metadata store could not commit, and whether "
                        + "these commands were applied is unknown: " + e.getMessage(), e);
                accepted.forEach(c -> c.done.completeExceptionally(unknown));
                LOG.error("metadata store {}: the WAL write of {} commands failed; their outcome is unknown",
                        directory, accepted.size(), e);
                return;
            }
        }
        commits++;
        commandsCommitted += accepted.size();
        for (int i = 0; i < accepted.size(); i++) {
            accepted.get(i).done.complete(results.get(i));
        }
    }

    /** The writes of a batch (an empty value is a delete), the running command's undo log, a sorted view on demand. */
    private static final class Overlay {
        final Map<Bytes, Optional<Bytes>> writes = new HashMap<>();
        /** Per write of the running command: the key, then what the batch held for it before (null: nothing). */
        private final List<Object> undoLog = new ArrayList<>();
        /** Null until a command reads a range; then kept up to date with every write. */
        private NavigableMap<Bytes, Optional<Bytes>> sorted;

        Optional<Bytes> get(Bytes key) {
            return writes.get(key);
        }

        void write(Bytes key, Optional<Bytes> value) {
            undoLog.add(key);
            undoLog.add(writes.put(key, value));
            if (sorted != null) {
                sorted.put(key, value);
            }
        }

        /** The running command succeeded: its writes stay. */
        void keep() {
            undoLog.clear();
        }

        /** The running command failed: restores what the batch held before it, newest write first. */
        @SuppressWarnings("unchecked")
        void undo() {
            for (int i = undoLog.size() - 2; i >= 0; i -= 2) {
                Bytes key = (Bytes) undoLog.get(i);
                Optional<Bytes> before = (Optional<Bytes>) undoLog.get(i + 1);
                if (before == null) {
                    writes.remove(key);
                } else {
                    writes.put(key, before);
                }
            }
            undoLog.clear();
            sorted = null;
        }

        NavigableMap<Bytes, Optional<Bytes>> sorted() {
            if (sorted == null) {
                sorted = new TreeMap<>(writes);
            }
            return sorted;
        }

        /**
         * @return the writes in RocksDB's WriteBatch representation (write_batch.cc: an 8-byte sequence number and a
         *         4-byte count, little-endian, then per record a type byte, 1 for a put and 0 for a delete, and the key
         *         and the value of a put each as a varint32 length and the bytes), in key order: one JNI call and one
         *         copy instead of two array copies and a JNI call per write
         */
        byte[] serialise() {
            @SuppressWarnings("unchecked")
            Map.Entry<Bytes, Optional<Bytes>>[] entries = writes.entrySet().toArray(new Map.Entry[0]);
            Arrays.sort(entries, Map.Entry.comparingByKey());
            long size = 12;
            for (Map.Entry<Bytes, Optional<Bytes>> w : entries) {
                size += 1 + 5 + w.getKey().length();
                if (w.getValue().isPresent()) {
                    size += 5 + w.getValue().get().length();
                }
            }
            // MAX_ITEMS and MAX_VALUE bound one command, not a batch of them.
            if (size > Integer.MAX_VALUE - 16) {
                throw new StorageException("a group commit of " + size + " bytes is too large for one write batch");
            }
            ByteBuffer rep = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            rep.putLong(0).putInt(entries.length);
            for (Map.Entry<Bytes, Optional<Bytes>> w : entries) {
                rep.put(w.getValue().isPresent() ? TYPE_VALUE : TYPE_DELETION);
                putVarint(rep, w.getKey().length());
                w.getKey().copyTo(rep);
                if (w.getValue().isPresent()) {
                    putVarint(rep, w.getValue().get().length());
                    w.getValue().get().copyTo(rep);
                }
            }
            return Arrays.copyOf(rep.array(), rep.position());
        }

        private static void putVarint(ByteBuffer b, int v) {
            while ((v & ~0x7f) != 0) {
                b.put((byte) ((v & 0x7f) | 0x80));
                v >>>= 7;
            }
            b.put((byte) v);
        }
    }

    /** RocksDB's record types (dbformat.h). */
    private static final byte TYPE_DELETION = 0;
    private static final byte TYPE_VALUE = 1;

    /** A command's transaction: the committed state with the batch's writes, its own included, on top. */
    private final class View implements MetadataTransaction {
        private final Overlay batch;
        /** Set once its command is done, so a transaction kept by an operation cannot write later. */
        boolean finished;

        View(Overlay batch) {
            this.batch = batch;
        }

        @Override
        public Optional<Bytes> get(Bytes key) {
            checkUsable();
            checkKey(key);
            Optional<Bytes> v = batch.get(key);
            if (v != null) {
                return v;
            }
            try {
                return Optional.ofNullable(db.get(key.toByteArray())).map(Bytes::adopt);
            } catch (RocksDBException e) {
                throw new StorageException("the metadata store cannot read key " + key + ": " + e.getMessage(), e);
            }
        }

        @Override
        public List<Optional<Bytes>> get(List<Bytes> keys) {
            checkUsable();
            if (keys.size() > MAX_ITEMS) {
                throw new IllegalArgumentException("a multi-get takes at most " + MAX_ITEMS + " keys; got "
                        + keys.size());
            }
            List<Optional<Bytes>> values = new ArrayList<>(keys.size());
            List<byte[]> misses = new ArrayList<>();
            for (Bytes k : keys) {
                checkKey(k);
                Optional<Bytes> v = batch.get(k);
                values.add(v);
                if (v == null) {
                    misses.add(k.toByteArray());
                }
            }
            if (misses.isEmpty()) {
                return values;
            }
            try {
                // One JNI call and one batched lookup for the keys the batch has not written.
                List<byte[]> found = db.multiGetAsList(misses);
                for (int i = 0, m = 0; i < values.size(); i++) {
                    if (values.get(i) == null) {
                        values.set(i, Optional.ofNullable(found.get(m++)).map(Bytes::adopt));
                    }
                }
                return values;
            } catch (RocksDBException e) {
                throw new StorageException("the metadata store cannot read " + misses.size() + " keys: "
                        + e.getMessage(), e);
            }
        }

        @Override
        public List<Entry> range(KeyRange range, int limit, boolean reverse) {
            checkUsable();
            checkRange(range, limit);
            return merge(range, limit, reverse, batch.sorted());
        }

        @Override
        public void put(Bytes key, Bytes value) {
            checkKey(key);
            checkValue(Objects.requireNonNull(value, "value").length());
            write(key, Optional.of(value));
        }

        @Override
        public void delete(Bytes key) {
            checkKey(key);
            write(key, Optional.empty());
        }

        void write(Bytes key, Optional<Bytes> value) {
            checkUsable();
            batch.write(key, value);
        }

        private void checkUsable() {
            if (finished) {
                throw new IllegalStateException("this metadata transaction is over: its operation has returned");
            }
        }
    }

    private interface Body {
        Bytes run(View view);
    }

    /** A mutation waiting for the committer. */
    private static final class Command {
        final String name;
        final Body body;
        final CompletableFuture<Bytes> done = new CompletableFuture<>();

        Command(String name, Body body) {
            this.name = name;
            this.body = body;
        }
    }

    // ---- inputs --------------------------------------------------------------------------------------------------

    private static void checkKey(Bytes key) {
        Objects.requireNonNull(key, "key");
        if (key.length() > MAX_KEY) {
            throw new IllegalArgumentException("a metadata key is at most " + MAX_KEY + " bytes; got " + key.length());
        }
    }

    private static void checkValue(int length) {
        if (length > MAX_VALUE) {
            throw new IllegalArgumentException("a metadata value is at most " + MAX_VALUE + " bytes; got " + length);
        }
    }

    private static void checkRange(KeyRange range, int limit) {
        Objects.requireNonNull(range, "range");
        if (limit < 0) {
            throw new IllegalArgumentException("a range limit must not be negative; got " + limit);
        }
        checkKey(range.first());
        if (range.end() != null) {
            checkKey(range.end());
        }
    }

    private StorageException stopping() {
        return new StorageException("metadata store is stopping");
    }

    /** Stops taking commands, commits what is queued, fails what arrives too late, then closes RocksDB. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            committer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (committer.isAlive()) {
            LOG.warn("metadata store {}: the committer did not stop in 30 s; closing once its commit is done",
                    directory);
        }
        for (Command c; (c = queue.poll()) != null;) {
            c.done.completeExceptionally(stopping());
        }
        lifecycle.writeLock().lock();
        try {
            released = true;
            db.close();
            synced.close();
            options.close();
            bloom.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }
}
