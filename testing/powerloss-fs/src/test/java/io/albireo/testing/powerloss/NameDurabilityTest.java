package io.albireo.testing.powerloss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Name operations show at once and are undone at the cut unless a directory they changed (for a rename, its
 * destination) was fsynced; what a cut leaves is always a state a crash could leave.
 */
class NameDurabilityTest extends MountedTest {

    @Test
    void aFileWhoseDirectoryWasNotSyncedVanishesThoughItsDataWas() throws IOException {
        writeSynced(root.resolve("f"), "data");
        assertTrue(Files.exists(root.resolve("f")));

        cutAndRemount();

        assertFalse(Files.exists(root.resolve("f")));
        assertEquals(List.of(), list(root));
    }

    @Test
    void aFileWhoseDirectoryWasSyncedStays() throws IOException {
        Files.createDirectory(root.resolve("d"));
        syncDirectory(root);
        writeSynced(root.resolve("d/f"), "data");
        syncDirectory(root.resolve("d"));

        cutAndRemount();

        assertEquals("data", read(root.resolve("d/f")));
    }

    @Test
    void anUnlinkNotMadeDurableIsUndoneAndTheFileHasItsDurableContent() throws IOException {
        Path file = root.resolve("f");
        writeDurable(file, "durable");
        write(file, "pending, then deleted");
        Files.delete(file);
        assertFalse(Files.exists(file));
        assertEquals(List.of(), list(root));

        CutReport report = cutAndRemount();

        assertEquals("durable", read(root.resolve("f")));
        assertEquals(1, report.undone());
        assertGraveyardEmpty();
    }

    @Test
    void anUnlinkMadeDurableStaysAndFreesItsGraveyardEntry() throws IOException {
        Path file = root.resolve("f");
        writeDurable(file, "durable");
        Files.delete(file);
        assertTrue(Files.exists(backing.resolve(".powerloss-graveyard")), "the graveyard holds the inode");
        syncDirectory(root);
        assertGraveyardEmpty();

        cutAndRemount();

        assertFalse(Files.exists(root.resolve("f")));
    }

    @Test
    void aRenameNotMadeDurableIsReverted() throws IOException {
        writeDurable(root.resolve("a"), "content");
        Files.move(root.resolve("a"), root.resolve("b"), StandardCopyOption.ATOMIC_MOVE);
        assertEquals(List.of("b"), list(root));

        cutAndRemount();

        assertEquals(List.of("a"), list(root));
        assertEquals("content", read(root.resolve("a")));
    }

