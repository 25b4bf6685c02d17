package io.albireo.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.albireo.testing.powerloss.CutReport;
import io.albireo.testing.powerloss.PowerLossFileSystem;
import io.albireo.testing.powerloss.PowerLossMount;

/**
 * Power cuts under an ASD while eight clients write: the ASD's disk is a file system that forgets everything not made
 * durable ({@link PowerLossFileSystem}), the power is cut at a random moment, the ASD's JVM killed, and the disk
 * mounted again as the cut left it. Then the ASD must open cleanly and hold every acknowledged apply whole, no other
 * apply in part, and no orphan blob ({@link CrashWorkload}), across every round so far.
 *
 * <p>{@code -Dalbireo.powerloss.rounds=N} sets the rounds (3 by default; docs/ASD.md reports a run of 50), and
 * {@code -Dalbireo.powerloss.seed=S} the random moments. With {@code -Dalbireo.powerloss.ignoreSyncs=true} the file
 * system ignores every fsync, as if the ASD had none: the test must then fail, which shows it would catch a missing
 * one. The ASD runs with {@code sync = fsync}: this file system has no syncfs (its README says why).
 */
class PowerLossTest {
    private static final int WRITERS = 8;

    @RegisterExtension
    final PowerLossMount disk = new PowerLossMount();


    @Test
    void acknowledgedAppliesSurvivePowerCutsAndTheAsdOpensCleanly() throws Exception {
        int rounds = Integer.getInteger("albireo.powerloss.rounds", 3);
        long seed = Long.getLong("albireo.powerloss.seed", 20261201L);
        boolean ignoreSyncs = Boolean.getBoolean("albireo.powerloss.ignoreSyncs");
        Random random = new Random(seed);
        CrashWorkload workload = new CrashWorkload();
        long droppedBytes = 0;
        System.out.printf("%d rounds, seed %d%s%n", rounds, seed, ignoreSyncs ? ", every sync ignored" : "");
        for (int round = 0; round < rounds; round++) {
            disk.fs().ignoreSyncs(ignoreSyncs);
            CrashWorkload.Asd asd = CrashWorkload.Asd.start(disk.mountPoint().resolve("asd"), "fsync");
            List<Thread> writers = workload.startWriters(asd.address(), WRITERS);
            workload.awaitFirstAcknowledgement(writers);
            Thread.sleep(random.nextInt(1500));
            CutReport cut = disk.cut();
            asd.kill();
            for (Thread t : writers) {
                t.join(30_000);
            }
            assertEquals(List.of(), workload.unexpected(), "answers other than applied or the disk gone");
            droppedBytes += cut.droppedBytes();

            disk.remount();
            CrashWorkload.Asd restarted = CrashWorkload.Asd.start(disk.mountPoint().resolve("asd"), "fsync");
            int present;
            try {
                present = workload.verify(restarted.address(), disk.mountPoint().resolve("asd").resolve("blobs"),
                        "round " + round);
            } finally {
                restarted.stop();
            }
            System.out.printf("round %d: %d applies attempted, %d acknowledged, %d present; the cut dropped %d "
                    + "writes (%d bytes) and undid %d name operations%n", round, workload.attempted(),
                    workload.acknowledged(), present, cut.droppedWrites(), cut.droppedBytes(), cut.undone());
        }
        assertTrue(workload.acknowledged() > 0, "some applies were acknowledged");
        assertTrue(droppedBytes > 0, "the cuts came while the ASD had unsynced writes: they tested something");
    }
}
