package io.dataport.mesh.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.dataport.queue.Region;
import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionOptions;
import io.dataport.queue.RingProducer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dataport region create|info|zero}: what it prints, and its exit codes 0, 1 and 2. */
class RegionCommandTest {
    @TempDir
    Path dir;

    record Result(int status, String out, String err) {
    }

    static Result run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, System.in, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void createInfoAndZero() throws Exception {
        Path file = dir.resolve("pair.region");
        Result created = run("region", "create", file.toString(), "--ring", "64k");
        assertEquals(0, created.status(), created.err());
        assertEquals("created " + file + ": 131072 bytes, 0600; a pair in it gets rings of 65536 bytes\n", created.out());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        RegionGeometry pair = RegionGeometry.pair(131072, 0, 1, 9);
        RegionOptions options = RegionOptions.defaults().withHolder(0xabc).withKeeper(false).withLeaseTimeout(Duration.ofSeconds(10));
        try (Region region = Region.open(file, pair, options); RingProducer p = region.attachProducer(0)) {
            assertTrue(p.offer(new byte[100]));
            Result info = run("region", "info", file.toString());
            assertEquals(0, info.status(), info.err());
            assertTrue(info.out().startsWith(file + ": 131072 bytes, format generation 1, tag 9, 2 rings\n"), info.out());
            assertTrue(info.out().contains("ring 0 (id 0): node 0 -> node 1, capacity 65536, max record 28664; 112 bytes unread;"
                    + " producer held by abc (epoch 1, heartbeat 1); consumer free (epoch 0)"), info.out());
            Result refused = run("region", "zero", file.toString());
            assertEquals(1, refused.status());
            assertTrue(refused.err().startsWith("dataport region: " + file + ": ring 0 has a role held (producer abc"), refused.err());
        }
        Result zeroed = run("region", "zero", file.toString());
        assertEquals(0, zeroed.status(), zeroed.err());
        assertEquals(131072, Files.size(file));
        byte[] all = Files.readAllBytes(file);
        for (byte b : all) {
            assertEquals(0, b);
        }
        // zeroed: it can now be formatted with another geometry
        try (Region other = Region.open(file, RegionGeometry.pair(131072, 0, 2, 9), options)) {
            assertEquals(1, other.generation());
        }
    }

    @Test
    void mistakesGiveOneLineAndTheRightExitCode() throws Exception {
        Path file = dir.resolve("x.region");
        Result noSub = run("region");
        assertEquals(2, noSub.status());
        assertTrue(noSub.err().startsWith("give a subcommand: create, info or zero"), noSub.err());
        Result both = run("region", "create", file.toString(), "--size", "16m", "--ring", "64k");
        assertEquals(2, both.status());
        assertTrue(both.err().startsWith("give exactly one of --size and --ring"), both.err());
        Result badSize = run("region", "create", file.toString(), "--size", "lots");
        assertEquals(1, badSize.status());
        assertEquals("dataport region: size 'lots' is not a number of bytes (e.g. 16m, 64k, 65536)\n", badSize.err());
        Result tooSmall = run("region", "create", file.toString(), "--size", "16k");
        assertEquals(1, tooSmall.status());
        assertTrue(tooSmall.err().contains("too small for two rings: it needs at least 65536 bytes"), tooSmall.err());
        assertFalse(Files.exists(file), "nothing created on a refusal");
        assertEquals(0, run("region", "create", file.toString(), "--size", "65536").status());
        Result exists = run("region", "create", file.toString(), "--size", "65536");
        assertEquals(1, exists.status());
        assertTrue(exists.err().contains("already exists"), exists.err());
        Result notFormatted = run("region", "info", file.toString());
        assertEquals(1, notFormatted.status());
        assertTrue(notFormatted.err().contains("not formatted"), notFormatted.err());
        Result missing = run("region", "zero", dir.resolve("missing").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("not a region file"), missing.err());
        assertEquals(0, run("region", "--version").status());
    }
}
