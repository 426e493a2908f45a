package io.dataport.mesh.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.dataport.mesh.MeshConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --notify uio}, {@code --uio-sysfs} and {@code --uio-dev} on the command line: parsed into
 * the mesh's configuration by every mesh command, refused without {@code --notify uio}, and a node
 * whose guest lacks a device exits with the one-line error (the devices themselves are tested in
 * {@code UioNodeTest}).
 */
class UioOptionsTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    private final PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    private final ByteArrayInputStream none = new ByteArrayInputStream(new byte[0]);

    private String errText() {
        String text = err.toString(StandardCharsets.UTF_8);
        err.reset();
        return text;
    }

    @Test
    void theOptionsMakeTheMeshConfiguration() {
        Args args = new Args("node", new String[] {"--notify", "uio", "--uio-sysfs", "/tmp/sys", "--uio-dev", "/tmp/dev"},
                Args.MESH_OPTIONS, java.util.Set.of());
        MeshConfig config = args.meshConfig();
        assertEquals(MeshConfig.Notify.UIO, config.notifier());
        assertEquals(Path.of("/tmp/sys"), config.uioSysfs());
        assertEquals(Path.of("/tmp/dev"), config.uioDev());
        MeshConfig defaults = new Args("node", new String[] {"--notify", "uio"}, Args.MESH_OPTIONS, java.util.Set.of())
                .meshConfig();
        assertEquals(Path.of("/sys/class/uio"), defaults.uioSysfs());
        assertEquals(Path.of("/dev"), defaults.uioDev());
        assertEquals("pair-1-2", MeshConfig.uioDeviceName(2, 1));
        assertTrue(Main.USAGE.contains("--notify socket|poll|uio") && Main.USAGE.contains("--uio-sysfs DIR")
                && Main.USAGE.contains("--uio-dev DIR"), Main.USAGE);
    }

    @Test
    void uioRootsWithoutNotifyUioAreAUsageErrorForEveryMeshCommand() throws Exception {
        assertEquals(2, Main.run(new String[] {"node", "--id", "0", "--uio-sysfs", dir.toString()}, none, o, e));
        assertTrue(errText().startsWith("dataport: node: --uio-sysfs is for links from UIO devices: add --notify uio\n"));
        assertEquals(2, Main.run(new String[] {"perf", "-s", "--id", "0", "--notify", "poll", "--uio-dev", "x"}, none, o, e));
        assertTrue(errText().startsWith("dataport: perf: --uio-dev is for links from UIO devices: add --notify uio\n"));
        // bridge reads its mesh options before it opens the TUN device
        assertEquals(2, Main.run(new String[] {"bridge", "--id", "0", "--uio-dev", "x"}, none, o, e));
        assertTrue(errText().startsWith("dataport: bridge: --uio-dev is for links from UIO devices: add --notify uio\n"));
        assertEquals(2, Main.run(new String[] {"node", "--id", "0", "--notify", "pigeon"}, none, o, e));
        assertTrue(errText().contains("unknown notifier 'pigeon': use socket (one host), poll (between VMs) or uio"));
    }

    @Test
    void aNodeWhoseGuestLacksADeviceExitsWithTheOneLineError() throws Exception {
        Path sysfs = dir("sys/class/uio");
        Path uio0 = dir("sys/class/uio/uio0");
        Files.writeString(Files.createFile(uio0.resolve("name"), private0600()), "pair-0-1\n");
        String[] command = {"node", "--id", "0", "--notify", "uio", "--uio-sysfs", sysfs.toString(), "--uio-dev",
            dir("dev").toString(), "--exit-on-eof"};
        assertEquals(1, Main.run(command, none, o, e));
        String text = errText();
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.startsWith("dataport: node 0: "), text);
        // pair-0-1 is there (without maps), pair-0-2 is not: the first device is checked first
        assertTrue(text.contains("UIO device uio0 \"pair-0-1\"") && text.contains("has no maps"), text);
        Files.writeString(uio0.resolve("name"), "pair-0-7\n");
        assertEquals(1, Main.run(command, none, o, e));
        text = errText();
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.contains("the link to node 1 is the UIO device named pair-0-1, but " + sysfs
                + " has only uio0 \"pair-0-7\""), text);
        assertEquals(1, Main.run(new String[] {"perf", "-c", "1", "--id", "0", "--notify", "uio", "--uio-sysfs",
            dir("empty").toString(), "-t", "0.1"}, none, o, e));
        text = errText();
        assertTrue(text.contains("has no UIO device at all"), text);
    }

    private Path dir(String relative) throws IOException {
        Path path = dir.resolve(relative);
        Path parent = path.getParent();
        if (!parent.equals(dir) && !Files.isDirectory(parent)) {
            dir(dir.relativize(parent).toString());
        }
        if (!Files.isDirectory(path)) {
            Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return path;
    }

    private static java.nio.file.attribute.FileAttribute<?> private0600() {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    }
}
