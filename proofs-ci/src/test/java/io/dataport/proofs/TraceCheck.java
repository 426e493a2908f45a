package io.dataport.proofs;

import io.dataport.queue.RandomRingRun;
import io.dataport.queue.TraceEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks one generated trace module with TLC (through {@link Tlc}: forked, one worker, its own
 * directory under {@code target/trace/tlc/}) and, when TLC rejects it, names the first event it
 * could not match: {@code run} and {@code traceIndex} in the last state of TLC's counterexample,
 * the state in which {@code TraceAccepted} fails.
 */
final class TraceCheck {
    static final String INVARIANT = "TraceAccepted";
    static final Expectation REJECTED = new Expectation(Expectation.Kind.INVARIANT, INVARIANT);

    private static final Pattern RUN = Pattern.compile("(?m)^/\\\\ run = (\\d+)\\s*$");
    private static final Pattern TRACE_INDEX = Pattern.compile("(?m)^/\\\\ traceIndex = (\\d+)\\s*$");
    private static final Pattern STATE = Pattern.compile("(?m)^State \\d+: .*$");
    private static final Pattern OUTDEGREE = Pattern.compile("the maximum (\\d+) and the 95th percentile");
    /** Variables shown in a rejection message (all are in tlc.out). */
    private static final List<String> SHOWN = List.of("ppc", "tail", "claimSize", "written", "unpub",
            "producerPosition", "cpc", "head", "cachedProducerPosition", "consumerPosition", "rd", "pollLimit");

    /**
     * TLC's verdict on one module. When TraceAccepted is violated: {@code run} (1-based, Logs[run])
     * and {@code traceIndex} (1-based index in that log of the module, TLC's variable), else -1.
     */
    record Verdict(TraceModule module, Tlc.Run tlc, int run, int traceIndex, String specState,
                   int maxOutdegree) {

        boolean accepted() {
            return tlc.outcome().result().equals(Expectation.PASS);
        }

        boolean rejectedByTraceAccepted() {
            return tlc.outcome().result().equals(REJECTED) && run > 0 && traceIndex > 0;
        }

        /** Events TLC checked (the DataportRing steps of the Java logs). */
        long events() {
            return module.events();
        }

        /** Events of the Java logs, those without a DataportRing counterpart included. */
        long javaEvents() {
            return module.runs.stream().mapToLong(r -> r.events().size()).sum();
        }

        /** The run TLC rejected. */
        RandomRingRun.Result rejectedRun() {
            return module.runs.get(run - 1);
        }

        /** The first unmatched event's 1-based index in the Java log of the rejected run. */
        int firstUnmatched() {
            return module.javaIndexOf(run - 1, traceIndex) + 1;
        }

        /** The first unmatched event as Java logged it. */
        TraceEvent firstUnmatchedEvent() {
            return rejectedRun().events().get(firstUnmatched() - 1);
        }

        /** The first unmatched event as Java logged it and as the trace module spells it. */
        String firstUnmatchedText() {
            return firstUnmatchedEvent() + " = " + module.tlaEvents.get(run - 1).get(traceIndex - 1);
        }

        String describe() {
            StringBuilder seeds = new StringBuilder();
            for (RandomRingRun.Result r : module.runs) {
                seeds.append(seeds.length() == 0 ? "" : ", ").append(r.seed());
            }
            String where = String.format(Locale.ROOT, "%s (seeds %s; %s): %,d events checked (of %,d logged) in"
                            + " %d run(s), TLC %s, %,d distinct states, %.1f s",
                    module.name, seeds, module.runs.get(0).variant(), events(), javaEvents(), module.runs.size(),
                    tlc.outcome().result(), tlc.outcome().distinctStates(), tlc.seconds());
            if (accepted()) {
                return where;
            }
            if (rejectedByTraceAccepted()) {
                RandomRingRun.Result r = rejectedRun();
                return where + String.format(Locale.ROOT,
                        "%n  first unmatched event: Logs[%d] (seed %d) event #%d of %d (Java log; #%d of %d in the"
                                + " module): %s%n  spec state when it came: %s%n  TLC output: %s%n  command: %s",
                        run, r.seed(), firstUnmatched(), r.events().size(), traceIndex,
                        module.tlaEvents.get(run - 1).size(), firstUnmatchedText(), specState,
                        tlc.log(), Tlc.shellLine(tlc.command()));
            }
            return where + " (" + tlc.outcome().detail() + ")\n  TLC output: " + tlc.log()
                    + "\n  command: " + Tlc.shellLine(tlc.command());
        }
    }

    private TraceCheck() {
    }

    static Verdict check(Tlc tlc, Path specDir, TraceModule module) {
        Path spec = specDir.toAbsolutePath().normalize();
        Expectation expected = module.runs.get(0).variant() == RandomRingRun.Variant.HONEST
                ? Expectation.PASS : REJECTED;
        // paths relative to spec/: the module EXTENDS DataportRingTrace, found through -DTLA-Library=spec/;
        // not a manifest row (no mindepth): this class judges TLC's result itself, below
        ModelRow row = new ModelRow(0, spec.relativize(module.tla.toAbsolutePath().normalize()).toString(),
                spec.relativize(module.cfg.toAbsolutePath().normalize()).toString(), expected, ModelRow.CI, null);
        Tlc.Run result = tlc.run(row, 1);
        String output;
        try {
            output = Files.readString(result.log(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int run = -1;
        int index = -1;
        String state = "";
        if (result.outcome().result().equals(REJECTED)) {
            run = last(RUN, output);
            index = last(TRACE_INDEX, output);
            state = lastState(output);
        }
        // TLC's "average outdegree" line: a trace spec whose states never have two successors is
        // deterministic, which is what makes TraceAccepted fail exactly at the first unmatched event
        return new Verdict(module, result, run, index, state, last(OUTDEGREE, output));
    }

    /** The value of the last match: in the last state TLC printed, where the invariant fails. */
    static int last(Pattern variable, String output) {
        Matcher m = variable.matcher(output);
        int last = -1;
        while (m.find()) {
            last = Integer.parseInt(m.group(1));
        }
        return last;
    }

    /** A few variables of the last state TLC printed, "name = value, ...". */
    static String lastState(String output) {
        Matcher m = STATE.matcher(output);
        int start = -1;
        while (m.find()) {
            start = m.end();
        }
        if (start < 0) {
            return "?";
        }
        List<String> shown = new ArrayList<>();
        for (String line : output.substring(start).split("\n")) {
            String text = line.strip();
            if (text.isEmpty() && !shown.isEmpty()) {
                break;
            }
            if (text.startsWith("/\\ ")) {
                String assignment = text.substring(3);
                int eq = assignment.indexOf(" = ");
                if (eq > 0 && SHOWN.contains(assignment.substring(0, eq))) {
                    shown.add(assignment);
                }
            }
        }
        return String.join(", ", shown);
    }
}
