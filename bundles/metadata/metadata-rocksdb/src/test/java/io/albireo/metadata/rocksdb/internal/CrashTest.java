package io.albireo.metadata.rocksdb.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 of a JVM writing through the store: after reopening, every acknowledged sequence (10 keys in one apply) is
 * fully present with its values, and no sequence is partly present. Three rounds on the same directory, each killed at
 * a random moment. A kill leaves the page cache alone, so this proves atomicity, not the syncs: PowerLossTest does.
 */
class CrashTest {
    @TempDir
    Path dir;

    @Test
    void acknowledgedSequencesSurviveAndNoneIsTorn() throws Exception {
        Random random = new Random(20261123);
        Set<Long> acknowledged = new HashSet<>();
        for (int round = 0; round < 3; round++) {
            Set<Long> acked;
            try (CrashRound writer = new CrashRound(dir, round * 1_000_000_000L)) {
                writer.awaitFirstAcknowledgement();
                Thread.sleep(300 + random.nextInt(1200));
                acked = writer.kill();
            }
            assertTrue(acked.size() > 0, "round " + round + ": some applies were acknowledged before the kill");
            acknowledged.addAll(acked);
            try (RocksMetadataStore store = RocksMetadataStore.open(dir, RocksMetadataStore.Settings.DEFAULT,
                    name -> null)) {
                int present = CrashRound.verify(store, acknowledged, "round " + round);
                System.out.printf("round %d: %d sequences acknowledged so far, %d present, none torn%n", round,
                        acknowledged.size(), present);
            }
        }
    }
}
