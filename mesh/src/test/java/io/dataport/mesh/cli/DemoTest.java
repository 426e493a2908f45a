package io.dataport.mesh.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The README's main job, short: three node processes, perf on all six links, one table, nothing left. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DemoTest {
    @TempDir
    Path dir;

    @Test
    void demoPrintsTheSixLinkTableAndLeavesNothingBehind() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = MeshDemo.run(new String[] {"-t", "0.4", "--dir", dir.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, text + err);
        for (String link : new String[] {"0->1", "1->0", "0->2", "2->0", "1->2", "2->1"}) {
            Matcher row = Pattern.compile("(?m)^" + Pattern.quote(link) + " +([0-9.]+) +([0-9,]+) +0 +0 +0 +\\d+ +\\d+$")
                    .matcher(text);
            assertTrue(row.find(), link + " row in:\n" + text);
            assertTrue(Double.parseDouble(row.group(1)) > 0, text);
        }
        Matcher pids = Pattern.compile("node PIDs: \\[0=(\\d+), 1=(\\d+), 2=(\\d+)\\]").matcher(text);
        assertTrue(pids.find(), text);
        for (int i = 1; i <= 3; i++) {
            assertFalse(ProcessHandle.of(Long.parseLong(pids.group(i))).map(ProcessHandle::isAlive).orElse(false),
                    "process " + pids.group(i) + " was stopped");
        }
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "the demo's directory was removed");
        }
    }
}
