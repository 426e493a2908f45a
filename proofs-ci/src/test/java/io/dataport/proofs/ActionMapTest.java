package io.dataport.proofs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Spec and code stay walkable: for every table registered in {@code spec/action-maps.tsv}, the
 * actions the table lists are exactly the actions of the spec's next-state relation (no stale row,
 * no action left out), and every Java class, method or field the table names exists
 * ({@link ActionMap}). A later spec registers its own table with one more row.
 */
class ActionMapTest {
    private static final Path SPEC_DIR = Path.of(System.getProperty("tlc.specDir", "../spec"));
    /** The repository root (docs/ lives there); surefire runs in proofs-ci/. */
    private static final Path ROOT = Path.of(System.getProperty("dataport.root", "..")).toAbsolutePath().normalize();

    static List<ActionMap> registered() {
        return ActionMap.read(SPEC_DIR.resolve("action-maps.tsv"));
    }

    @TestFactory
    Stream<DynamicTest> everyRegisteredTableMatchesItsSpecAndTheJavaCode() {
        List<ActionMap> maps = registered();
        assertTrue(maps.stream().anyMatch(m -> m.spec().equals("DataportRing.tla")),
                "spec/action-maps.tsv must register the DataportRing table");
        return maps.stream().map(map -> DynamicTest.dynamicTest(map.spec() + " <-> " + map.doc(), () -> {
            List<String> problems = problems(map, Files.readString(SPEC_DIR.resolve(map.spec())),
                    Files.readString(ROOT.resolve(map.doc())));
            if (!problems.isEmpty()) {
                fail(map.spec() + " (" + map.next() + ") vs the table under \"" + map.heading() + "\" in "
                        + map.doc() + ":\n  " + String.join("\n  ", problems));
            }
        }));
    }

    static List<String> problems(ActionMap map, String specText, String docText) {
        Set<String> specActions = new TlaActions(specText).actionsOf(map.next());
        Map<String, ActionMap.Row> table = ActionMap.table(docText, map.heading());
        List<String> problems = new ArrayList<>();
        for (String a : table.keySet()) {
            if (!specActions.contains(a)) {
                problems.add("table row `" + a + "` is not an action of " + map.next() + " in " + map.spec()
                        + " (actions: " + specActions + ")");
            }
        }
        for (String a : specActions) {
            if (!table.containsKey(a)) {
                problems.add("action " + a + " of " + map.next() + " has no row in the table");
            }
        }
        for (ActionMap.Row row : table.values()) {
            for (String p : ActionMap.javaProblems(row, map.javaPackage(), ActionMapTest.class.getClassLoader())) {
                problems.add(row.action() + ": " + p);
            }
        }
        return problems;
    }

    // ---- the checks bite: each planted fault in a copy of the real table and spec is reported ----

    private static final ActionMap RING = new ActionMap(0, "DataportRing.tla", "Next", "docs/verification.md",
            "Actions and the Java code", "io.dataport.queue");

    private static String spec() throws IOException {
        return Files.readString(SPEC_DIR.resolve("DataportRing.tla"));
    }

    private static String doc() throws IOException {
        return Files.readString(ROOT.resolve("docs/verification.md"));
    }

    /** {@code text} with {@code from} replaced; fails if {@code from} is not there (the plant must take). */
    private static String plant(String text, String from, String to) {
        assertTrue(text.contains(from), "nothing to plant into: " + from);
        return text.replace(from, to);
    }

    @Test
    void theRingSpecHasTheActionsOfItsNextStateRelation() throws IOException {
        Set<String> actions = new TlaActions(spec()).actionsOf("Next");
        assertEquals(new LinkedHashSet<>(List.of("TryClaim", "RefreshConsumerPosition", "WriteEndMarker",
                "WritePadding", "WritePayload", "FinishPayload", "WriteRecordHeader", "Publish",
                "PublishProducerPosition", "ScanForEnd", "ReadRecordHeader", "ReadPayload",
                "PublishConsumerPosition", "Abort", "CrashProducer", "AttachProducer", "CrashConsumer",
                "AttachConsumer")), actions);
        assertEquals(List.of(), problems(RING, spec(), doc()));
    }

    @Test
    void aTableRowForAnActionTheSpecDoesNotHaveIsReported() throws IOException {
        String doc = plant(doc(), "| `Abort` |", "| `GiveUp` |");
        List<String> p = problems(RING, spec(), doc);
        assertTrue(p.stream().anyMatch(s -> s.startsWith("table row `GiveUp` is not an action")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.equals("action Abort of Next has no row in the table")), p.toString());
    }

    @Test
    void aSpecActionWithoutATableRowIsReported() throws IOException {
        String spec = spec().replaceFirst("(?m)^Next ==", "GiveUp == UNCHANGED vars\n\nNext == GiveUp \\\\/");
        assertTrue(spec.contains("Next == GiveUp \\/"), spec);
        List<String> p = problems(RING, spec, doc());
        assertEquals(List.of("action GiveUp of Next has no row in the table"), p);
    }

    @Test
    void aJavaMethodOrClassThatDoesNotExistIsReported() throws IOException {
        String doc = plant(doc(), "`RingProducer.abort()`", "`RingProducer.dropClaim()`");
        doc = plant(doc, "`SharedRing.writePadding`", "`SharedRingX.writePadding`");
        doc = plant(doc, "`SharedRing.writePayload*`", "`SharedRing.writeBody*`");
        doc = plant(doc, "(`getBytes`, ", "(`getBites`, ");
        List<String> p = problems(RING, spec(), doc);
        assertTrue(p.contains("Abort: `RingProducer.dropClaim()`: RingProducer has no method or field dropClaim"),
                p.toString());
        assertTrue(p.contains("WritePadding: `SharedRingX.writePadding`: no class io.dataport.queue.SharedRingX"),
                p.toString());
        assertTrue(p.contains("WritePayload: `SharedRing.writeBody*`: SharedRing has no method or field writeBody*"),
                p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("ReadPayload: `getBites`: no method or field getBites")),
                p.toString());
        assertEquals(4, p.size(), p.toString());
    }

    @Test
    void theNextStateRelationIsWalkedThroughNamedDisjunctionsOnly() {
        String module = "---- MODULE M ----\nA == x' = 1\nB(s) == x' = s\n(* C == comment *)\n"
                + "Work == \\/ A\n        \\/ \\E s \\in S : B(s)\n"
                + "Guarded == x > 0 \\/ y > 0\n"   // a disjunction of conditions is an action, not a list
                + "Next == Work \\/ Guarded \\* \\/ Hidden\n====\n";
        assertEquals(new LinkedHashSet<>(List.of("A", "B", "Guarded")), new TlaActions(module).actionsOf("Next"));
    }
}
