package io.albireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Assume;
import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;

import io.albireo.api.volume.VolumeService;

/**
 * The volume driver and the NBD server in the default appliance: right after boot it has the vPool "default" and the
 * 1 GiB vDisk "disk1", exported over NBD, which qemu-io (Debian's qemu-utils, a real client) writes and reads; the
 * console creates, shows, resizes and deletes vDisks.
 */
public class VolumeIT extends ApplianceTestSupport {
    @Inject
    VolumeService volumes;

    @Configuration
    public Option[] configuration() {
        return Appliance.boot(Appliance.Ports.free());
    }

    private static String nbd(String export) {
        return "nbd://127.0.0.1:" + System.getProperty(Appliance.NBD_PORT) + "/" + export;
    }

    @Test
    public void theDefaultApplianceExportsDisk1OverNbdRightAfterBoot() throws Exception {
        Appliance.await("the vDisk disk1 is provisioned", () -> volumes.vDisk("disk1").isPresent());
        assertEquals(1L << 30, volumes.vDisk("disk1").orElseThrow().size());
        Assume.assumeTrue("qemu-io is not installed (qemu-utils)", Files.isExecutable(Path.of("/usr/bin/qemu-io")));
        String write = run("qemu-io", "-f", "raw", "-c", "write -P 0xab 0 4M", "-c", "write -P 0xcd 5000 3000",
                "-c", "flush", nbd("disk1"));
        assertFalse(write, write.contains("error") || write.contains("failed"));
        String read = run("qemu-io", "-f", "raw", "-c", "read -P 0xab 0 5000", "-c", "read -P 0xcd 5000 3000",
                "-c", "read -P 0xab 8000 4186304", "-c", "read -P 0 4M 1M", nbd("disk1"));
        assertFalse(read, read.contains("Pattern verification failed") || read.contains("error"));

        String exports = console("nbd:exports");
        assertTrue(exports, exports.contains("disk1") && exports.contains(nbd("disk1")));
        String show = console("vdisk:show disk1");
        assertTrue(show, show.contains("default-disk1") && show.contains("1.0 GiB"));
    }

    @Test
    public void theConsoleManagesVDisks() throws Exception {
        Appliance.await("the vPool default is provisioned", () -> volumes.vPool("default").isPresent());
        String created = console("vdisk:create default scratch 64M");
        assertTrue(created, created.contains("64.0 MiB"));
        assertTrue(console("vdisk:list").contains("scratch"));
        assertTrue(console("vdisk:resize scratch 128M").contains("128.0 MiB"));
        Appliance.ClientRun shrink = Appliance.binClient("vdisk:resize scratch 64M");
        assertTrue(shrink.output(), shrink.exit() != 0 && shrink.output().contains("can grow, not shrink"));
        assertTrue(console("vpool:show default").contains("64.0 MiB"));
        console("vdisk:delete scratch");
        assertFalse(console("vdisk:list").contains("scratch"));
    }

    /**
     * Updating the NBD bundle, then restarting the volume driver's, loses no acknowledged write: a client's writes
     * acknowledged and never flushed on a connection the update closes are there when a client reconnects.
     */
    @Test
    public void updatingTheNbdAndVolumeBundlesLosesNoAcknowledgedWrite() throws Exception {
        Appliance.await("the vDisk disk1 is provisioned", () -> volumes.vDisk("disk1").isPresent());
        Assume.assumeTrue("qemu-io is not installed (qemu-utils)", Files.isExecutable(Path.of("/usr/bin/qemu-io")));
        run("qemu-io", "-f", "raw", "-c", "write -P 0x31 8M 1M", nbd("disk1"));
        java.net.Socket s = new java.net.Socket("127.0.0.1", Integer.getInteger(Appliance.NBD_PORT));
        s.setSoTimeout(60_000);
        java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
        java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
        in.readFully(new byte[18]); // NBDMAGIC, IHAVEOPT, handshake flags
        out.writeInt(3); // fixed newstyle, no zeroes
        byte[] name = "disk1".getBytes(StandardCharsets.US_ASCII);
        out.writeLong(0x49484156454f5054L); // IHAVEOPT
        out.writeInt(7); // NBD_OPT_GO
        out.writeInt(6 + name.length);
        out.writeInt(name.length);
        out.write(name);
        out.writeShort(0);
        out.flush();
        for (int type = 0; type != 1;) { // until NBD_REP_ACK
            in.readLong();
            in.readInt();
            type = in.readInt();
            in.readFully(new byte[in.readInt()]);
        }
        byte[] data = new byte[1 << 20];
        java.util.Arrays.fill(data, (byte) 0x32);
        out.writeInt(0x25609513); // a write, never flushed
        out.writeShort(0);
        out.writeShort(1);
        out.writeLong(42);
        out.writeLong(10L << 20);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
        assertEquals(0x67446698, in.readInt());
        assertEquals("the write is acknowledged", 0, in.readInt());
        assertEquals(42, in.readLong());

        org.osgi.framework.Bundle nbdBundle = Appliance.bundle(context, "io.albireo.nbd");
        nbdBundle.update();
        assertEquals("the old connection was closed by the update", -1, in.read());
        s.close();
        awaitExport();
        String read = run("qemu-io", "-f", "raw", "-c", "read -P 0x31 8M 1M", "-c", "read -P 0x32 10M 1M",
                nbd("disk1"));
        assertFalse(read, read.contains("Pattern verification failed"));

        org.osgi.framework.Bundle driver = Appliance.bundle(context, "io.albireo.volumedriver");
        driver.stop();
        driver.start();
        awaitExport();
        read = run("qemu-io", "-f", "raw", "-c", "read -P 0x31 8M 1M", "-c", "read -P 0x32 10M 1M", nbd("disk1"));
        assertFalse(read, read.contains("Pattern verification failed"));
    }

    /** Waits until the export answers a client again (the NBD component back, the driver under it). */
    private static void awaitExport() throws Exception {
        Appliance.await("the NBD export is back", () -> {
            try {
                Process p = new ProcessBuilder("qemu-io", "-f", "raw", "-c", "read 0 512", nbd("disk1"))
                        .redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(String.join(" ", command) + " did not finish", p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(String.join(" ", command) + ":\n" + out, 0, p.exitValue());
        return out;
    }
}
