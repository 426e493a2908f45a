package io.dataport.vms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The minimal loop between two processes: every message arrives in order; bad usage exits 2. */
class MinimalLoopTest {
    @TempDir
    Path dir;

    private Process side(Path file, String side, int size, String nonce) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), MinimalLoop.class.getName(), "--region", file.toString(),
                "--side", side, "--size", Integer.toString(size), "--nonce", nonce, "--seconds", "0.5"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    @Test
    void everyMessageArrivesInOrderAtBothSizes() throws Exception {
        Path file = Files.createFile(dir.resolve("region"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        for (int size : new int[] {64, 1500}) {
            Files.write(file, new byte[2 << 20]); // zeroed, as the host does before each loop
            Process consumer = side(file, "consumer", size, "77");
            Process producer = side(file, "producer", size, "77");
            try {
                assertTrue(producer.waitFor(120, TimeUnit.SECONDS), "the producer hung");
                assertTrue(consumer.waitFor(120, TimeUnit.SECONDS), "the consumer hung");
                String out = new String(consumer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                String sent = new String(producer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                System.out.print(sent + out);
                assertEquals(0, producer.exitValue(), sent);
                assertEquals(0, consumer.exitValue(), out);
                Matcher p = Pattern.compile("messages=(\\d+)").matcher(sent);
                Matcher c = Pattern.compile("messages=(\\d+) .* errors=0").matcher(out);
                assertTrue(p.find() && c.find(), sent + out);
                assertEquals(p.group(1), c.group(1), "the consumer got every message the producer sent");
                assertTrue(Long.parseLong(c.group(1)) > 1024, "more messages than slots: the loop wrapped");
            } finally {
                producer.destroyForcibly();
                consumer.destroyForcibly();
            }
        }
    }

    @Test
    void badUsageExitsTwo() throws Exception {
        Path small = Files.write(dir.resolve("small"), new byte[4096]);
        for (String[] args : new String[][] {
                {"--region", small.toString(), "--side", "both", "--nonce", "1"},
                {"--region", small.toString(), "--side", "producer", "--nonce", "1"},
                {"--region", dir.resolve("missing").toString(), "--side", "producer", "--nonce", "1"},
                {"--region", small.toString(), "--side", "producer", "--nonce", "0"},
                {"--side", "producer"}}) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), MinimalLoop.class.getName()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, p.exitValue(), String.join(" ", args) + ": " + out);
            assertTrue(out.startsWith("minimal-loop: ") && !out.contains("\tat "), out);
        }
    }
}
