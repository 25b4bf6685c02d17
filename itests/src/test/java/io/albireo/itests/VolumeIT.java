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

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(String.join(" ", command) + " did not finish", p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(String.join(" ", command) + ":\n" + out, 0, p.exitValue());
        return out;
    }
}
