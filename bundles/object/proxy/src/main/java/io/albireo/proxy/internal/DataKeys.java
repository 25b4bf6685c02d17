package io.albireo.proxy.internal;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.albireo.api.Bytes;
import io.albireo.api.StorageException;
import io.albireo.api.codec.CipherKey;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.MetadataException;
import io.albireo.api.metadata.WrappedKey;

/**
 * The data keys this proxy encrypts with: envelope encryption (docs/PROXY.md, "Encryption keys"). Every data key lives
 * in the ALBA manager, wrapped under the KEK of {@link KekFile}; this makes them (random, wrapped here, so the ABM's
 * operation stays deterministic), unwraps what it needs and keeps the unwrapped keys in memory by id, since the key of
 * an id never changes. A proxy's own files hold nothing else: with the KEK and the ABM, any proxy reads every object.
 * Keys and the KEK are never logged or printed; messages name keys by id and the KEK by its file and id.
 */
final class DataKeys {
    private static final Logger LOG = LoggerFactory.getLogger(DataKeys.class);

    private final AlbaManager abm;
    private final KekFile kekFile;
    private final Path oldKeyFile;
    private final LongSupplier clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, byte[]> unwrapped = new ConcurrentHashMap<>();
    private volatile Kek kek;
    private volatile boolean imported;

    /** The KEK as loaded, with its id. */
    private record Kek(byte[] secret, Bytes id) {
        @Override
        public String toString() {
            return "KEK " + KekFile.shortId(id);
        }
    }

    /**
     * @param kekPath the KEK file
     * @param oldKeyFile the key file of earlier proxies, whose keys are imported into the backend
     * @param clock the time a key is made, epoch milliseconds
     */
    DataKeys(AlbaManager abm, Path kekPath, Path oldKeyFile, LongSupplier clock) {
        this.abm = abm;
        this.kekFile = new KekFile(kekPath);
        this.oldKeyFile = oldKeyFile;
        this.clock = clock;
    }

    /**
     * @return the owner's current key, for a put: the one every proxy of this backend uses, made and stored first if
     *         the owner has none (of two proxies doing that at once, one key is stored and both use it)
     * @throws StorageException if the KEK is missing or wrong, or the key is not {@code length} bytes
     */
    CipherKey forWrite(String owner, int length) {
        importOldKeys();
        WrappedKey key = abm.currentKey(owner).orElseGet(() -> first(owner, length));
        byte[] secret = secret(key);
        if (secret.length != length) {
            throw new StorageException("encryption key " + key.id() + " has " + secret.length + " bytes and the"
                    + " cipher needs " + length + ": key:rotate makes a new version of the right length");
        }
        return new CipherKey(key.id(), secret);
    }

    /**
     * @return the key of this id, for a read of an object written under it
     * @throws StorageException if the backend does not hold it, or the KEK is missing or wrong
     */
    CipherKey forRead(String id) {
        byte[] cached = unwrapped.get(id);
        if (cached != null) {
            return new CipherKey(id, cached);
        }
        Optional<WrappedKey> key = abm.key(id);
        if (key.isEmpty() && !imported) {
            importOldKeys();
            key = abm.key(id);
        }
        return new CipherKey(id, secret(key.orElseThrow(() -> new StorageException("encryption key '" + id
                + "' is not in the backend (key:list shows the keys it holds): objects written under it cannot be"
                + " decrypted"))));
    }

    /**
     * Makes a new version of the owner's key, current from now on: new writes use it, objects written under the
     * older versions keep naming theirs.
     *
     * @throws StorageException if another rotation of the owner stored its version first (it is current then)
     */
    KeyInfo rotate(String owner, int length) {
        importOldKeys();
        int next = abm.currentKey(owner).map(WrappedKey::version).orElse(0) + 1;
        Stored stored = store(owner, next, length);
        if (!stored.ours()) {
            throw new StorageException("another rotation of " + owner + " stored " + stored.key().id() + " first,"
                    + " and it is current now (key:list shows it; key:rotate again makes one more version)");
        }
        LOG.info("Rotated the key of {}: new writes use {}", owner, stored.key());
        return info(stored.key(), true);
    }

