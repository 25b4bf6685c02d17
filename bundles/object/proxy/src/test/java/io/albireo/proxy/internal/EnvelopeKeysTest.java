package io.albireo.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.Bytes;
import io.albireo.api.KeyRange;
import io.albireo.api.StorageException;
import io.albireo.api.Update;
import io.albireo.api.metadata.MetadataException;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.api.metadata.WrappedKey;
import io.albireo.api.object.ObjectStore.ObjectRange;
import io.albireo.api.object.Overwrite;

/**
 * Envelope encryption on the real stack: each preset's data key lives in the ABM, wrapped under a KEK that every proxy
 * of the backend has in its own etc directory. Proxies share nothing else: each test's proxies have directories of
 * their own (their KEK file, old key file and fragment cache) over one ABM, NSM and set of OSDs.
 */
class EnvelopeKeysTest {
    private static final int FRAGMENT = 64 * 1024;

    @TempDir
    Path dir;
    private Backend backend;
    private final SplittableRandom random = new SplittableRandom(5);

    @AfterEach
    void close() throws Exception {
        if (backend != null) {
            backend.close();
        }
    }

    /** The backend with its first proxy in {@code dir/a}, and presets "enc" (aes-256-gcm) and "plain" (none). */
    private ProxyObjectStore open(long fragmentCacheBytes) {
        backend = new Backend(dir.resolve("a"), 6, fragmentCacheBytes);
        preset("enc", "aes-256-gcm");
        preset("plain", "none");
        return backend.proxy;
    }

