package io.dataport.proofs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Model-checks every row of {@code spec/models.tsv} with TLC (forked) and fails when a real model
 * has any violation or a mutant / witness is not rejected for exactly the expected reason (kind and
 * name) by a counterexample of at least the row's {@code mindepth} states (never by its initial
 * state): {@link ModelRow#verdict}. Writes {@code target/tlc-report.md}.
 *
 * <p>System properties (set by the pom): {@code tlc.specDir}, {@code tlc.workDir}, {@code tlc.report},
 * {@code tlc.tier} ({@code ci} or {@code deep}), {@code tlc.only} (regex on the cfg path),
 * {@code tlc.timeout.seconds}, {@code tlc.parallel} (TLC processes at a time), {@code tlc.workers}
 * (TLC worker threads of a model expected to pass when {@code tlc.parallel} is 1), {@code tlc.heap}.
 *
 * <p>With {@code tlc.parallel} = 2 (the CI default on 2 cores) each TLC process uses one worker and
 * the models expected to pass, the big ones, are started first; the rest fill the other slot.
 */
class TlcModelsTest {
    private static final Path SPEC_DIR = Path.of(System.getProperty("tlc.specDir", "../spec"));
    private static final Path WORK_DIR = Path.of(System.getProperty("tlc.workDir", "target/tlc"));
    private static final Path REPORT = Path.of(System.getProperty("tlc.report", "target/tlc-report.md"));
    private static final String TIER = System.getProperty("tlc.tier", ModelRow.CI).strip();
    private static final String ONLY = System.getProperty("tlc.only", "").strip();
    private static final long TIMEOUT = Long.parseLong(System.getProperty("tlc.timeout.seconds", "900"));
    private static final int WORKERS = Integer.parseInt(System.getProperty("tlc.workers", "2"));
    private static final int PARALLEL = Math.max(1, Integer.parseInt(System.getProperty("tlc.parallel", "2")));
    private static final String HEAP = System.getProperty("tlc.heap", "2g");

    private static final List<String> REPORT_ROWS = Collections.synchronizedList(new ArrayList<>());
    private static final long STARTED = System.nanoTime();

    static List<ModelRow> manifest() {
        return ModelRow.read(SPEC_DIR.resolve("models.tsv"));
    }

    @TestFactory
    Stream<DynamicTest> everyModelGivesItsExpectedResult() {
        Tlc tlc = new Tlc(SPEC_DIR, WORK_DIR, HEAP, TIMEOUT);
        Pattern only = ONLY.isEmpty() ? null : Pattern.compile(ONLY);
        List<ModelRow> rows = manifest().stream()
                .filter(r -> r.runsIn(TIER))
                .filter(r -> only == null || only.matcher(r.cfg()).find())
                .toList();
        assertTrue(!rows.isEmpty(), "no model selected (tier " + TIER + ", only '" + ONLY + "')");
        System.out.println("TLC: " + tlc.jar() + "; tier " + TIER + "; " + rows.size() + " models, "
                + PARALLEL + " at a time");
        int workers = PARALLEL == 1 ? WORKERS : 1;
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL, r -> {
            Thread t = new Thread(r, "tlc");
            t.setDaemon(true);
            return t;
        });
        // Longest first: the models expected to pass explore their whole state space.
        Map<ModelRow, Future<Tlc.Run>> runs = new LinkedHashMap<>();
        rows.stream().filter(ModelRow::expectedToPass)
                .forEach(r -> runs.put(r, pool.submit(() -> tlc.run(r, workers))));
        rows.stream().filter(r -> !r.expectedToPass())
                .forEach(r -> runs.put(r, pool.submit(() -> tlc.run(r, workers))));
        pool.shutdown();
        return rows.stream().map(row -> DynamicTest.dynamicTest(row.name() + " -> " + row.expected(), () -> {
            Tlc.Run run = runs.get(row).get();
            TlcOutcome outcome = run.outcome();
            REPORT_ROWS.add(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %.1f |",
                    row.spec(), row.cfg(), row.expected(), outcome.result(),
                    outcome.distinctStates() < 0 ? "?" : String.format(Locale.ROOT, "%,d", outcome.distinctStates()),
                    outcome.depth(), outcome.traceLength() < 0 ? "-" : Integer.toString(outcome.traceLength()),
                    row.minDepth() == null ? "-" : row.minDepth().toString(), run.seconds()));
            System.out.printf(Locale.ROOT, "%-45s expected %-36s got %-36s %,12d states, trace %3d %6.1f s%n",
                    row.cfg(), row.expected(), outcome.result(), outcome.distinctStates(), outcome.traceLength(),
                    run.seconds());
            row.verdict(outcome).ifPresent(problem -> fail(row.cfg() + " (models.tsv line " + row.line() + "): "
                    + problem + (outcome.detail() == null ? "" : " (" + outcome.detail() + ")")
                    + "; full output: " + run.log() + "; command: " + Tlc.shellLine(run.command())));
        }));
    }

    /** A model that is not in the manifest would never be checked: every .cfg must have a row. */
    @Test
    void everyConfigurationInSpecIsInTheManifest() throws IOException {
        Set<String> listed = manifest().stream().map(ModelRow::cfg).collect(Collectors.toCollection(TreeSet::new));
        Set<String> present;
        try (Stream<Path> files = Files.walk(SPEC_DIR)) {
            present = files.filter(p -> p.toString().endsWith(".cfg"))
                    .map(p -> SPEC_DIR.relativize(p).toString().replace('\\', '/'))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(present, listed, "spec/*.cfg and the cfg column of spec/models.tsv differ");
    }

    /** The issue asks for at least five mutants, each with a named reason for rejection. */
    @Test
    void thereAreAtLeastFiveMutantsAndNoneIsExpectedToPass() {
        List<ModelRow> mutants = manifest().stream().filter(r -> r.spec().startsWith("mutants/")).toList();
        assertTrue(mutants.size() >= 5, "only " + mutants.size() + " mutants");
        for (ModelRow m : mutants) {
            assertTrue(!m.expected().equals(Expectation.PASS), m.cfg() + " is a mutant expected to pass");
            assertEquals(ModelRow.CI, m.tier(), m.cfg() + ": mutants belong in the CI tier");
        }
    }

    @AfterAll
    static void writeReport() {
        if (REPORT_ROWS.isEmpty()) {
            return;
        }
        double total = (System.nanoTime() - STARTED) / 1e9;
        StringBuilder md = new StringBuilder();
        md.append("# TLC report\n\n");
        md.append(String.format(Locale.ROOT,
                "Tier `%s`%s, TLC from %s, %d models, %d TLC process(es) at a time, %.0f s in total (%s).%n%n",
                TIER, ONLY.isEmpty() ? "" : " (only `" + ONLY + "`)", Tlc.tlaToolsJar().getFileName(),
                REPORT_ROWS.size(), PARALLEL, total, Instant.now()));
        md.append("| spec | config | expected | result | distinct states | depth | trace | mindepth | seconds |\n");
        md.append("|---|---|---|---|---:|---:|---:|---:|---:|\n");
        synchronized (REPORT_ROWS) {
            REPORT_ROWS.forEach(r -> md.append(r).append('\n'));
        }
        md.append("\n`depth`: TLC's search depth; `trace N` when TLC printed none (the counterexample's length). "
                + "`trace`: states in TLC's counterexample (1: violated by the initial state), which must be at "
                + "least `mindepth` (spec/models.tsv). "
                + "`seconds`: wall time of that TLC process, including JVM start-up and parsing (about 2 s), "
                + "while the other slot ran another model.\n");
        try {
            Files.createDirectories(REPORT.toAbsolutePath().getParent());
            Files.writeString(REPORT, md.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println();
        System.out.println(md);
        System.out.println("Written to " + REPORT.toAbsolutePath().normalize());
    }
}