    /** @return every key of the backend, by owner and version, without their secrets */
    List<KeyInfo> list() {
        List<WrappedKey> all = new ArrayList<>(abm.keys());
        all.sort(Comparator.comparing(WrappedKey::owner).thenComparingInt(WrappedKey::version));
        Map<String, Integer> current = new HashMap<>();
        List<KeyInfo> infos = new ArrayList<>();
        for (WrappedKey k : all) {
            int c = current.computeIfAbsent(k.owner(), o -> abm.currentKey(o).map(WrappedKey::version).orElse(0));
            infos.add(info(k, c == k.version()));
        }
        return infos;
    }

    /**
     * Imports the keys of the old key file that the backend does not hold, wrapped, each as version 1 of the owner of
     * its id; once per proxy, and before any key is made here, or a preset's first put would make a new key where the
     * file holds the one its objects were written with. A key the backend holds with other bytes (two proxies that
     * each made their own under one id, the flaw the backend's keys end) is not imported: the backend's stays, and
     * the log names the id.
     */
    void importOldKeys() {
        if (imported) {
            return;
        }
        synchronized (this) {
            if (imported) {
                return;
            }
            Map<String, byte[]> old = OldKeyFile.read(oldKeyFile);
            List<String> added = new ArrayList<>();
            List<String> conflicting = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            for (Map.Entry<String, byte[]> e : old.entrySet()) {
                String id = e.getKey();
                byte[] secret = e.getValue();
                Optional<WrappedKey> there = abm.key(id);
                if (there.isEmpty()) {
                    WrappedKey made;
                    try {
                        made = wrap(id, 1, secret);
                    } catch (IllegalArgumentException notAnOwner) {
                        skipped.add(id);
                        continue;
                    }
                    WrappedKey stored = add(made);
                    if (stored.equals(made)) {
                        unwrapped.put(id, secret);
                        added.add(id);
                        continue;
                    }
                    there = Optional.of(stored); // another proxy imported or made it first: compare with that one
                }
                if (!MessageDigest.isEqual(secret(there.get()), secret)) {
                    conflicting.add(id);
                }
                Arrays.fill(secret, (byte) 0);
            }
            if (!added.isEmpty()) {
                LOG.info("Imported {} encryption key(s) from the old key file {} into the backend, wrapped under the"
                        + " KEK in {}: {}. Every proxy of this backend reads them there now; the file is no longer"
                        + " needed (delete it once you have checked that the objects read back)", added.size(),
                        oldKeyFile, kekFile.path(), added);
            } else if (!old.isEmpty() && conflicting.isEmpty()) {
                LOG.info("The backend holds every key of the old key file {}: the file is no longer needed",
                        oldKeyFile);
            }
            if (!conflicting.isEmpty()) {
                LOG.error("The old key file {} holds other keys than the backend under the ids {}. The backend's"
                        + " stay; objects this proxy wrote under the file's keys fail to decrypt (an integrity error,"
                        + " never wrong bytes). Keep the file: it is the only copy of those keys", oldKeyFile,
                        conflicting);
            }
            if (!skipped.isEmpty()) {
                LOG.warn("The old key file {}: ids {} are not key ids the backend takes (letters, digits, '.', '_',"
                        + " '-'); not imported", oldKeyFile, skipped);
            }
            imported = true;
        }
    }

    /** The owner's first key: this proxy makes it once; another proxy may win, and then it is that one. */
    private synchronized WrappedKey first(String owner, int length) {
        return abm.currentKey(owner).orElseGet(() -> {
            Stored stored = store(owner, 1, length);
            if (!stored.ours()) {
                LOG.info("Another proxy made the first key of {}; this one uses it", owner);
            }
            return stored.key();
        });
    }

    /** What the backend holds after a store, and whether it is the key this proxy made. */
    private record Stored(WrappedKey key, boolean ours) {
    }

    /** Makes a data key, wraps it and stores it as this version of the owner's key. */
    private Stored store(String owner, int version, int length) {
        byte[] secret = new byte[length];
        random.nextBytes(secret);
        WrappedKey made = wrap(owner, version, secret);
        WrappedKey stored = add(made);
        if (stored.equals(made)) {
            unwrapped.put(made.id(), secret);
            return new Stored(stored, true);
        }
        Arrays.fill(secret, (byte) 0);
        return new Stored(stored, false);
    }

