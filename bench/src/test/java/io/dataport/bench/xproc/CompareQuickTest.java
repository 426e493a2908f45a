package io.dataport.bench.xproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The quick comparison in {@code mvn verify}: every system × size × mode for a fraction of a second
 * in two JVMs, every message verified, plus the minimal loops (in place, their result lines checked
 * by the driver), the copy ceiling and the ping-pongs. Correctness only: it fails on a verification
 * error, a child that dies or hangs, a malformed result line or a run with no message; no speed is
 * asserted (docs/benchmarks.md).
 */
class CompareQuickTest {
    @Test
    void everySystemSizeAndModeDeliversVerifiedMessages() throws Exception {
        Path out = Path.of("target", "quick");
        Path json = Compare.run("--quick", "--out", out.toString());
        String text = Files.readString(json);
        for (MessagingSystem system : Systems.ALL) {
            for (int size : new int[] {64, 1500, 65536}) {
                for (Mode mode : Mode.values()) {
                    Matcher m = Pattern.compile("\"system\": \"" + system.name() + "\",\\s*\"size\": " + size
                            + ",\\s*\"mode\": \"" + mode.label() + "\",\\s*\"msgsPerSec\": \\{\\s*\"min\": ([0-9.e+]+)")
                            .matcher(text);
                    assertTrue(m.find(), system.name() + " " + size + " B " + mode.label() + " missing from " + json);
                    assertTrue(Double.parseDouble(m.group(1)) > 0, system.name() + " " + size + " " + mode.label());
                }
            }
        }
        for (String minimal : Systems.MINIMAL_NAMES) {
            for (int size : new int[] {64, 1500, 65536}) {
                Matcher m = Pattern.compile("\"system\": \"" + minimal + "\",\\s*\"size\": " + size
                        + ",\\s*\"mode\": \"in-place\",\\s*\"msgsPerSec\": \\{\\s*\"min\": ([0-9.e+]+)").matcher(text);
                assertTrue(m.find(), minimal + " " + size + " B missing from " + json);
                assertTrue(Double.parseDouble(m.group(1)) > 0, minimal + " " + size);
            }
        }
        assertTrue(text.contains("\"placementBeforeNs\"") && text.contains("\"placement\": \""), "per-run placement");
        assertFalse(text.contains("null"), "a figure is missing in " + json);
        assertTrue(Files.readString(out.resolve("results.svg")).startsWith("<svg"));
    }

    @Test
    void payloadChecksumMatchesItsClosedForm() {
        for (int size : new int[] {16, 17, 64, 1500, 65536}) {
            Payload p = new Payload(size);
            byte[] buf = new byte[size];
            for (long seq : new long[] {0, 1, 255, 1L << 40, -1}) {
                p.fill(buf, seq);
                assertTrue(Payload.checksum(buf, size) == p.expectedChecksum(seq), "size " + size + " seq " + seq);
                buf[size / 2] ^= 1;
                assertFalse(Payload.checksum(buf, size) == p.expectedChecksum(seq), "flip at size " + size);
            }
        }
    }

    @Test
    void minimalLoopsFollowTheRingsSelectedUnlessNamed() {
        assertEquals(List.of("dataport-minimal", "agrona-minimal"), Options.parse(new String[0]).minimal);
        assertEquals(List.of("agrona-minimal"), Options.parse(new String[] {"--systems", "agrona,tcp"}).minimal);
        assertEquals(List.of(), Options.parse(new String[] {"--systems", "tcp"}).minimal);
        assertEquals(List.of(), Options.parse(new String[] {"--no-minimal"}).minimal);
        assertEquals(List.of(), Options.parse(new String[] {"--modes", "copy-out"}).minimal);
        Options named = Options.parse(new String[] {"--systems", "dataport,dataport-minimal"});
        assertEquals(List.of("dataport-minimal"), named.minimal);
        assertEquals(List.of("dataport"), named.systems.stream().map(MessagingSystem::name).toList());
    }

    @Test
    void placementGroups() {
        Runs.Load quiet = new Runs.Load(2, 0.02, 0);
        assertEquals("near", new Runs.Placement(80, 190).group(200, quiet));
        assertEquals("far", new Runs.Placement(300, 480).group(200, quiet));
        assertEquals("mixed", new Runs.Placement(90, 320).group(200, quiet));
        assertEquals("mixed", new Runs.Placement(320, 90).group(200, quiet));
        assertEquals("busy", new Runs.Placement(300, 900).group(200, quiet), "a probe in the thousands: another process");
        assertEquals("busy", new Runs.Placement(80, 90).group(200, new Runs.Load(2, 0.9, 0)), "another process ran");
    }

    @Test
    void badArgumentsAreNamed() {
        String[][] bad = {{"--reps", "0"}, {"--sizes", "8"}, {"--systems", "kafka"}, {"--seconds", "x"}, {"--frobnicate"},
                {"--near-ns", "0"}, {"--pingpong", "agrona-minimal"}, {"--systems", "agrona-minimal", "--no-minimal"},
                {"--systems", "dataport-minimal", "--modes", "copy-out"}};
        for (String[] args : bad) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Options.parse(args));
            assertTrue(e.getMessage().contains(args[0]) || e.getMessage().contains(args[args.length - 1]), e.getMessage());
        }
    }
}
