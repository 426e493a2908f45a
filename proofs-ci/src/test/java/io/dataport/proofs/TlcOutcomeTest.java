package io.dataport.proofs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness's reading of TLC output, on excerpts of real TLC 2.18 output. */
class TlcOutcomeTest {

    private static Expectation classify(int exit, String out, String... props) {
        return TlcOutcome.classify(exit, out, List.of(props)).result();
    }

    @Test
    void passNeedsExitZeroAndTheCompletionLine() {
        String out = "Model checking completed. No error has been found.\n"
                + "1268525 states generated, 356021 distinct states found, 0 states left on queue.\n"
                + "The depth of the complete state graph search is 81.\n";
        TlcOutcome o = TlcOutcome.classify(0, out, List.of());
        assertEquals(Expectation.PASS, o.result());
        assertEquals(356021, o.distinctStates());
        assertEquals("81", o.depth());
        assertEquals(Expectation.Kind.ERROR, classify(0, "Finished in 01s", "X").kind());
    }

    @Test
    void invariantIsNamed() {
        assertEquals(Expectation.parse("invariant NoOverwriteUnread"),
                classify(12, "Error: Invariant NoOverwriteUnread is violated.\nState 1: <Initial predicate>\n"));
    }

    @Test
    void actionPropertyByNameOrByLocationWithASingleCfgProperty() {
        assertEquals(Expectation.parse("property R3"), classify(13, "Error: Action property R3 is violated.\n"));
        String located = "Error: Action property line 69, col 23 to line 69, col 35 of module BoundedFifo is violated.\n";
        assertEquals(Expectation.parse("property Refinement"), classify(13, located, "Refinement"));
        assertEquals(Expectation.Kind.ERROR, classify(13, located, "Refinement", "Other").kind());
    }

    @Test
    void temporalViolationNeedsASingleCfgProperty() {
        String out = "Error: Temporal properties were violated.\nState 1: <Initial predicate>\nState 2: <A>\n";
        TlcOutcome o = TlcOutcome.classify(13, out, List.of("Liveness"));
        assertEquals(Expectation.parse("liveness Liveness"), o.result());
        assertEquals("trace 2", o.depth());
        assertEquals(Expectation.Kind.ERROR, classify(13, out, "Liveness", "Refinement").kind());
    }

    @Test
    void deadlockAndHarnessErrors() {
        assertEquals(Expectation.DEADLOCK, classify(11, "Error: Deadlock reached.\n"));
        for (int exit : new int[] {1, 75, 150, 151, 255}) {
            assertEquals(Expectation.Kind.ERROR, classify(exit, "Error: something\n").kind(), "exit " + exit);
        }
        // an exit code alone is not enough: the message must match it
        assertEquals(Expectation.Kind.ERROR, classify(12, "Error: TLC threw an unexpected exception.\n").kind());
    }

    @Test
    void manifestExpectationsParse() {
        assertEquals("invariant X", Expectation.parse("invariant  X").toString());
        assertEquals("deadlock", Expectation.parse("deadlock").toString());
        assertThrows(IllegalArgumentException.class, () -> Expectation.parse("invariant"));
        assertThrows(IllegalArgumentException.class, () -> Expectation.parse("exit 12"));
    }

    @Test
    void cfgPropertiesIgnoreCommentsAndOtherSections() {
        String cfg = "\\* PROPERTY Nope\nSPECIFICATION Spec\nINVARIANTS A B\nPROPERTY\n  Refinement (* Hidden *)\n"
                + "CHECK_DEADLOCK TRUE\n";
        assertEquals(List.of("Refinement"), TlcConfig.properties(cfg));
        assertEquals(List.of("P", "Q"), TlcConfig.properties("PROPERTIES P, Q\n"));
    }
}
