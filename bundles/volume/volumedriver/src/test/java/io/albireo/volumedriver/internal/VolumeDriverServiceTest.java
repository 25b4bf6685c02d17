package io.albireo.volumedriver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.albireo.api.volume.VDisk;
import io.albireo.api.volume.VDiskInfo;
import io.albireo.api.volume.VPool;
import io.albireo.api.volume.VPoolConfig;
import io.albireo.api.volume.VolumeException;
import io.albireo.proxy.internal.Backend;

/**
 * The volume driver's service on the real stack: vPools and vDisks in the metadata store's registry, handles that
 * share one open vDisk, data that outlives closing and reopening, ownership, and every refusal an operator can meet,
 * each with a message that says why.
 */
class VolumeDriverServiceTest {
    private static final int SCO = 1 << 20;

    @TempDir
    Path dir;

    private Backend backend;
    private VolumeDriverService driver;

    @BeforeEach
    void start() {
        backend = new Backend(dir.resolve("backend"), 6, 0);
        driver = driver("appliance-1");
    }

    private VolumeDriverService driver(String appliance) {
        return new VolumeDriverService(backend.proxy, backend.metadata(), dir.resolve(appliance), appliance, 4);
    }

    @AfterEach
    void stop() throws Exception {
        driver.deactivate();
        backend.close();
    }

    private static VPoolConfig pool() {
        return VPoolConfig.of("pool").withScoSize(SCO).withWriteBuffer(null, 8L * SCO);
    }

    @Test
    void aVDiskKeepsItsDataAcrossHandlesClosesAndRestarts() {
        driver.createVPool(pool());
        VDiskInfo created = driver.createVDisk("pool", "disk", 8L * SCO);
        assertEquals(new VDiskInfo("disk", "pool", "pool-disk", 8L * SCO, 4096, "", false, 0, 0, 0), created);
        byte[] data = new byte[3 * SCO + 777];
        new Random(1).nextBytes(data);
        try (VDisk a = driver.open("disk"); VDisk b = driver.open("disk")) {
            a.write(1000, ByteBuffer.wrap(data), false).join();
            assertEquals(ByteBuffer.wrap(data), b.read(1000, data.length).join(), "one vDisk behind both handles");
            assertEquals("appliance-1", driver.vDisk("disk").orElseThrow().owner());
            assertTrue(driver.vDisk("disk").orElseThrow().open());
        }
        VDiskInfo closed = driver.vDisk("disk").orElseThrow();
        assertEquals("", closed.owner(), "closed: no owner");
        assertFalse(closed.open());
        driver.deactivate();
        driver = driver("appliance-1");
        try (VDisk a = driver.open("disk")) {
            assertEquals(ByteBuffer.wrap(data), a.read(1000, data.length).join(), "after a restart");
            assertEquals(ByteBuffer.allocate(1000), a.read(0, 1000).join());
        }
        assertEquals(List.of(new VPool(pool(), 1)), driver.listVPools());
        assertEquals(List.of("disk"), driver.listVDisks().stream().map(VDiskInfo::name).toList());
    }

    @Test
    void resizeGrowsOpenHandlesAndNeverShrinks() {
        driver.createVPool(pool());
        driver.createVDisk("pool", "disk", SCO);
        try (VDisk a = driver.open("disk")) {
            assertEquals(SCO, a.size());
            driver.resizeVDisk("disk", 2L * SCO);
            assertEquals(2L * SCO, a.size());
            a.write(SCO + 5, ByteBuffer.wrap(new byte[] {1, 2, 3}), true).join();
            assertEquals(ByteBuffer.wrap(new byte[] {0, 1, 2, 3}), a.read(SCO + 4, 4).join());
            VolumeException e = assertThrows(VolumeException.class, () -> driver.resizeVDisk("disk", SCO));
            assertTrue(e.getMessage().contains("can grow, not shrink"), e.getMessage());
        }
        assertEquals(2L * SCO, driver.vDisk("disk").orElseThrow().size());
    }

    @Test
    void refusalsSayWhy() {
        assertMessage("no vPool nowhere", () -> driver.createVDisk("nowhere", "d", SCO));
        driver.createVPool(pool());
        assertMessage("vPool pool exists already", () -> driver.createVPool(pool()));
        driver.createVDisk("pool", "disk", SCO);
        assertMessage("a vDisk named disk exists already", () -> driver.createVDisk("pool", "disk", SCO));
        assertMessage("positive multiple of the vPool's cluster size", () -> driver.createVDisk("pool", "odd", 1000));
        assertThrows(IllegalArgumentException.class, () -> driver.createVDisk("pool", "bad/name", SCO));
        assertMessage("still holds 1 vDisk(s): [disk]", () -> driver.deleteVPool("pool"));
        try (VDisk a = driver.open("disk")) {
            assertMessage("is open", () -> driver.deleteVDisk("disk"));
            VolumeDriverService other = driver("appliance-2");
            try {
                assertMessage("owned by appliance appliance-1", () -> other.open("disk"));
            } finally {
                other.deactivate();
            }
        }
        driver.deleteVDisk("disk");
        assertMessage("no vDisk disk", () -> driver.open("disk"));
        driver.deleteVPool("pool");
        assertEquals(List.of(), driver.listVPools());
    }

    @Test
    void aClosedHandleRefusesIO() {
        driver.createVPool(pool());
        driver.createVDisk("pool", "disk", SCO);
        VDisk a = driver.open("disk");
        a.close();
        Throwable e = assertThrows(java.util.concurrent.CompletionException.class,
                () -> a.read(0, 10).join()).getCause();
        assertTrue(e instanceof VolumeException && e.getMessage().contains("closed"), e.toString());
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        VolumeException e = assertThrows(VolumeException.class, call);
        assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should say '" + part + "'");
    }
}
