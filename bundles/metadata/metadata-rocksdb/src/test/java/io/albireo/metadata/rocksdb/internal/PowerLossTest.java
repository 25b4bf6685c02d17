package io.albireo.metadata.rocksdb.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.albireo.testing.powerloss.CutReport;
import io.albireo.testing.powerloss.PowerLossFileSystem;
import io.albireo.testing.powerloss.PowerLossMount;

/**
 * Power cuts under the embedded metadata store while eight threads of another JVM commit ten-key applies: the store
 * lives on a file system that forgets everything not made durable ({@link PowerLossFileSystem}); at a random moment
 * the power is cut, the JVM killed and the directory mounted again as the cut left it. The store must open cleanly
 * with every acknowledged apply whole and none in part, across every round so far.
 *
 * <p>{@code -Dalbireo.powerloss.rounds=N} (3 by default; docs/METADATA-STORE.md reports 50), {@code
 * -Dalbireo.powerloss.seed=S}; with {@code -Dalbireo.powerloss.ignoreSyncs=true} the file system ignores every sync,
 * as if the WAL were never synced, and the test must fail.
 */
class PowerLossTest {
    @RegisterExtension
    final PowerLossMount disk = new PowerLossMount();


    @Test
    void acknowledgedAppliesSurvivePowerCutsAndTheStoreOpensCleanly() throws Exception {
        int rounds = Integer.getInteger("albireo.powerloss.rounds", 3);
        long seed = Long.getLong("albireo.powerloss.seed", 20261201L);
        boolean ignoreSyncs = Boolean.getBoolean("albireo.powerloss.ignoreSyncs");
        Random random = new Random(seed);
        Set<Long> acknowledged = new HashSet<>();
        long droppedBytes = 0;
        System.out.printf("%d rounds, seed %d%s%n", rounds, seed, ignoreSyncs ? ", every sync ignored" : "");
        for (int round = 0; round < rounds; round++) {
            disk.fs().ignoreSyncs(ignoreSyncs);
            Path dir = disk.mountPoint().resolve("metadata");
            CutReport cut;
            try (CrashRound writer = new CrashRound(dir, round * 1_000_000_000L)) {
                writer.awaitFirstAcknowledgement();
                Thread.sleep(random.nextInt(1500));
                cut = disk.cut();
                acknowledged.addAll(writer.kill());
            }
            droppedBytes += cut.droppedBytes();
            disk.remount();
            try (RocksMetadataStore store = RocksMetadataStore.open(disk.mountPoint().resolve("metadata"),
                    RocksMetadataStore.Settings.DEFAULT, name -> null)) {
                int present = CrashRound.verify(store, acknowledged, "round " + round);
                System.out.printf("round %d: %d applies acknowledged so far, %d present, none torn; the cut dropped "
                        + "%d writes (%d bytes) and undid %d name operations%n", round, acknowledged.size(), present,
                        cut.droppedWrites(), cut.droppedBytes(), cut.undone());
            }
        }
        assertTrue(!acknowledged.isEmpty(), "some applies were acknowledged");
        assertTrue(droppedBytes > 0, "the cuts came while the store had unsynced writes: they tested something");
    }
}
