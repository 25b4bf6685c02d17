package io.albireo.testing.powerloss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** No mount outlives the JVM that made it or the daemon that serves it. */
class LifecycleTest extends MountedTest {
    private static final long GONE_MILLIS = 20_000;

    @Test
    void aKilledDaemonLeavesNoMount() throws IOException {
        writeDurable(root.resolve("f"), "durable");
        ProcessHandle daemon = ProcessHandle.of(fs.daemonPid()).orElseThrow();

        daemon.destroyForcibly(); // SIGKILL: fusermount3's auto_unmount detaches the mount

        assertTrue(MountTable.awaitUnmounted(mountPoint.toRealPath(), GONE_MILLIS), "still mounted");
        fs.close(); // quiet on a dead daemon
        fs = PowerLossFileSystem.mount(backing, mountPoint);
        root = fs.mountPoint();
        assertEquals("durable", read(root.resolve("f")));
    }

    /** The daemon's stdin is a pipe from the JVM: when the JVM dies, the daemon reads its end, unmounts and exits. */
    @Test
    void aKilledJvmLeavesNoMountAndNoDaemon() throws Exception {
        fs.close();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                MountAndWait.class.getName(), backing.toString(), mountPoint.toString(),
                DaemonBinary.defaultCache().toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("mounted "), "the child said " + line);
            Optional<ProcessHandle> daemon = ProcessHandle.of(Long.parseLong(line.substring("mounted ".length())));
            assertTrue(PowerLossFileSystem.isMounted(mountPoint));

            child.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(child.waitFor(GONE_MILLIS, TimeUnit.MILLISECONDS));

            assertTrue(MountTable.awaitUnmounted(mountPoint.toRealPath(), GONE_MILLIS), "still mounted");
            if (daemon.isPresent()) {
                daemon.get().onExit().get(GONE_MILLIS, TimeUnit.MILLISECONDS);
                assertFalse(daemon.get().isAlive());
            }
        } finally {
            child.destroyForcibly();
        }
        assertEquals(List.of(), NameDurabilityTest.list(mountPoint));
        assertTrue(Files.isDirectory(mountPoint));
    }
}
