package io.albireo.volumedriver.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

import io.albireo.api.Assert;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.IntegrityException;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.metadata.MetadataStore;
import io.albireo.api.volume.VPoolConfig;
import io.albireo.api.volume.VolumeException;

/**
 * The vPools and vDisks, in the metadata store (replicated with it, so every appliance of a backend sees the same
 * ones): one record per vPool ({@code volumes/vpool/NAME}) and per vDisk ({@code volumes/vdisk/NAME}), and the next
 * vDisk id. Every change asserts what it read, so two appliances never both create the same vDisk, a vPool is never
 * deleted under a vDisk being created in it (creating and deleting a vDisk rewrite its vPool's record), and a vDisk has
 * one owner. A record is a format version, JSON and a CRC32C (docs/VOLUMES.md).
 */
final class VolumeRegistry {
    /** The format version of a stored record: the byte before its JSON. */
    static final int RECORD_VERSION = 1;
    private static final String POOLS = "volumes/vpool/";
    private static final String DISKS = "volumes/vdisk/";
    private static final Bytes NEXT_ID = Bytes.utf8("volumes/next-id");
    private static final int ATTEMPTS = 20;

    /**
     * A vPool's record.
     *
     * @param config what it is
     * @param vDisks how many vDisks it holds
     */
    record PoolRecord(VPoolConfig config, int vDisks) {
    }

    /**
     * A vDisk's record.
     *
     * @param name its name
     * @param vPool its vPool
     * @param id its number in the vPool's LBA maps, unique in the backend
     * @param size its size in bytes
     * @param owner the appliance that runs its IO, or "" when none does
     */
    record DiskRecord(String name, String vPool, int id, long size, String owner) {
        DiskRecord withSize(long s) {
            return new DiskRecord(name, vPool, id, s, owner);
        }

        DiskRecord withOwner(String o) {
            return new DiskRecord(name, vPool, id, size, o);
        }
    }

    private final MetadataStore store;
    private final Gson gson = new GsonBuilder().disableHtmlEscaping().create();

    VolumeRegistry(MetadataStore store) {
        this.store = store;
    }

    Optional<PoolRecord> pool(String name) {
        return store.get(Bytes.utf8(POOLS + name)).map(b -> decode(b, PoolRecord.class));
    }

    List<PoolRecord> pools() {
        return list(POOLS, PoolRecord.class);
    }

    Optional<DiskRecord> disk(String name) {
        return store.get(Bytes.utf8(DISKS + name)).map(b -> decode(b, DiskRecord.class));
    }

    List<DiskRecord> disks() {
        return list(DISKS, DiskRecord.class);
    }

    void createPool(VPoolConfig config) {
        Bytes key = Bytes.utf8(POOLS + config.name());
        try {
            store.apply(List.of(Assert.absent(key)), List.of(Update.set(key, encode(new PoolRecord(config, 0)))));
        } catch (AssertFailedException e) {
            throw new VolumeException("vPool " + config.name() + " exists already");
        }
    }

    void deletePool(String name) {
        Bytes key = Bytes.utf8(POOLS + name);
        Bytes stored = store.get(key).orElseThrow(() -> new VolumeException("no vPool " + name));
        PoolRecord pool = decode(stored, PoolRecord.class);
        if (pool.vDisks() > 0) {
            List<String> names = disks().stream().filter(d -> d.vPool().equals(name)).map(DiskRecord::name).toList();
            throw new VolumeException("vPool " + name + " still holds " + pool.vDisks() + " vDisk(s): " + names
                    + "; delete them first");
        }
        try {
            store.apply(List.of(Assert.value(key, stored)), List.of(Update.delete(key)));
        } catch (AssertFailedException e) {
            throw new VolumeException("vPool " + name + " changed while it was deleted (a vDisk was created in it?);"
                    + " try again");
        }
    }

