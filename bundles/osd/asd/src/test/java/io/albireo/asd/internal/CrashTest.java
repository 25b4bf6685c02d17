package io.albireo.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 of a JVM hosting an ASD while clients write: after a restart every acknowledged apply is fully present, and
 * no unacknowledged apply is partly present ({@link CrashWorkload}). Three rounds on the same disk, alternating the two
 * sync modes, each killed at a random moment. A killed process leaves the kernel's page cache alone, so this proves
 * atomicity and recovery, not the syncs: {@code PowerLossTest} cuts the power under the ASD for that.
 */
class CrashTest {
    private static final int WRITERS = 8;

    @TempDir
    Path dir;

    @Test
    void acknowledgedAppliesSurviveAndUnacknowledgedOnesAreAllOrNothing() throws Exception {
        Random random = new Random(20261122);
        CrashWorkload workload = new CrashWorkload();
        for (int round = 0; round < 3; round++) {
            String sync = round % 2 == 0 ? "fsync" : "syncfs";
            CrashWorkload.Asd asd = CrashWorkload.Asd.start(dir, sync);
            List<Thread> writers = workload.startWriters(asd.address(), WRITERS);
            workload.awaitFirstAcknowledgement(writers);
            Thread.sleep(400 + random.nextInt(1200));
            asd.kill();
            for (Thread t : writers) {
                t.join(30_000);
            }
            assertEquals(List.of(), workload.unexpected(), "answers other than applied");
            assertTrue(workload.acknowledged() > 0, "round " + round + ": some applies were acknowledged");

            System.out.printf("round %d (%s): %d applies attempted, %d acknowledged before SIGKILL%n", round, sync,
                    workload.attempted(), workload.acknowledged());
            CrashWorkload.Asd restarted = CrashWorkload.Asd.start(dir, sync);
            try {
                workload.verify(restarted.address(), dir.resolve("blobs"), "round " + round);
            } finally {
                restarted.kill();
            }
        }
    }
}
