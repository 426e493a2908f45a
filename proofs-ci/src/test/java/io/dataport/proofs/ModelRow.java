package io.dataport.proofs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One row of {@code spec/models.tsv}: a TLA+ module, the configuration TLC checks it with, the
 * result TLC must report, the tier the row belongs to and, for a row expected to fail, the
 * minimum length of TLC's counterexample ({@code mindepth}, in states, at least 2; {@code null}
 * for a row expected to pass, written "-"). Paths are relative to {@code spec/}.
 */
record ModelRow(int line, String spec, String cfg, Expectation expected, String tier, Integer minDepth) {

    static final String CI = "ci";
    static final String DEEP = "deep";
    /** The columns of spec/models.tsv, in order (tab-separated). */
    static final List<String> COLUMNS = List.of("spec", "cfg", "expected", "tier", "mindepth");

    /** A row is run in tier {@code ci} when its tier is ci; tier {@code deep} runs every row. */
    boolean runsIn(String selectedTier) {
        return DEEP.equals(selectedTier) || tier.equals(selectedTier);
    }

    /** Name of the model: its configuration path without ".cfg". */
    String name() {
        return cfg.endsWith(".cfg") ? cfg.substring(0, cfg.length() - 4) : cfg;
    }

    boolean expectedToPass() {
        return expected.equals(Expectation.PASS);
    }

    /**
     * The strict verdict on one TLC run of this row: empty when TLC reported exactly what the row
     * expects, else why not. For a row expected to fail, TLC's result must be the expected one
     * (kind and name: a different invariant or property, or a deadlock where a violation was
     * expected, is a failure) AND its counterexample must be at least {@code mindepth} states
     * long; a violation in the initial state (a trace of one state) is never accepted: it says
     * the model is broken (its Init, its constants), not that the mutant was caught.
     */
    Optional<String> verdict(TlcOutcome outcome) {
        Expectation got = outcome.result();
        if (!expectedToPass()) {
            int trace = outcome.traceLength();
            if (trace == 1) {
                return Optional.of("TLC reported " + got + " in the INITIAL state (a trace of 1 state): "
                        + "the model is broken, a mutant or witness must be rejected by a reachable step");
            }
            if (!got.equals(expected)) {
                return Optional.of("expected " + expected + " but TLC reported " + got);
            }
            if (trace < 0) {
                return Optional.of("TLC reported " + got + " but printed no counterexample: mindepth "
                        + minDepth + " cannot be checked");
            }
            if (trace < minDepth) {
                return Optional.of("TLC reported " + got + " with a counterexample of " + trace
                        + " states, shorter than the row's mindepth " + minDepth);
            }
            return Optional.empty();
        }
        return got.equals(expected) ? Optional.empty()
                : Optional.of("expected " + expected + " but TLC reported " + got);
    }

    static List<ModelRow> read(Path manifest) {
        List<String> lines;
        try {
            lines = Files.readAllLines(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model manifest " + manifest, e);
        }
        return parse(manifest.toString(), lines);
    }

    static List<ModelRow> parse(String source, List<String> lines) {
        List<ModelRow> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i).strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            String where = source + ":" + (i + 1) + ": ";
            String[] cells = lines.get(i).split("\t", -1);
            if (cells.length != COLUMNS.size()) {
                throw new IllegalArgumentException(where + "expected " + COLUMNS.size()
                        + " tab-separated cells " + COLUMNS + ", got " + cells.length);
            }
            String tier = cells[3].strip();
            if (!tier.equals(CI) && !tier.equals(DEEP)) {
                throw new IllegalArgumentException(where + "tier must be ci or deep, not " + tier);
            }
            Expectation expected = Expectation.parse(cells[2].strip());
            String depth = cells[4].strip();
            Integer minDepth;
            if (expected.equals(Expectation.PASS)) {
                if (!depth.equals("-")) {
                    throw new IllegalArgumentException(where + "a model expected to pass has no counterexample: "
                            + "mindepth must be -, not " + depth);
                }
                minDepth = null;
            } else {
                try {
                    minDepth = Integer.valueOf(depth);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(where + "mindepth of a row expected to fail must be a "
                            + "number of states (at least 2), not " + depth);
                }
                if (minDepth < 2) {
                    throw new IllegalArgumentException(where + "mindepth must be at least 2 (a violation in the "
                            + "initial state is never a rejected mutant), not " + minDepth);
                }
            }
            rows.add(new ModelRow(i + 1, cells[0].strip(), cells[1].strip(), expected, tier, minDepth));
        }
        return rows;
    }
}
