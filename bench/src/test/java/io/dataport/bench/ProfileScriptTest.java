package io.dataport.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code bench/profile}'s command line: a usage error exits 2 with a one-line usage, before it
 * starts anything. (The profile itself needs perf and two busy JVMs: a documented command,
 * {@code docs/benchmarks.md} "Profile", not a test.)
 */
class ProfileScriptTest {
    private static final Path SCRIPT = Path.of("profile").toAbsolutePath();

    private static String[] run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bench/profile " + command + " hung");
        return new String[] {String.valueOf(p.exitValue()), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)};
    }

    @Test
    void usageErrorsExit2WithTheUsageLine() throws Exception {
        for (String[] args : new String[][] {{}, {"zeromq"}, {"dataport", "big"}, {"agrona", "64", "0"}}) {
            String[] result = run(args);
            assertEquals("2", result[0], String.join(" ", args) + ": " + result[1]);
            assertEquals("usage: bench/profile dataport|agrona [SIZE [SECONDS]]\n", result[1], String.join(" ", args));
        }
    }
}
