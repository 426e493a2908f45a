package io.dataport.proofs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The strict harness: the manifest's mindepth column and {@link ModelRow#verdict}, on excerpts of
 * real TLC 2.18 output (shortened to the lines the harness reads).
 */
class ModelRowTest {

    private static ModelRow row(String expected, String minDepth) {
        return ModelRow.parse("test.tsv", List.of("mutants/M.tla\tmutants/M.cfg\t" + expected + "\tci\t" + minDepth))
                .get(0);
    }

    private static String trace(String error, int states) {
        StringBuilder out = new StringBuilder(error).append("\nError: The behavior up to this point is:\n");
        out.append("State 1: <Initial predicate>\n/\\ x = 0\n\n");
        for (int i = 2; i <= states; i++) {
            out.append("State ").append(i).append(": <Next line 9, col 5 to line 9, col 20 of module M>\n/\\ x = ")
                    .append(i).append("\n\n");
        }
        return out.append("120 states generated, 41 distinct states found, 21 states left on queue.\n")
                .append("The depth of the complete state graph search is ").append(states).append(".\n").toString();
    }

    private static Optional<String> verdict(ModelRow row, int exit, String output, String... cfgProperties) {
        return row.verdict(TlcOutcome.classify(exit, output, List.of(cfgProperties)));
    }

    @Test
    void aViolationOfTheExpectedInvariantWithALongEnoughTraceIsAccepted() {
        ModelRow r = row("invariant NoOverwriteUnread", "5");
        assertEquals(Optional.empty(), verdict(r, 12, trace("Error: Invariant NoOverwriteUnread is violated.", 5)));
        assertEquals(Optional.empty(), verdict(r, 12, trace("Error: Invariant NoOverwriteUnread is violated.", 9)));
    }

    @Test
    void aTraceShorterThanMindepthIsRejected() {
        Optional<String> v = verdict(row("invariant NoOverwriteUnread", "5"), 12,
                trace("Error: Invariant NoOverwriteUnread is violated.", 4));
        assertTrue(v.isPresent() && v.get().contains("4 states, shorter than the row's mindepth 5"), v.toString());
    }

    @Test
    void aViolationInTheInitialStateIsRejectedEvenWithTheExpectedName() {
        String out = "Error: Invariant NeverPoisoned is violated by the initial state:\n/\\ ppc = \"poisoned\"\n\n"
                + "1 states generated, 1 distinct states found, 0 states left on queue.\n";
        TlcOutcome o = TlcOutcome.classify(12, out, List.of());
        assertEquals(Expectation.parse("invariant NeverPoisoned"), o.result());
        assertEquals(1, o.traceLength());
        Optional<String> v = row("invariant NeverPoisoned", "2").verdict(o);
        assertTrue(v.isPresent() && v.get().contains("INITIAL state"), v.toString());
        // a temporal property violated by the initial state too
        String prop = "Error: Property Liveness is violated by the initial state.\n";
        assertTrue(verdict(row("property Liveness", "2"), 13, prop, "Liveness").get().contains("INITIAL state"));
        // and a counterexample that stops at State 1
        assertTrue(verdict(row("invariant I", "2"), 12, trace("Error: Invariant I is violated.", 1))
                .get().contains("INITIAL state"));
    }

    @Test
    void aDifferentInvariantOrPropertyIsRejected() {
        Optional<String> v = verdict(row("invariant NoOverwriteUnread", "2"), 12,
                trace("Error: Invariant ConsumerReadsCommitted is violated.", 9));
        assertEquals(Optional.of("expected invariant NoOverwriteUnread but TLC reported invariant "
                + "ConsumerReadsCommitted"), v);
        assertTrue(verdict(row("property Refinement", "2"), 12,
                trace("Error: Invariant DeliveredInOrder is violated.", 9)).isPresent());
        assertTrue(verdict(row("invariant NeverFull", "2"), 13,
                trace("Error: Action property NeverFull2 is violated.", 9)).isPresent());
    }

    @Test
    void anUnexpectedDeadlockIsRejected() {
        String deadlock = trace("Error: Deadlock reached.", 17);
        assertEquals(Optional.of("expected invariant NeverPoisoned but TLC reported deadlock"),
                verdict(row("invariant NeverPoisoned", "2"), 11, deadlock));
        ModelRow pass = ModelRow.parse("t", List.of("A.tla\tA.cfg\tpass\tci\t-")).get(0);
        assertEquals(Optional.of("expected pass but TLC reported deadlock"), verdict(pass, 11, deadlock));
        assertEquals(Optional.empty(), verdict(row("deadlock", "17"), 11, deadlock));
    }

    @Test
    void aFailureWithoutACounterexampleCannotBeCheckedAndIsRejected() {
        Optional<String> v = verdict(row("invariant I", "2"), 12, "Error: Invariant I is violated.\n");
        assertTrue(v.isPresent() && v.get().contains("no counterexample"), v.toString());
    }

    @Test
    void aLivenessLassoCountsItsStatesOnce() {
        String lasso = "Error: Temporal properties were violated.\n"
                + "Error: The following behavior constitutes a counter-example:\n"
                + "State 1: <Initial predicate>\nState 2: <A>\nState 3: <B>\nBack to state 2: <C>\n";
        TlcOutcome o = TlcOutcome.classify(13, lasso, List.of("Liveness"));
        assertEquals(3, o.traceLength());
        assertEquals(Optional.empty(), row("liveness Liveness", "3").verdict(o));
        assertTrue(row("liveness Liveness", "4").verdict(o).isPresent());
    }

    @Test
    void theManifestFormatIsStrict() {
        ModelRow pass = ModelRow.parse("t", List.of("# comment", "", "A.tla\tA.cfg\tpass\tdeep\t-")).get(0);
        assertNull(pass.minDepth());
        assertEquals(3, pass.line());
        assertEquals(Integer.valueOf(12), row("deadlock", "12").minDepth());
        // four columns (the old format), a pass with a depth, a failure without one or below 2
        assertThrows(IllegalArgumentException.class,
                () -> ModelRow.parse("t", List.of("A.tla\tA.cfg\tpass\tci")));
        assertThrows(IllegalArgumentException.class, () -> row("pass", "3"));
        assertThrows(IllegalArgumentException.class, () -> row("invariant I", "-"));
        assertThrows(IllegalArgumentException.class, () -> row("invariant I", "1"));
        assertThrows(IllegalArgumentException.class, () -> row("deadlock", "x"));
        assertThrows(IllegalArgumentException.class,
                () -> ModelRow.parse("t", List.of("A.tla\tA.cfg\tpass\tnightly\t-")));
    }

    @Test
    void everyRowOfTheRealManifestExpectedToFailHasAMindepthOfAtLeastTwo() {
        List<ModelRow> rows = TlcModelsTest.manifest();
        assertTrue(rows.stream().anyMatch(r -> !r.expectedToPass()), "no row expected to fail");
        for (ModelRow r : rows) {
            if (r.expectedToPass()) {
                assertNull(r.minDepth(), r.cfg());
            } else {
                assertTrue(r.minDepth() != null && r.minDepth() >= 2, r.cfg());
            }
        }
    }
}
