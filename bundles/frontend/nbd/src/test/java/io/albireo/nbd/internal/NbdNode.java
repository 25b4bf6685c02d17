package io.albireo.nbd.internal;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import io.albireo.api.volume.VPoolConfig;
import io.albireo.volumedriver.internal.VolumeStack;

/**
 * A whole node in a process of its own, for crash tests: the backend (metadata, six ASD stores), the volume driver and
 * the NBD server, all under one directory. Creates the vPool "pool" (1 MiB SCOs, a 16 MiB write buffer) and the
 * 256 MiB vDisk "disk" when they do not exist, prints {@code READY PORT}, and runs until it is killed (SIGTERM closes
 * it cleanly; SIGKILL is the crash).
 *
 * <p>Arguments: the directory, the port (0 for any).
 */
public final class NbdNode {
    private NbdNode() {
    }

    public static void main(String[] args) throws Exception {
        VolumeStack stack = new VolumeStack(Path.of(args[0]));
        if (stack.volumes().vPool("pool").isEmpty()) {
            stack.volumes().createVPool(VPoolConfig.of("pool").withScoSize(1 << 20).withWriteBuffer(null, 16L << 20));
        }
        if (stack.volumes().vDisk("disk").isEmpty()) {
            stack.volumes().createVDisk("pool", "disk", 256L << 20);
        }
        NbdServer server = new NbdServer(stack.volumes(), new InetSocketAddress("127.0.0.1",
                Integer.parseInt(args[1])), 16, NbdConnection.Limits.DEFAULT);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            try {
                stack.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
            stopped.countDown();
        }));
        System.out.println("READY " + server.address().getPort());
        System.out.flush();
        stopped.await();
    }
}
