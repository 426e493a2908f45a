package io.dataport.proofs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.dataport.queue.RandomRingRun;
import io.dataport.queue.RandomRingRun.Variant;
import io.dataport.queue.RingConfig;
import io.dataport.queue.TraceEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trace validation (issue 4, part 3; docs/verification.md, "Trace validation"): the real Java
 * {@code RingProducer} / {@code RingConsumer}, run by {@link RandomRingRun} over a
 * {@code SharedRing} that logs every shared-memory access, must produce only behaviours of
 * {@code spec/DataportRing.tla}. The logs become TLA+ modules under {@code target/trace/}
 * ({@link TraceModule}) that TLC checks against {@code spec/DataportRingTrace.tla}
 * ({@link TraceCheck}).
 *
 * <p>The runs come in two groups, one TLC process each (TLC's start-up, about 2 s, is paid once
 * per group): a 64-byte ring (8 slots) with the largest max record length (24 bytes, 4 slots) and
 * POSMOD 16 (the spec's positions wrap every other lap), and a 128-byte ring (16 slots) with a max
 * record length drawn from the group's first seed and POSMOD 2^20 (positions map one-to-one).
 *
 * <p>System properties: {@code trace.seeds} (comma-separated; seeds at even positions go to the
 * first group, odd ones to the second; default: consecutive seeds from a fixed base, printed;
 * {@code -Ddataport.seed=N} replays base N, {@code -Ddataport.seed=fresh} draws a fresh base),
 * {@code trace.runs} (default 6), {@code trace.events} (events per run that are DataportRing steps,
 * default 2,000; at least 10,000 such events in total are required unless seeds are given; the
 * accesses of fencing that DataportRing has no step for are logged too, see
 * {@code TraceEvent.inDataportRing}).
 */
class TraceValidationTest {
    static final int MIN_TOTAL_EVENTS = 10_000;

    private static final Path SPEC_DIR = Path.of(System.getProperty("tlc.specDir", "../spec"));
    private static final Path TRACE_DIR = Path.of(System.getProperty("trace.dir", "target/trace"));
    private static final String SEEDS = System.getProperty("trace.seeds", "").strip();
    private static final int RUNS = Integer.getInteger("trace.runs", 6);
    private static final int EVENTS_PER_RUN = Integer.getInteger("trace.events", 2_000);
    private static final long TIMEOUT = Long.parseLong(System.getProperty("tlc.timeout.seconds", "900"));

    private static ExecutorService pool;
    private static Tlc tlc;

    @BeforeAll
    static void start() {
        // C1 only: a trace check runs for seconds, and C2's compilation would take most of them
        tlc = new Tlc(SPEC_DIR, TRACE_DIR.resolve("tlc"), "1g", TIMEOUT, List.of("-XX:TieredStopAtLevel=1"));
        pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "trace-tlc");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() {
        pool.shutdownNow();
    }

    /** The base of the seeds when neither trace.seeds nor dataport.seed is given: the same every build. */
    static final long FIXED_BASE = 0x5EED_0000L;

    /**
     * trace.seeds; else consecutive values from a base: {@code -Ddataport.seed=N} (replay a base),
     * {@code -Ddataport.seed=fresh} (a random base, for long runs), or {@link #FIXED_BASE}. Printed.
     */
    static long[] seeds(int runs) {
        if (!SEEDS.isEmpty()) {
            return Arrays.stream(SEEDS.split("[,\\s]+")).mapToLong(Long::parseLong).toArray();
        }
        String given = System.getProperty("dataport.seed", "").strip();
        long base = given.isEmpty() ? FIXED_BASE
                : given.equals("fresh") ? new SplittableRandom().nextLong() & ~0xFFL : Long.parseLong(given);
        System.out.println("seed=" + base + " (" + (given.isEmpty() ? "fixed" : given.equals("fresh") ? "fresh" : "given")
                + ") TraceValidationTest, base of " + runs + " seed(s); replay with -Ddataport.seed=" + base);
        long[] seeds = new long[runs];
        for (int i = 0; i < runs; i++) {
            seeds[i] = base + i;
        }
        return seeds;
    }

    /** The two groups' ring sizes; the second group's max record length comes from its first seed. */
    static RingConfig smallRing() {
        return RandomRingRun.config(64, 0, false);
    }

    static RingConfig largeRing(long seed) {
        return RandomRingRun.config(128, seed, true);
    }

    private static Future<TraceCheck.Verdict> submit(String name, long[] seeds, RingConfig config, int posmod,
                                                     int events, Variant variant) {
        return pool.submit(() -> {
            List<RandomRingRun.Result> runs = new ArrayList<>();
            for (long seed : seeds) {
                runs.add(RandomRingRun.run(seed, config, events, variant));
            }
            return TraceCheck.check(tlc, SPEC_DIR, TraceModule.write(TRACE_DIR, name, runs, posmod));
        });
    }

    @Test
    void randomisedRunsOfTheJavaRingAreBehavioursOfTheSpec() throws Exception {
        long[] seeds = seeds(RUNS);
        String list = Arrays.stream(seeds).mapToObj(Long::toString).collect(Collectors.joining(","));
        long[] small = IntStream.range(0, seeds.length).filter(i -> i % 2 == 0).mapToLong(i -> seeds[i]).toArray();
        long[] large = IntStream.range(0, seeds.length).filter(i -> i % 2 == 1).mapToLong(i -> seeds[i]).toArray();
        System.out.println("Trace validation: seeds " + list + ", " + EVENTS_PER_RUN + " events per run"
                + " (replay: mvn -B verify -Dtest=TraceValidationTest -Dtrace.seeds=" + list + ")");
        List<Future<TraceCheck.Verdict>> futures = new ArrayList<>();
        RingConfig smallRing = smallRing();
        futures.add(submit("DataportRingTrace_64B", small, smallRing, 2 * smallRing.capacity() / 8,
                EVENTS_PER_RUN, Variant.HONEST));
        if (large.length > 0) {
            futures.add(submit("DataportRingTrace_128B", large, largeRing(large[0]), 1 << 20,
                    EVENTS_PER_RUN, Variant.HONEST));
        }
        long total = 0;
        double tlcSeconds = 0;
        List<String> failures = new ArrayList<>();
        for (Future<TraceCheck.Verdict> future : futures) {
            TraceCheck.Verdict verdict = future.get();
            System.out.println("  " + verdict.describe());
            for (RandomRingRun.Result run : verdict.module().runs) {
                System.out.println("    seed " + run.seed() + ": " + run.summary());
            }
            total += verdict.events();
            tlcSeconds += verdict.tlc().seconds();
            if (!verdict.accepted()) {
                failures.add(verdict.describe());
            } else if (verdict.maxOutdegree() != 1) {
                failures.add(verdict.describe() + ": a state with " + verdict.maxOutdegree()
                        + " successors; the trace spec must be deterministic");
            }
        }
        System.out.printf(Locale.ROOT, "Trace validation: %,d events of %d runs accepted by TLC (%.1f s of TLC)%n",
                total, seeds.length, tlcSeconds);
        if (!failures.isEmpty()) {
            fail("TLC rejected trace(s) of the Java ring (seeds " + list + "):\n" + String.join("\n", failures));
        }
        assertTrue(total >= MIN_TOTAL_EVENTS || !SEEDS.isEmpty(),
                "only " + total + " events validated; at least " + MIN_TOTAL_EVENTS + " are required");
    }

    /**
     * Planted divergences, in test code only: the producer writes the end marker one slot past the
     * slot where the next record starts, and the consumer publishes its position before the handler
     * reads the payload. TLC must reject both through TraceAccepted and name the first unmatched event.
     */
    @Test
    void plantedDivergencesAreRejectedAtTheirFirstUnmatchedEvent() throws Exception {
        long seed = seeds(1)[0];
        System.out.println("Planted divergences: seed " + seed);
        RingConfig ring = smallRing();
        int posmod = 2 * ring.capacity() / 8;
        Future<TraceCheck.Verdict> misplaced = submit("DataportRingTrace_endMarkerMisplaced", new long[] {seed}, ring,
                posmod, 300, Variant.END_MARKER_MISPLACED);
        Future<TraceCheck.Verdict> release = submit("DataportRingTrace_releaseBeforeRead", new long[] {seed}, ring,
                posmod, 300, Variant.RELEASE_BEFORE_READ);

        TraceCheck.Verdict v = misplaced.get();
        System.out.println("  " + v.describe());
        assertTrue(v.rejectedByTraceAccepted(), "TLC did not reject the planted divergence: " + v.describe());
        // the misplaced end marker itself: the spec writes it exactly after the record or padding
        assertEquals(v.rejectedRun().plantedAt() + 1, v.firstUnmatched(), v.describe());
        TraceEvent first = v.firstUnmatchedEvent();
        assertEquals("WriteEndMarker", first.action(), v.describe());
        assertEquals(TraceEvent.Side.PRODUCER, first.side(), v.describe());

        TraceCheck.Verdict w = release.get();
        System.out.println("  " + w.describe());
        assertTrue(w.rejectedByTraceAccepted(), "TLC did not reject the planted divergence: " + w.describe());
        // the early publish, or (when it happened to end a batch) the handler's next payload read or
        // the poll's own publish, which the spec no longer allows
        assertTrue(w.firstUnmatched() > w.rejectedRun().plantedAt(), w.describe());
        assertEquals(TraceEvent.Side.CONSUMER, w.firstUnmatchedEvent().side(), w.describe());
    }
}
