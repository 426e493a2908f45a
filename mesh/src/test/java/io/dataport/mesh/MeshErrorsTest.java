package io.dataport.mesh;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Bad configurations give clear errors, and a refused join leaves nothing behind. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MeshErrorsTest {
    @TempDir
    Path dir;

    private MeshConfig config() {
        return MeshConfig.defaults(dir).withSizes(64 * 1024, 4096);
    }

    private static String refusal(MeshConfig config, int id) {
        return assertThrows(MeshException.class, () -> Node.join(config, id).close()).getMessage();
    }

    @Test
    void anUnknownNodeIdIsRefused() {
        String message = refusal(config(), 3);
        assertTrue(message.contains("unknown node id 3"), message);
        assertTrue(message.contains("0 to 2"), message);
        assertTrue(refusal(config(), -1).contains("unknown node id -1"));
    }

    @Test
    void filesOfAnotherMeshAreRefused() {
        try (Node zero = Node.join(config().withName("blue"), 0)) {
            String message = refusal(config().withName("green"), 1);
            assertTrue(message.contains("belongs to another mesh"), message);
            assertTrue(message.contains("pair-0-1.region"), "names the file: " + message);
            assertTrue(message.contains("'green'"), message);
        }
        assertTrue(refusal(config().withName("blue").withNodes(4), 1).contains("belongs to another mesh"),
                "the same name with another node count is another mesh");
    }

    @Test
    void filesWithOtherSizesAreRefused() {
        try (Node zero = Node.join(config(), 0)) {
            String message = refusal(config().withRingCapacity(128 * 1024), 1);
            assertTrue(message.contains("has rings of 65536 bytes"), message);
            assertTrue(message.contains("configured for rings of 131072 bytes"), message);
            assertTrue(message.contains("pair-0-1.region"), message);
            message = refusal(config().withMaxPacketLength(1000), 2);
            assertTrue(message.contains("packets up to 4096 bytes"), message);
            // the refused joins released everything: node 1 with the right sizes joins
            Node.join(config(), 1).close();
        }
    }

    @Test
    void aDirectoryThatIsAFileIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        String message = refusal(config().withDir(file), 0);
        assertTrue(message.contains(file + " is not a directory"), message);
        message = refusal(config().withDir(file.resolve("below")), 0);
        assertTrue(message.contains("cannot create the mesh directory"), message);
    }

    @Test
    void anImmutableDirectoryIsRefused() throws Exception {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        assumeTrue(run("chattr", "+i", locked.toString()), "chattr +i is not available here");
        try {
            String message = refusal(config().withDir(locked), 0);
            assertTrue(message.contains("is not readable and writable"), message);
        } finally {
            assertTrue(run("chattr", "-i", locked.toString()));
        }
    }

    @Test
    void sizesThatCannotWorkAreRefusedBeforeAnyFileIsMade() {
        MeshException e = assertThrows(MeshException.class,
                () -> MeshConfig.defaults(dir).withSizes(64 * 1024, 65536));
        assertTrue(e.getMessage().contains("need a ring of at least 262144 bytes"), e.getMessage());
        assertThrows(MeshException.class, () -> config().withRingCapacity(100_000));
        assertThrows(MeshException.class, () -> config().withNodes(1));
        assertEquals(0, dir.toFile().list().length);
    }

    private static boolean run(String... command) throws Exception {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