    /** Creates a vDisk's record with a new id, counting it in its vPool. */
    DiskRecord createDisk(String vPool, String name, long size) {
        Bytes poolKey = Bytes.utf8(POOLS + vPool);
        Bytes diskKey = Bytes.utf8(DISKS + name);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            List<Optional<Bytes>> now = store.get(List.of(poolKey, diskKey, NEXT_ID));
            Bytes stored = now.get(0).orElseThrow(() -> new VolumeException("no vPool " + vPool));
            if (now.get(1).isPresent()) {
                throw new VolumeException("a vDisk named " + name + " exists already (in vPool "
                        + decode(now.get(1).get(), DiskRecord.class).vPool() + ")");
            }
            PoolRecord pool = decode(stored, PoolRecord.class);
            int id = now.get(2).map(b -> ByteBuffer.wrap(b.toByteArray()).getInt()).orElse(1);
            DiskRecord disk = new DiskRecord(name, vPool, id, size, "");
            try {
                store.apply(List.of(Assert.value(poolKey, stored), Assert.absent(diskKey),
                        now.get(2).map(b -> Assert.value(NEXT_ID, b)).orElse(Assert.absent(NEXT_ID))),
                        List.of(Update.set(diskKey, encode(disk)),
                                Update.set(poolKey, encode(new PoolRecord(pool.config(), pool.vDisks() + 1))),
                                Update.set(NEXT_ID, Bytes.adopt(ByteBuffer.allocate(4).putInt(id + 1).array()))));
                return disk;
            } catch (AssertFailedException e) {
                // Another create or delete came first: read again.
            }
        }
        throw new VolumeException("vDisk " + name + " was not created: the registry changed " + ATTEMPTS
                + " times while it was; try again");
    }

    /** Replaces a vDisk's record if it is still {@code old}. */
    void updateDisk(DiskRecord old, DiskRecord now) {
        Bytes key = Bytes.utf8(DISKS + old.name());
        try {
            store.apply(List.of(Assert.value(key, encode(old))), List.of(Update.set(key, encode(now))));
        } catch (AssertFailedException e) {
            throw new VolumeException("vDisk " + old.name() + " changed meanwhile (on another appliance?); try again");
        }
    }

    /** Deletes a vDisk's record if it is still {@code old}, uncounting it in its vPool. */
    void deleteDisk(DiskRecord old) {
        Bytes poolKey = Bytes.utf8(POOLS + old.vPool());
        Bytes diskKey = Bytes.utf8(DISKS + old.name());
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Bytes stored = store.get(poolKey).orElseThrow(() -> new IntegrityException("vDisk " + old.name()
                    + " names vPool " + old.vPool() + ", which has no record"));
            PoolRecord pool = decode(stored, PoolRecord.class);
            try {
                store.apply(List.of(Assert.value(poolKey, stored), Assert.value(diskKey, encode(old))),
                        List.of(Update.delete(diskKey), Update.set(poolKey,
                                encode(new PoolRecord(pool.config(), Math.max(0, pool.vDisks() - 1))))));
                return;
            } catch (AssertFailedException e) {
                if (!disk(old.name()).equals(Optional.of(old))) {
                    throw new VolumeException("vDisk " + old.name() + " changed meanwhile; try again");
                }
            }
        }
        throw new VolumeException("vDisk " + old.name() + " was not deleted: its vPool changed " + ATTEMPTS
                + " times while it was; try again");
    }

    private <T> List<T> list(String prefix, Class<T> type) {
        List<T> out = new ArrayList<>();
        Bytes from = Bytes.utf8(prefix);
        Bytes end = Bytes.utf8(prefix.substring(0, prefix.length() - 1) + '0'); // '/' + 1
        for (;;) {
            List<Entry> page = store.range(new KeyRange(from, end), 1000, false);
            for (Entry e : page) {
                out.add(decode(e.value(), type));
            }
            if (page.size() < 1000) {
                return out;
            }
            from = Bytes.adopt(java.util.Arrays.copyOf(page.get(page.size() - 1).key().toByteArray(),
                    page.get(page.size() - 1).key().length() + 1));
        }
    }

    /** @return the stored form: the format version, the JSON, and the CRC32C (big-endian) of both */
    Bytes encode(Object value) {
        byte[] json = gson.toJson(value).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(1 + json.length + 4).put((byte) RECORD_VERSION).put(json);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return Bytes.adopt(out.array());
    }

    <T> T decode(Bytes stored, Class<T> type) {
        byte[] raw = stored.toByteArray();
        String what = "a stored " + type.getSimpleName() + " record";
        if (raw.length < 5 || raw[0] != RECORD_VERSION) {
            throw new IntegrityException(what + " is not of format version " + RECORD_VERSION);
        }
        CRC32C crc = new CRC32C();
        crc.update(raw, 0, raw.length - 4);
        if (ByteBuffer.wrap(raw, raw.length - 4, 4).getInt() != (int) crc.getValue()) {
            throw new IntegrityException(what + " fails its checksum");
        }
        try {
            T value = gson.fromJson(new String(raw, 1, raw.length - 5, StandardCharsets.UTF_8), type);
            if (value == null) {
                throw new IntegrityException(what + " is empty");
            }
            return value;
        } catch (JsonParseException e) {
            throw new IntegrityException(what + " is not valid JSON: " + e.getMessage());
        }
    }
}
