package io.dataport.vms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link AtomicsCheck} as two JVM processes (side a and side b) on a 2 MiB region file (the 4 KiB
 * control area and the default 1 MiB litmus area fit in it, at offset 0 or a few pages in) and decides
 * by their exit codes and printed counters only, never by elapsed time. A process that does not end
 * within {@link #HUNG_SECONDS} fails the test (that bound only ends a hung test).
 */
class AtomicsCheckTest {
    static final long HUNG_SECONDS = 120;
    static final long N = 200_000;
    /**
     * Litmus slots per run: the default --rounds. With 20,000 (the old value) the fence removed from the
     * fenced path was caught in only 3 of 5 runs on the host (2 vCPUs); with 50,000 forbidden slots
     * appeared in every measured run without the fence.
     */
    static final long R = 50_000;
    static final int REGION = 2 << 20;
    /** What a run uses from its offset: the control area and the default litmus area. */
    static final int USED = AtomicsCheck.AREA + (1 << 20);
    static final int MAX_CONTROL_RUNS = 5;
    static final long SEED = Long.getLong("atomics.seed", System.nanoTime());
    static final Random RANDOM = new Random(SEED);

    static {
        System.out.println("AtomicsCheckTest seed=" + SEED + " (rerun with -Datomics.seed=" + SEED + ")");
    }

    @TempDir
    Path dir;

    /** One run of one side: exit code, stdout, stderr, and the key=value fields of its stdout line. */
    record Run(String side, int code, String out, String err, Map<String, String> fields) {
        long num(String key) {
            String v = fields.get(key);
            if (v == null) {
                fail("side " + side + " printed no " + key + "=: out=" + out + " err=" + err);
            }
            return Long.parseLong(v);
        }

        String str(String key) {
            return fields.get(key);
        }
    }

    /** A started side, its output going to files (no pipe to fill). */
    record Started(String side, Process process, Path out, Path err) {}

    static String nonce() {
        String n = Long.toHexString(RANDOM.nextLong() | 1L);
        System.out.println("AtomicsCheckTest nonce=" + n);
        return n;
    }

    Path region(String name, long size) throws IOException {
        Path p = Files.createFile(dir.resolve(name), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    Started start(String side, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), AtomicsCheck.class.getName()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "side-" + side, ".out");
        Path err = Files.createTempFile(dir, "side-" + side, ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new Started(side, p, out, err);
    }

    static Run finish(Started s) throws Exception {
        if (!s.process().waitFor(HUNG_SECONDS, TimeUnit.SECONDS)) {
            s.process().destroyForcibly();
            fail("side " + s.side() + " did not end within " + HUNG_SECONDS + " s (hung)");
        }
        String out = Files.readString(s.out()).strip();
        String err = Files.readString(s.err()).strip();
        Map<String, String> fields = new HashMap<>();
        for (String token : out.split("\\s+")) {
            int eq = token.indexOf('=');
            if (eq > 0) {
                fields.put(token.substring(0, eq), token.substring(eq + 1));
            }
        }
        System.out.println("AtomicsCheckTest side " + s.side() + " exit=" + s.process().exitValue() + " out: " + out
                + (err.isEmpty() ? "" : " | err: " + err));
        return new Run(s.side(), s.process().exitValue(), out, err, fields);
    }

    /** Runs side a and side b at once with the same arguments; returns {a, b}. */
    Run[] pair(Path region, String nonce, String... extra) throws Exception {
        List<String> common = new ArrayList<>(List.of("--region", region.toString(), "--nonce", nonce));
        common.addAll(List.of(extra));
        Started a = null;
        Started b = null;
        try {
            a = start("a", with(common, "--side", "a"));
            b = start("b", with(common, "--side", "b"));
            return new Run[] {finish(a), finish(b)};
        } finally {
            destroy(a);
            destroy(b);
        }
    }

    static String[] with(List<String> common, String... more) {
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    static void destroy(Started s) {
        if (s != null && s.process().isAlive()) {
            s.process().destroyForcibly();
        }
    }

    static byte[] used(Path region, long offset) throws IOException {
        byte[] all = Files.readAllBytes(region);
        return Arrays.copyOfRange(all, (int) offset, (int) offset + USED);
    }

    static void assertPassed(Run r) {
        assertEquals(0, r.code(), "side " + r.side() + " exit code: " + r.out() + " " + r.err());
        assertEquals(4 * N, r.num("expected"));
        assertEquals(4 * N, r.num("final"), "side " + r.side() + " final counter");
        assertEquals(0, r.num("lost"));
        assertEquals(R, r.num("rounds"));
        assertEquals(0, r.num("forbidden"), "side " + r.side() + " forbidden litmus slots with the fence");
        assertEquals("on", r.str("fence"));
        assertEquals("none", r.str("broken"));
        assertEquals("true", r.str("ok"));
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void fencedRunWithRealAtomicsPassesAndLeavesZeros() throws Exception {
        Path region = region("pair.region", REGION);
        String nonce = nonce();
        Run[] runs = pair(region, nonce, "--cas", "" + N, "--rounds", "" + R);
        for (Run r : runs) {
            assertPassed(r);
            assertEquals(nonce, r.str("nonce"));
        }
        assertArrayEquals(new byte[USED], used(region, 0), "side a zeroes the control and litmus areas at the end");
    }

    @Test
    void withoutTheFenceTheLitmusShowsForbiddenRounds() throws Exception {
        Path region = region("pair.region", REGION);
        for (int run = 1; run <= MAX_CONTROL_RUNS; run++) {
            Run[] runs = pair(region, nonce(), "--cas", "1000", "--rounds", "" + R, "--broken", "fence");
            for (Run r : runs) {
                assertEquals(r.num("forbidden") > 0 ? 1 : 0, r.code(), "exit 1 exactly when violated: " + r.out());
                assertEquals("off", r.str("fence"));
                assertEquals(R, r.num("rounds"));
                assertEquals(0, r.num("lost"), "the CAS race still uses real atomics");
                assertFalse(r.err().contains("\tat "), r.err());
            }
            assertEquals(runs[0].num("forbidden"), runs[1].num("forbidden"), "both sides count the same forbidden slots");
            if (runs[0].num("forbidden") > 0) {
                assertEquals(1, runs[0].code());
                assertEquals(1, runs[1].code());
                assertEquals("false", runs[0].str("ok"));
                System.out.println("AtomicsCheckTest no fence: forbidden " + runs[0].num("forbidden") + " of " + R
                        + " slots, run " + run);
                return;
            }
        }
        fail("no forbidden litmus slot in " + MAX_CONTROL_RUNS + " runs of " + R + " slots without the fence");
    }

    @Test
    void aPlainReadThenWriteLosesIncrements() throws Exception {
        Path region = region("pair.region", REGION);
        for (int run = 1; run <= MAX_CONTROL_RUNS; run++) {
            Run[] runs = pair(region, nonce(), "--cas", "" + N, "--rounds", "100", "--broken", "cas");
            for (Run r : runs) {
                assertEquals("cas", r.str("broken"));
                assertEquals(4 * N - r.num("final"), r.num("lost"));
                assertFalse(r.err().contains("\tat "), r.err());
            }
            assertEquals(runs[0].num("final"), runs[1].num("final"), "both sides read the same final counter");
            if (runs[0].num("lost") > 0) {
                assertEquals(1, runs[0].code());
                assertEquals(1, runs[1].code());
                System.out.println("AtomicsCheckTest broken cas: lost " + runs[0].num("lost") + " of " + 4 * N
                        + " increments, run " + run);
                return;
            }
        }
        fail("no increment lost in " + MAX_CONTROL_RUNS + " runs of N=" + N + " with the broken increment");
    }

    @Test
    void aPeerThatNeverComesExits3() throws Exception {
        Path region = region("pair.region", REGION);
        Started a = start("a", "--region", region.toString(), "--side", "a", "--nonce", nonce(), "--timeout", "2");
        try {
            Run r = finish(a);
            assertEquals(3, r.code());
            assertEquals("", r.out());
            assertEquals("atomics: side a: the peer did not arrive within 2 s (is the other side running on the same region?)", r.err());
        } finally {
            destroy(a);
        }
    }

    /** Runs in this JVM through the same entry main uses; returns {code, stdout, stderr}. */
    static Object[] inProcess(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = AtomicsCheck.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Object[] {code, out.toString(StandardCharsets.UTF_8).strip(), err.toString(StandardCharsets.UTF_8).strip()};
    }

    static void assertBadUsage(String mentions, Object[] result) {
        System.out.println("AtomicsCheckTest bad usage -> " + result[2]);
        assertEquals(2, result[0], "exit code; err: " + result[2]);
        assertEquals("", result[1]);
        String err = (String) result[2];
        assertTrue(err.startsWith("atomics: "), err);
        assertFalse(err.contains("\n"), "one line: " + err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        assertTrue(err.contains(mentions), "'" + err + "' names " + mentions);
    }

    @Test
    void badUsageExits2WithOneLine() throws Exception {
        Path region = region("pair.region", REGION);
        Path small = region("small.region", 8192);
        Path oneMiB = region("one-mib.region", 1 << 20);
        String r = region.toString();
        String n = nonce();
        assertBadUsage("--side", inProcess("--region", r, "--side", "c", "--nonce", n));
        assertBadUsage("multiple of 4096", inProcess("--region", r, "--side", "a", "--nonce", n, "--offset", "1000"));
        assertBadUsage("too small", inProcess("--region", small.toString(), "--side", "a", "--nonce", n, "--offset", "8192"));
        // 1 MiB holds no 4 KiB control area plus the default 1 MiB litmus area
        assertBadUsage("smaller --litmus-bytes", inProcess("--region", oneMiB.toString(), "--side", "a", "--nonce", n));
        assertBadUsage("--litmus-bytes", inProcess("--region", r, "--side", "a", "--nonce", n, "--litmus-bytes", "1000"));
        assertBadUsage("--litmus-bytes", inProcess("--region", r, "--side", "a", "--nonce", n, "--litmus-bytes", "0"));
        assertBadUsage("does not exist", inProcess("--region", dir.resolve("missing").toString(), "--side", "b", "--nonce", n));
        assertBadUsage("--nonce", inProcess("--region", r, "--side", "a", "--nonce", "0"));
        assertBadUsage("--nonce", inProcess("--region", r, "--side", "a", "--nonce", "xyz"));
        assertBadUsage("--region", inProcess("--side", "a", "--nonce", n));
        assertBadUsage("--cas", inProcess("--region", r, "--side", "a", "--nonce", n, "--cas", "many"));
        assertArrayEquals(new byte[REGION], Files.readAllBytes(region), "bad usage touches nothing");
        assertArrayEquals(new byte[1 << 20], Files.readAllBytes(oneMiB), "a too small region is not touched");

        // the same through main, a process of its own
        Started missing = start("b", "--region", dir.resolve("missing").toString(), "--side", "b", "--nonce", n);
        try {
            Run run = finish(missing);
            assertBadUsage("does not exist", new Object[] {run.code(), run.out(), run.err()});
        } finally {
            destroy(missing);
        }

        // two sides started with different options both refuse
        Started a = null;
        Started b = null;
        try {
            String n2 = nonce();
            a = start("a", "--region", r, "--side", "a", "--nonce", n2, "--cas", "10", "--rounds", "10");
            b = start("b", "--region", r, "--side", "b", "--nonce", n2, "--cas", "10", "--rounds", "10", "--litmus-bytes", "8192");
            for (Run run : new Run[] {finish(a), finish(b)}) {
                assertBadUsage("give both sides the same options", new Object[] {run.code(), run.out(), run.err()});
            }
        } finally {
            destroy(a);
            destroy(b);
        }
    }

    @Test
    void aStaleAreaFromAnEarlierRunIsHarmless() throws Exception {
        long offset = 3 * 4096;
        Path region = region("pair.region", REGION);
        byte[] before = new byte[REGION];
        RANDOM.nextBytes(before); // garbage everywhere, in the area and around it
        String earlier = nonce();
        ByteBuffer area = ByteBuffer.wrap(before, (int) offset, AtomicsCheck.AREA).slice().order(ByteOrder.LITTLE_ENDIAN);
        long earlierNonce = Long.parseUnsignedLong(earlier, 16);
        area.putLong(AtomicsCheck.ARRIVED_A, earlierNonce); // an earlier run's pair, stopped halfway
        area.putLong(AtomicsCheck.ARRIVED_B, earlierNonce);
        area.putLong(AtomicsCheck.DONE_A, earlierNonce);
        area.putLong(AtomicsCheck.DONE_B, earlierNonce);
        area.putLong(AtomicsCheck.CHUNK_A, Long.MAX_VALUE);
        area.putLong(AtomicsCheck.CHUNK_B, Long.MAX_VALUE);
        area.putLong(AtomicsCheck.STALE_A, 1); // a bitmap tagged for chunk 1, all slots stale
        area.putLong(AtomicsCheck.STALE_B, 1);
        for (int i = 0; i < AtomicsCheck.CHUNK / 8; i += 8) {
            area.putLong(AtomicsCheck.STALE_A + AtomicsCheck.LINE + i, -1L);
            area.putLong(AtomicsCheck.STALE_B + AtomicsCheck.LINE + i, -1L);
        }
        area.putLong(AtomicsCheck.COUNTER, 12345);
        Files.write(region, before);

        String nonce = nonce();
        // side b alone waits for a's arrival with this nonce and writes nothing meanwhile
        Started b = start("b", "--region", region.toString(), "--side", "b", "--nonce", nonce, "--timeout", "2", "--offset", "" + offset);
        try {
            Run r = finish(b);
            assertEquals(3, r.code(), r.err());
            assertTrue(r.err().contains("the peer did not arrive within 2 s"), r.err());
        } finally {
            destroy(b);
        }
        assertArrayEquals(before, Files.readAllBytes(region), "side b touched the area before side a arrived");

        Run[] runs = pair(region, nonce, "--cas", "" + N, "--rounds", "" + R, "--offset", "" + offset);
        for (Run r : runs) {
            assertPassed(r);
        }
        byte[] after = Files.readAllBytes(region);
        assertArrayEquals(new byte[USED], Arrays.copyOfRange(after, (int) offset, (int) offset + USED));
        Arrays.fill(before, (int) offset, (int) offset + USED, (byte) 0);
        assertArrayEquals(before, after, "only the control and litmus areas at the offset are touched");
    }
}
