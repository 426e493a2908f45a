package io.dataport.bench.xproc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The quick comparison in {@code mvn verify}: every system × size × mode for a fraction of a second
 * in two JVMs, every message verified, plus the copy ceiling and the ping-pongs. Correctness only:
 * it fails on a verification error, a child that dies or hangs, or a run with no message; no speed
 * is asserted (docs/benchmarks.md).
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
    void badArgumentsAreNamed() {
        String[][] bad = {{"--reps", "0"}, {"--sizes", "8"}, {"--systems", "kafka"}, {"--seconds", "x"}, {"--frobnicate"}};
        for (String[] args : bad) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Options.parse(args));
            assertTrue(e.getMessage().contains(args[0].startsWith("--") && args.length > 1 ? args[0] : args[0])
                    || e.getMessage().contains(args[args.length - 1]), e.getMessage());
        }
    }
}