    private WrappedKey wrap(String owner, int version, byte[] secret) {
        Kek k = kek();
        String id = WrappedKey.id(owner, version);
        return new WrappedKey(owner, version, clock.getAsLong(), secret.length, KeyWrap.NAME, k.id(),
                KeyWrap.wrap(k.secret(), id, secret, random));
    }

    private WrappedKey add(WrappedKey made) {
        try {
            return abm.addKey(made);
        } catch (MetadataException e) {
            // Refused for its KEK: another proxy stored the backend's first key under its own KEK meanwhile.
            Optional<Bytes> backend = abm.kekId();
            if (backend.isPresent() && !backend.get().equals(made.kekId())) {
                kek = null;
                throw mismatch(made.kekId(), backend.get());
            }
            throw e;
        }
    }

    /** The key's bytes: unwrapped once, then from memory. */
    private byte[] secret(WrappedKey key) {
        byte[] cached = unwrapped.get(key.id());
        if (cached != null) {
            return cached;
        }
        Kek k = kek();
        if (!k.id().equals(key.kekId())) {
            kek = null; // read the file again next time: the operator may put the right KEK there
            throw mismatch(k.id(), key.kekId());
        }
        if (!KeyWrap.NAME.equals(key.wrapping())) {
            throw new StorageException("encryption key " + key.id() + " is wrapped with " + key.wrapping()
                    + ", which this proxy does not know");
        }
        byte[] secret = KeyWrap.unwrap(k.secret(), key);
        byte[] before = unwrapped.putIfAbsent(key.id(), secret);
        return before != null ? before : secret;
    }

    /**
     * The KEK from its file, checked against the backend's KEK id. A missing file is made only while the backend holds
     * no key: once it does, a new KEK could unwrap nothing, and making one would hide the loss.
     */
    private Kek kek() {
        Kek k = kek;
        if (k != null) {
            return k;
        }
        synchronized (this) {
            if (kek != null) {
                return kek;
            }
            Optional<Bytes> backend = abm.kekId();
            Optional<byte[]> file = kekFile.read();
            if (file.isEmpty() && backend.isPresent()) {
                throw new StorageException("there is no KEK file " + kekFile.path() + " (setting kek.path of "
                        + ProxyObjectStore.PID + "), but this backend's encryption keys are wrapped under KEK "
                        + KekFile.shortId(backend.get()) + ": put that KEK there (from the copy kept off this"
                        + " appliance, or another proxy's KEK file). No new KEK is made: it could not unwrap the keys"
                        + " the backend holds. Unencrypted presets keep working");
            }
            byte[] secret = file.isPresent() ? file.get() : kekFile.create(random);
            Bytes id = KekFile.id(secret);
            if (file.isEmpty()) {
                LOG.warn("Made a new key-encryption key (KEK) in {}, id {}: it wraps this backend's data keys. Keep a"
                        + " copy off this appliance: without it no encrypted object can be read", kekFile.path(),
                        KekFile.shortId(id));
            }
            if (backend.isPresent() && !backend.get().equals(id)) {
                throw mismatch(id, backend.get());
            }
            kek = new Kek(secret, id);
            return kek;
        }
    }

    private StorageException mismatch(Bytes ours, Bytes backends) {
        return new StorageException("the KEK in " + kekFile.path() + " (id " + KekFile.shortId(ours) + ") does not"
                + " match this backend's KEK (id " + KekFile.shortId(backends) + "), so it cannot unwrap the backend's"
                + " encryption keys: put the backend's KEK in that file (the copy kept off this appliance, or another"
                + " proxy's KEK file). Encrypted objects cannot be read or written until then");
    }

    private static KeyInfo info(WrappedKey k, boolean current) {
        return new KeyInfo(k.id(), k.owner(), k.version(), current, k.createdMillis(), k.keyLength() * 8,
                k.wrapping(), KekFile.shortId(k.kekId()));
    }
}
