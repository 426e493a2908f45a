package io.dataport.proofs;

import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one TLC run reported, classified from its exit code and its output.
 *
 * <p>Exit codes of this TLC build (../shared/NOTES.md): 0 no error, 11 deadlock, 12 invariant,
 * 13 action or temporal property, 14 Assert; 1, 75, 150, 151 and 255 are errors of the spec, the
 * configuration or the harness and are never an acceptable result. The violated property's name
 * is taken from the output, not from the exit code alone. TLC names an action property only when
 * its definition is literally {@code [][A]_v} (otherwise it prints the formula's location) and never
 * names a violated temporal property; for those two cases the configuration must declare exactly
 * one PROPERTY, which is then the one violated.
 *
 * <p>{@code traceLength} is the number of states of TLC's counterexample: the highest
 * {@code State N:} it printed (a liveness lasso counts its states once; "Back to state" adds
 * none), 1 when TLC reports the violation "by the initial state" (it then prints the state without
 * a number), -1 when it printed no counterexample.
 */
record TlcOutcome(Expectation result, long distinctStates, String depth, int traceLength, String detail) {

    static final Set<Integer> HARNESS_ERRORS = Set.of(1, 75, 150, 151, 255);

    private static final Pattern STATES =
            Pattern.compile("([\\d,]+) states generated, ([\\d,]+) distinct states found");
    private static final Pattern DEPTH = Pattern.compile("The depth of the complete state graph search is (\\d+)");
    private static final Pattern TRACE_STATE = Pattern.compile("(?m)^State (\\d+): ");
    private static final Pattern INVARIANT = Pattern.compile("(?m)^Error: Invariant (\\S+) is violated");
    private static final Pattern ACTION_PROPERTY = Pattern.compile("(?m)^Error: Action property (.+) is violated\\.");
    private static final Pattern INITIAL_PROPERTY =
            Pattern.compile("(?m)^Error: Property (\\S+) is violated by the initial state");
    private static final Pattern TEMPORAL = Pattern.compile("(?m)^Error: Temporal properties were violated");
    private static final Pattern DEADLOCK = Pattern.compile("(?m)^Error: Deadlock reached");
    private static final Pattern NO_ERROR = Pattern.compile("Model checking completed\\. No error has been found");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_!]*");
    private static final Pattern ANY_ERROR = Pattern.compile("(?m)^Error: .*$");
    private static final Pattern BY_INITIAL_STATE = Pattern.compile("(?m)^Error: .* violated by the initial state");

    static TlcOutcome classify(int exitCode, String output, List<String> cfgProperties) {
        long distinct = lastDistinctStates(output);
        String depth = depth(output);
        Expectation result;
        String detail = firstError(output);
        Matcher m;
        if (exitCode == 0 && NO_ERROR.matcher(output).find()) {
            result = Expectation.PASS;
        } else if (exitCode == 11 && DEADLOCK.matcher(output).find()) {
            result = Expectation.DEADLOCK;
        } else if (exitCode == 12 && (m = INVARIANT.matcher(output)).find()) {
            result = new Expectation(Expectation.Kind.INVARIANT, m.group(1));
        } else if (exitCode == 13 && (m = ACTION_PROPERTY.matcher(output)).find()) {
            String named = m.group(1);
            if (IDENTIFIER.matcher(named).matches()) {
                result = new Expectation(Expectation.Kind.PROPERTY, named);
            } else if (cfgProperties.size() == 1) {
                result = new Expectation(Expectation.Kind.PROPERTY, cfgProperties.get(0));
            } else {
                result = Expectation.error("action property at " + named
                        + " violated, but the cfg lists " + cfgProperties + ": cannot tell which");
            }
        } else if (exitCode == 13 && (m = INITIAL_PROPERTY.matcher(output)).find()) {
            result = new Expectation(Expectation.Kind.PROPERTY, m.group(1));
        } else if (exitCode == 13 && TEMPORAL.matcher(output).find()) {
            if (cfgProperties.size() == 1) {
                result = new Expectation(Expectation.Kind.LIVENESS, cfgProperties.get(0));
            } else {
                result = Expectation.error("a temporal property is violated, but the cfg lists "
                        + cfgProperties + ": cannot tell which");
            }
        } else {
            String kind = HARNESS_ERRORS.contains(exitCode) ? "spec/harness error" : "unexpected";
            result = Expectation.error(kind + " (exit " + exitCode + "): " + (detail == null ? "no Error line" : detail));
        }
        return new TlcOutcome(result, distinct, depth, traceLength(output), detail);
    }

    /** States in TLC's counterexample; 1 for a violation by the initial state; -1 for none. */
    static int traceLength(String output) {
        Matcher t = TRACE_STATE.matcher(output);
        int longest = -1;
        while (t.find()) {
            longest = Math.max(longest, Integer.parseInt(t.group(1)));
        }
        if (BY_INITIAL_STATE.matcher(output).find()) {
            return 1;
        }
        return longest;
    }

    private static long lastDistinctStates(String output) {
        Matcher m = STATES.matcher(output);
        long last = -1;
        while (m.find()) {
            last = Long.parseLong(m.group(2).replace(",", ""));
        }
        return last;
    }

    /** TLC's search depth when it prints one, else the length of the counterexample trace. */
    private static String depth(String output) {
        Matcher m = DEPTH.matcher(output);
        String found = null;
        while (m.find()) {
            found = m.group(1);
        }
        if (found != null) {
            return found;
        }
        Matcher t = TRACE_STATE.matcher(output);
        int longest = 0;
        while (t.find()) {
            longest = Math.max(longest, Integer.parseInt(t.group(1)));
        }
        return longest > 0 ? "trace " + longest : "?";
    }

    private static String firstError(String output) {
        Matcher m = ANY_ERROR.matcher(output);
        return m.find() ? m.group().strip() : null;
    }
}