    @Test
    void aRenameMadeDurableStays() throws IOException {
        writeDurable(root.resolve("a"), "content");
        Files.move(root.resolve("a"), root.resolve("b"), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(root);

        cutAndRemount();

        assertEquals(List.of("b"), list(root));
        assertEquals("content", read(root.resolve("b")));
    }

    @Test
    void aRenameAcrossDirectoriesIsDurableWhenItsDestinationIsSynced() throws IOException {
        for (String d : new String[] {"from", "to"}) {
            Files.createDirectory(root.resolve(d));
        }
        syncDirectory(root);
        writeDurable(root.resolve("from/a"), "a");
        writeDurable(root.resolve("from/b"), "b");
        Files.move(root.resolve("from/a"), root.resolve("to/a"), StandardCopyOption.ATOMIC_MOVE);
        Files.move(root.resolve("from/b"), root.resolve("to/b"), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(root.resolve("from")); // the source: not enough
        syncDirectory(root.resolve("to"));
        Files.move(root.resolve("to/b"), root.resolve("from/b"), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(root.resolve("to")); // the move back's source: not enough

        cutAndRemount();

        // a and b moved durably (their destination was synced); b's move back did not (only its source was)
        assertEquals(List.of("a", "b"), list(root.resolve("to")));
        assertEquals("a", read(root.resolve("to/a")));
        assertEquals("b", read(root.resolve("to/b")));
        assertEquals(List.of(), list(root.resolve("from")));
    }

    @Test
    void aRenameOverAnExistingFileRestoresTheOldTargetAtTheCut() throws IOException {
        writeDurable(root.resolve("new"), "new");
        writeDurable(root.resolve("target"), "old");
        Files.move(root.resolve("new"), root.resolve("target"), StandardCopyOption.ATOMIC_MOVE);
        assertEquals("new", read(root.resolve("target")));
        assertEquals(List.of("target"), list(root));

        CutReport report = cutAndRemount();

        assertEquals(List.of("new", "target"), list(root));
        assertEquals("new", read(root.resolve("new")));
        assertEquals("old", read(root.resolve("target")));
        assertEquals(1, report.undone());
        assertGraveyardEmpty();
    }

    @Test
    void aDurableRenameOverAnExistingFileDropsTheOldTarget() throws IOException {
        writeDurable(root.resolve("new"), "new");
        writeDurable(root.resolve("target"), "old");
        Files.move(root.resolve("new"), root.resolve("target"), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(root);
        assertGraveyardEmpty();

        cutAndRemount();

        assertEquals(List.of("target"), list(root));
        assertEquals("new", read(root.resolve("target")));
    }

    /**
     * The write-a-temporary-file-then-rename pattern: the file's data was synced, the create was not durable (its
     * directory never synced), the rename into the synced directory was. A crash keeps the file.
     */
    @Test
    void aDurableRenameKeepsAFileWhoseCreateWasNotDurable() throws IOException {
        Files.createDirectory(root.resolve("tmp"));
        Files.createDirectory(root.resolve("data"));
        syncDirectory(root);
        writeSynced(root.resolve("tmp/f.tmp"), "content");
        Files.move(root.resolve("tmp/f.tmp"), root.resolve("data/f"), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(root.resolve("data"));

        CutReport report = cutAndRemount();

        assertEquals("content", read(root.resolve("data/f")));
        assertEquals(List.of(), list(root.resolve("tmp")));
        assertEquals(1, report.skipped(), "the create's undo no longer applies");
    }

    @Test
    void aDirectoryNotMadeDurableIsRemovedWithWhatIsInIt() throws IOException {
        Files.createDirectories(root.resolve("d/e"));
        writeSynced(root.resolve("d/e/f"), "data");

        cutAndRemount();

        assertEquals(List.of(), list(root));
    }

    /** The child's name is durable in d, d's in the root is not: a crash may keep d (this one does) or lose both. */
    @Test
    void aDirectoryWithADurableEntryIsKeptThoughItsMkdirWasNotDurable() throws IOException {
        Files.createDirectory(root.resolve("d"));
        writeDurable(root.resolve("d/f"), "data");

        CutReport report = cutAndRemount();

        assertEquals("data", read(root.resolve("d/f")));
        assertEquals(1, report.skipped(), "the mkdir's undo does not apply to a directory that is not empty");
    }

    @Test
    void anRmdirNotMadeDurableIsUndone() throws IOException {
        Files.createDirectory(root.resolve("d"));
        syncDirectory(root);
        Files.delete(root.resolve("d"));
        assertFalse(Files.exists(root.resolve("d")));

        cutAndRemount();

        assertTrue(Files.isDirectory(root.resolve("d")));
    }

    @Test
    void rmdirRefusesADirectoryThatIsNotEmpty() throws IOException {
        Files.createDirectory(root.resolve("d"));
        write(root.resolve("d/f"), "");

        assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(root.resolve("d")));
        assertTrue(Files.exists(root.resolve("d/f")));
    }

    /** The journal holds directories by handle: a create inside a directory that was renamed since is still undone. */
    @Test
    void anUndoFindsItsDirectoryAfterTheDirectoryWasRenamed() throws IOException {
        Files.createDirectory(root.resolve("d"));
        syncDirectory(root);
        writeSynced(root.resolve("d/f"), "not durable: d was never synced");
        Files.move(root.resolve("d"), root.resolve("e"), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(root);

        cutAndRemount();

        assertEquals(List.of("e"), list(root));
        assertEquals(List.of(), list(root.resolve("e")));
    }

    @Test
    void symbolicLinksFollowTheSameRules() throws IOException {
        Files.createSymbolicLink(root.resolve("kept"), Path.of("target"));
        Files.createSymbolicLink(root.resolve("lost"), Path.of("target"));
        assertEquals(Path.of("target"), Files.readSymbolicLink(root.resolve("lost")));
        syncDirectory(root);
        Files.delete(root.resolve("lost"));
        Files.createSymbolicLink(root.resolve("lost"), Path.of("elsewhere"));

        cutAndRemount();

        assertEquals(Path.of("target"), Files.readSymbolicLink(root.resolve("kept")));
        assertEquals(Path.of("target"), Files.readSymbolicLink(root.resolve("lost")));
    }

    @Test
    void theGraveyardIsHidden() throws IOException {
        writeDurable(root.resolve("f"), "x");
        Files.delete(root.resolve("f"));
        assertTrue(Files.exists(backing.resolve(".powerloss-graveyard")));

        assertEquals(List.of(), list(root));
        assertFalse(Files.exists(root.resolve(".powerloss-graveyard")));
        assertThrows(IOException.class, () -> Files.createDirectory(root.resolve(".powerloss-graveyard")));
    }

    /** A cut leaves a state that later mounts show unchanged; closing without a cut undoes nothing. */
    @Test
    void theStateACutLeavesIsStableAndAPlainRemountUndoesNothing() throws IOException {
        writeDurable(root.resolve("durable"), "d");
        writeSynced(root.resolve("name-not-durable"), "n");
        cutAndRemount();
        fs = fs.remount();
        root = fs.mountPoint();
        assertEquals(List.of("durable"), list(root));

        writeSynced(root.resolve("kept-by-a-plain-remount"), "k");
        write(root.resolve("durable"), "unsynced data is lost all the same");
        fs = fs.remount();
        root = fs.mountPoint();

        assertEquals(List.of("durable", "kept-by-a-plain-remount"), list(root));
        assertEquals("d", read(root.resolve("durable")));
        assertEquals("k", read(root.resolve("kept-by-a-plain-remount")));
    }

    @Test
    void makeDurableKeepsEverythingAsACleanUnmountWould() throws IOException {
        Files.createDirectory(root.resolve("d"));
        write(root.resolve("d/f"), "never synced by the program");
        writeDurable(root.resolve("gone"), "g");
        Files.delete(root.resolve("gone"));

        fs.makeDurable();
        assertEquals(0, fs.stats().pendingWrites());
        assertEquals(0, fs.stats().journal());
        CutReport report = cutAndRemount();

        assertEquals(new CutReport(0, 0, 0, 0, 0), report);
        assertEquals("never synced by the program", read(root.resolve("d/f")));
        assertFalse(Files.exists(root.resolve("gone")));
        assertGraveyardEmpty();
    }

    static List<String> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