    /** A preset and a namespace of the same name. */
    private void preset(String name, String cipher) {
        backend.abm.createPreset(new Preset(name, List.of(new Policy(4, 2, 5, 6)), FRAGMENT, "lz4", cipher, "xxh64",
                "rs"));
        backend.abm.createNamespace(name, name);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (i / 1024) % 2 == 0 ? (byte) random.nextInt() : (byte) (i / 100);
        }
        return b;
    }

    private static byte[] array(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    private List<String> ids() {
        return backend.abm.keys().stream().map(WrappedKey::id).sorted().toList();
    }

    private static void copyKek(Path from, Path to) throws Exception {
        Files.createDirectories(Backend.kek(to).getParent());
        Files.copy(Backend.kek(from), Backend.kek(to), StandardCopyOption.REPLACE_EXISTING);
    }

    /** A KEK the operator provides, in the file format the proxy writes (comments and one line of base64). */
    private static void writeKek(Path proxyDir, byte[] kek) throws Exception {
        Files.createDirectories(Backend.kek(proxyDir).getParent());
        Files.writeString(Backend.kek(proxyDir), "# the operator's KEK\n" + Base64.getEncoder().encodeToString(kek)
                + "\n", StandardCharsets.US_ASCII);
    }

    private static byte[] randomKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return k;
    }

    @Test
    void twoProxiesWithTheirOwnEtcAndOneKekReadEachOthersEncryptedObjects() throws Exception {
        ProxyObjectStore a = open(0);
        byte[] fromA = bytes(300_000);
        a.put("enc", "from-a", ByteBuffer.wrap(fromA), Overwrite.NONE);
        copyKek(dir.resolve("a"), dir.resolve("b"));
        ProxyObjectStore b = backend.proxy(dir.resolve("b"), 0);

        assertArrayEquals(fromA, array(b.get("enc", "from-a").orElseThrow()));
        assertArrayEquals(Arrays.copyOfRange(fromA, 1000, 5096),
                array(b.read(List.of(new ObjectRange("enc", "from-a", 1000, 4096))).get(0)));
        byte[] fromB = bytes(200_000);
        b.put("enc", "from-b", ByteBuffer.wrap(fromB), Overwrite.NONE);
        assertArrayEquals(fromB, array(a.get("enc", "from-b").orElseThrow()));
        assertEquals(List.of("preset-enc"), ids(), "one key for the preset, whichever proxy wrote");
        assertEquals("preset-enc", b.manifest("enc", "from-b").orElseThrow().keyId());
        assertFalse(Files.exists(dir.resolve("b/etc/io.albireo.proxy.keys")), "no local key file");
    }

    /**
     * Two proxies put the first object of a preset at the same moment, eight presets over: each preset ends with one
     * key, and every object reads back through both proxies and through a third that made no key. A loser that kept
     * its own key would have written objects nobody else can decrypt.
     */
    @Test
    void twoProxiesRacingToMakeAPresetsFirstKeyEndWithOneKey() throws Exception {
        open(0);
        byte[] kek = randomKey();
        writeKek(dir.resolve("a"), kek);
        writeKek(dir.resolve("b"), kek);
        writeKek(dir.resolve("c"), kek);
        ProxyObjectStore a = backend.proxy;
        ProxyObjectStore b = backend.proxy(dir.resolve("b"), 0);
        int presets = 8;
        byte[][][] written = new byte[presets][2][];
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < presets; i++) {
                String ns = "race" + i;
                preset(ns, "aes-256-gcm");
                CyclicBarrier start = new CyclicBarrier(2);
                written[i][0] = bytes(5000);
                written[i][1] = bytes(5000);
                byte[] da = written[i][0];
                byte[] db = written[i][1];
                Future<?> fa = two.submit(() -> {
                    start.await();
                    return a.put(ns, "a", ByteBuffer.wrap(da), Overwrite.NONE);
                });
                Future<?> fb = two.submit(() -> {
                    start.await();
                    return b.put(ns, "b", ByteBuffer.wrap(db), Overwrite.NONE);
                });
                fa.get();
                fb.get();
            }
        } finally {
            two.shutdown();
        }
        assertEquals(presets, backend.abm.keys().size(), ids().toString());
        for (int i = 0; i < presets; i++) {
            assertEquals(1, backend.abm.currentKey("preset-race" + i).orElseThrow().version());
        }
        ProxyObjectStore c = backend.proxy(dir.resolve("c"), 0);
        for (ProxyObjectStore p : List.of(a, b, c)) {
            for (int i = 0; i < presets; i++) {
                assertArrayEquals(written[i][0], array(p.get("race" + i, "a").orElseThrow()), "race" + i + "/a");
                assertArrayEquals(written[i][1], array(p.get("race" + i, "b").orElseThrow()), "race" + i + "/b");
            }
        }
    }

    /**
     * A backend from before keys lived in it: objects encrypted under a key of the proxy's old key file, no key in
     * the ABM. A proxy imports the file's key once, wrapped under a KEK it makes (the backend holds none), and the
     * objects read back. Then, with the old file and the fragment cache deleted, the KEK and the ABM are enough.
     */
    @Test
    void theOldKeyFileIsImportedOnceAndThenNeitherItNorTheCacheIsNeeded() throws Exception {
        ProxyObjectStore a = open(8 << 20);
        byte[] before = bytes(400_000);
        a.put("enc", "before", ByteBuffer.wrap(before), Overwrite.NONE);
        // Make that the past: the key goes into an old key file as proxies kept it, and the backend forgets its keys.
        byte[] key = KeyMaterial.dataKey(backend.abm, Backend.kek(dir.resolve("a")), "preset-enc");
        Path old = dir.resolve("b/etc/io.albireo.proxy.keys");
        Files.createDirectories(old.getParent());
        Files.writeString(old, "# Albireo proxy encryption keys\npreset-enc = " + Base64.getEncoder()
                .encodeToString(key) + "\n", StandardCharsets.ISO_8859_1);
        List<Update> forget = backend.store.range(KeyRange.prefix(Bytes.utf8("abm/ke")), 100, false).stream()
                .map(e -> Update.delete(e.key())).toList();
        assertEquals(3, forget.size(), "abm/kek, abm/key/preset-enc, abm/key-current/preset-enc");
        backend.store.apply(List.of(), forget);
        assertEquals(Optional.empty(), backend.abm.kekId());
        a.close();

        Path kekB = Backend.kek(dir.resolve("b"));
        ProxyObjectStore b = backend.proxy(dir.resolve("b"), 8 << 20);
        assertTrue(Files.exists(kekB), "a KEK is made: the backend held no key");
        assertEquals(List.of("preset-enc"), ids());
        assertArrayEquals(key, KeyMaterial.dataKey(backend.abm, kekB, "preset-enc"), "the file's key, not a new one");
        assertArrayEquals(before, array(b.get("enc", "before").orElseThrow()));
        byte[] after = bytes(300_000);
        b.put("enc", "after", ByteBuffer.wrap(after), Overwrite.NONE);
        assertEquals("preset-enc", b.manifest("enc", "after").orElseThrow().keyId());
        WrappedKey imported = backend.abm.key("preset-enc").orElseThrow();
        b.close();

        // Started again with the old file still there: nothing is imported again.
        backend.proxy(dir.resolve("b"), 8 << 20).close();
        assertEquals(List.of(imported), backend.abm.keys());

        // The proxy's own files but the KEK go: the old key file and the fragment cache. Nothing is lost.
        Files.delete(old);
        try (Stream<Path> files = Files.walk(dir.resolve("b/fragment-cache"))) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertFalse(Files.exists(dir.resolve("b/fragment-cache")));
        ProxyObjectStore fresh = backend.proxy(dir.resolve("b"), 8 << 20);
        assertArrayEquals(before, array(fresh.get("enc", "before").orElseThrow()));
        assertArrayEquals(after, array(fresh.get("enc", "after").orElseThrow()));
        assertArrayEquals(Arrays.copyOfRange(after, 7, 9000),
                array(fresh.read(List.of(new ObjectRange("enc", "after", 7, 8993))).get(0)));
        try (Stream<Path> etc = Files.list(dir.resolve("b/etc"))) {
            assertEquals(List.of("io.albireo.proxy.kek"), etc.map(p -> p.getFileName().toString()).toList());
        }
    }

    /**
     * An old key file whose key differs from the one the backend holds under the same id (two proxies that each made
     * their own): the backend's stays, so the objects written under it still read.
     */
    @Test
    void anOldKeyThatDiffersFromTheBackendsIsNotImportedOverIt() throws Exception {
        ProxyObjectStore a = open(0);
        byte[] data = bytes(50_000);
        a.put("enc", "o", ByteBuffer.wrap(data), Overwrite.NONE);
        WrappedKey there = backend.abm.key("preset-enc").orElseThrow();
        copyKek(dir.resolve("a"), dir.resolve("b"));
        Files.writeString(dir.resolve("b/etc/io.albireo.proxy.keys"), "preset-enc = "
                + Base64.getEncoder().encodeToString(randomKey()) + "\n", StandardCharsets.ISO_8859_1);
        ProxyObjectStore b = backend.proxy(dir.resolve("b"), 0);
        assertEquals(List.of(there), backend.abm.keys());
        assertArrayEquals(data, array(b.get("enc", "o").orElseThrow()));
    }

    @Test
    void aWrongKekIsRefusedNamingItsFileAndNeverGivesWrongBytes() throws Exception {
        ProxyObjectStore a = open(0);
        byte[] data = bytes(100_000);
        byte[] plain = bytes(20_000);
        a.put("enc", "o", ByteBuffer.wrap(data), Overwrite.NONE);
        a.put("plain", "p", ByteBuffer.wrap(plain), Overwrite.NONE);
        byte[] wrong = randomKey();
        writeKek(dir.resolve("w"), wrong);
        Path kekW = Backend.kek(dir.resolve("w"));
        ProxyObjectStore w = backend.proxy(dir.resolve("w"), 0);

        StorageException get = assertThrows(StorageException.class, () -> w.get("enc", "o"));
        StorageException range = assertThrows(StorageException.class,
                () -> w.read(List.of(new ObjectRange("enc", "o", 0, 10))));
        StorageException put = assertThrows(StorageException.class,
                () -> w.put("enc", "o2", ByteBuffer.wrap(data), Overwrite.NONE));
        StorageException rotate = assertThrows(StorageException.class, () -> w.rotateKey("enc"));
        for (StorageException e : List.of(get, range, put, rotate)) {
            assertTrue(e.getMessage().contains("the KEK in " + kekW + " (id ") && e.getMessage().contains(
                    "does not match this backend's KEK"), e.getMessage());
            KeyMaterial.assertNotIn(e.getMessage(), wrong, KeyMaterial.kek(Backend.kek(dir.resolve("a"))),
                    KeyMaterial.dataKey(backend.abm, Backend.kek(dir.resolve("a")), "preset-enc"));
        }
        assertEquals(List.of("preset-enc"), ids(), "nothing was stored under the wrong KEK");
        assertEquals(Optional.empty(), w.stat("enc", "o2"));
        // Unencrypted presets keep working.
        assertArrayEquals(plain, array(w.get("plain", "p").orElseThrow()));
        w.put("plain", "q", ByteBuffer.wrap(plain), Overwrite.NONE);
        // The right KEK put in its place is read at the next call, without a restart.
        copyKek(dir.resolve("a"), dir.resolve("w"));
        assertArrayEquals(data, array(w.get("enc", "o").orElseThrow()));
    }

    @Test
    void aMissingKekWithKeysInTheBackendIsRefusedAndNoNewOneIsMade() {
        ProxyObjectStore a = open(0);
        byte[] plain = bytes(20_000);
        a.put("enc", "o", ByteBuffer.wrap(bytes(10_000)), Overwrite.NONE);
        a.put("plain", "p", ByteBuffer.wrap(plain), Overwrite.NONE);
        Path kekM = Backend.kek(dir.resolve("m"));
        ProxyObjectStore m = backend.proxy(dir.resolve("m"), 0);

        StorageException get = assertThrows(StorageException.class, () -> m.get("enc", "o"));
        StorageException put = assertThrows(StorageException.class,
                () -> m.put("enc", "o2", ByteBuffer.wrap(plain), Overwrite.NONE));
        StorageException rotate = assertThrows(StorageException.class, () -> m.rotateKey("enc"));
        for (StorageException e : List.of(get, put, rotate)) {
            assertTrue(e.getMessage().startsWith("there is no KEK file " + kekM + " (setting kek.path of"
                    + " io.albireo.proxy), but this backend's encryption keys are wrapped under KEK "), e.getMessage());
            assertTrue(e.getMessage().contains("No new KEK is made"), e.getMessage());
        }
        assertFalse(Files.exists(kekM), "no KEK was made");
        assertEquals(List.of("preset-enc"), ids());
        assertArrayEquals(plain, array(m.get("plain", "p").orElseThrow()), "unencrypted presets keep working");
        m.put("plain", "q", ByteBuffer.wrap(plain), Overwrite.NONE);
        assertFalse(Files.exists(kekM));
    }

    @Test
    void rotationMakesANewVersionForNewWritesAndOldObjectsStayReadable() throws Exception {
        ProxyObjectStore a = open(0);
        byte[] v1 = bytes(150_000);
        a.put("enc", "v1", ByteBuffer.wrap(v1), Overwrite.NONE);
        KeyInfo rotated = a.rotateKey("enc");
        assertEquals("preset-enc@v2", rotated.id());
        assertEquals(2, rotated.version());
        assertTrue(rotated.current());
        byte[] v2 = bytes(150_000);
        a.put("enc", "v2", ByteBuffer.wrap(v2), Overwrite.NONE);
        assertEquals("preset-enc", a.manifest("enc", "v1").orElseThrow().keyId());
        assertEquals("preset-enc@v2", a.manifest("enc", "v2").orElseThrow().keyId(), "new writes use the new key");
        Path kekA = Backend.kek(dir.resolve("a"));
        assertFalse(Arrays.equals(KeyMaterial.dataKey(backend.abm, kekA, "preset-enc"),
                KeyMaterial.dataKey(backend.abm, kekA, "preset-enc@v2")));

        // Another proxy, which never saw either key, reads both and writes with the current one.
        copyKek(dir.resolve("a"), dir.resolve("b"));
        ProxyObjectStore b = backend.proxy(dir.resolve("b"), 0);
        for (ProxyObjectStore p : List.of(a, b)) {
            assertArrayEquals(v1, array(p.get("enc", "v1").orElseThrow()));
            assertArrayEquals(v2, array(p.get("enc", "v2").orElseThrow()));
            assertArrayEquals(Arrays.copyOfRange(v1, 4000, 4100),
                    array(p.read(List.of(new ObjectRange("enc", "v1", 4000, 100))).get(0)));
        }
        b.put("enc", "by-b", ByteBuffer.wrap(v2), Overwrite.NONE);
        assertEquals("preset-enc@v2", b.manifest("enc", "by-b").orElseThrow().keyId());
        // A rotation through one proxy is what the other's next put uses: the ABM says which version is current.
        assertEquals("preset-enc@v3", b.rotateKey("enc").id());
        a.put("enc", "v3", ByteBuffer.wrap(v1), Overwrite.NONE);
        assertEquals("preset-enc@v3", a.manifest("enc", "v3").orElseThrow().keyId());

        List<KeyInfo> keys = a.keys();
        assertEquals(List.of("preset-enc", "preset-enc@v2", "preset-enc@v3"), keys.stream().map(KeyInfo::id)
                .toList());
        assertEquals(List.of(false, false, true), keys.stream().map(KeyInfo::current).toList());
        assertTrue(keys.stream().allMatch(k -> k.bits() == 256 && k.owner().equals("preset-enc")));

        IllegalArgumentException plain = assertThrows(IllegalArgumentException.class, () -> a.rotateKey("plain"));
        assertEquals("preset plain has no cipher (cipher none): its objects are not encrypted, so it has no key to"
                + " rotate", plain.getMessage());
        MetadataException unknown = assertThrows(MetadataException.class, () -> a.rotateKey("nope"));
        assertEquals("no preset named nope (preset:list shows them)", unknown.getMessage());
        assertEquals(3, backend.abm.keys().size(), "the refused rotations stored nothing");
    }
}
