package io.dataport.proofs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The actions of a TLA+ module as its next-state relation names them: the leaves of the
 * disjunction {@code Next == A \/ B \/ ...}, where a disjunct that names an operator whose body is
 * itself a disjunction of operator names ({@code ProducerWork == \/ \E s \in SIZES : TryClaim(s)
 * \/ WritePadding ...}) is expanded, and a disjunct naming any other operator is an action. A
 * disjunct that is not an operator name (after any {@code \E x \in S :} prefixes) cannot be named
 * in a table, so it is an error. Only definitions of the module itself are read (operators from
 * EXTENDS count as actions, unexpanded). A textual reading, not SANY: definitions start in column
 * 0; comments are removed first.
 */
final class TlaActions {
    private static final Pattern DEFINITION =
            Pattern.compile("(?m)^([A-Za-z_][A-Za-z0-9_]*)\\s*(\\([^)]*\\))?\\s*==");
    private static final Pattern SEPARATOR = Pattern.compile("(?m)^(-{4,}|={4,}).*$");
    private static final Pattern QUANTIFIER = Pattern.compile("^\\\\[EA]\\s+[^:]+:\\s*");
    private static final Pattern NAME_CALL = Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*)\\s*(\\(.*\\))?$",
            Pattern.DOTALL);

    private final Map<String, String> bodies;

    TlaActions(String moduleText) {
        this.bodies = definitions(stripComments(moduleText));
    }

    Set<String> definedOperators() {
        return bodies.keySet();
    }

    /** The actions of {@code next}, in the order the disjunctions list them. */
    Set<String> actionsOf(String next) {
        String body = bodies.get(next);
        if (body == null) {
            throw new IllegalArgumentException("no definition of " + next);
        }
        Set<String> actions = new LinkedHashSet<>();
        List<String> names = disjunctNames(body);
        if (names == null) {
            throw new IllegalArgumentException(next + " is not a disjunction of operator names: " + body.strip());
        }
        for (String n : names) {
            expand(n, actions, new LinkedHashSet<>(List.of(next)));
        }
        return actions;
    }

    private void expand(String name, Set<String> actions, Set<String> path) {
        String body = bodies.get(name);
        List<String> names = body == null ? null : disjunctNames(body);
        if (names == null || names.size() < 2 || !path.add(name)) {
            actions.add(name);
            return;
        }
        for (String n : names) {
            expand(n, actions, path);
        }
        path.remove(name);
    }

    /** The operator named by each top-level disjunct, or null when some disjunct is no such name. */
    private static List<String> disjunctNames(String body) {
        List<String> names = new ArrayList<>();
        for (String d : topLevelDisjuncts(body)) {
            String s = d.strip();
            Matcher q;
            while ((q = QUANTIFIER.matcher(s)).find()) {
                s = s.substring(q.end()).strip();
            }
            Matcher m = NAME_CALL.matcher(s);
            if (!m.matches() || (m.group(2) != null && !balanced(m.group(2)))) {
                return null;
            }
            names.add(m.group(1));
        }
        return names;
    }

    private static boolean balanced(String call) {
        int depth = 0;
        for (int i = 0; i < call.length(); i++) {
            char c = call.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0 && i != call.length() - 1) {
                return false; // "F(x) /\ G(y)": more than one call
            }
        }
        return depth == 0;
    }

    /** Splits at the \/ that are outside any bracket; a leading \/ (a bulleted list) is allowed. */
    static List<String> topLevelDisjuncts(String body) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '(' || c == '[' || c == '{' || (c == '<' && i + 1 < body.length() && body.charAt(i + 1) == '<')) {
                depth++;
                if (c == '<') {
                    i++;
                }
            } else if (c == ')' || c == ']' || c == '}' || (c == '>' && i + 1 < body.length() && body.charAt(i + 1) == '>')) {
                depth--;
                if (c == '>') {
                    i++;
                }
            } else if (depth == 0 && c == '\\' && i + 1 < body.length() && body.charAt(i + 1) == '/') {
                parts.add(body.substring(start, i));
                start = i + 2;
                i++;
            }
        }
        parts.add(body.substring(start));
        parts.removeIf(p -> p.isBlank());
        return parts;
    }

    private static Map<String, String> definitions(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = DEFINITION.matcher(text);
        List<int[]> spans = new ArrayList<>();
        List<String> names = new ArrayList<>();
        while (m.find()) {
            names.add(m.group(1));
            spans.add(new int[] {m.start(), m.end()});
        }
        for (int i = 0; i < names.size(); i++) {
            int from = spans.get(i)[1];
            int to = i + 1 < spans.size() ? spans.get(i + 1)[0] : text.length();
            String body = text.substring(from, to);
            Matcher sep = SEPARATOR.matcher(body);
            if (sep.find()) {
                body = body.substring(0, sep.start());
            }
            // a following ASSUME, VARIABLES, CONSTANTS or RECURSIVE line ends the body too
            Matcher kw = Pattern.compile("(?m)^(ASSUME|VARIABLES?|CONSTANTS?|RECURSIVE|INSTANCE|LOCAL)\\b").matcher(body);
            if (kw.find()) {
                body = body.substring(0, kw.start());
            }
            out.put(names.get(i), body);
        }
        return out;
    }

    static String stripComments(String text) {
        StringBuilder out = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            char n = i + 1 < text.length() ? text.charAt(i + 1) : 0;
            if (c == '(' && n == '*') {
                depth++;
                i++;
            } else if (depth > 0 && c == '*' && n == ')') {
                depth--;
                i++;
            } else if (depth > 0) {
                if (c == '\n') {
                    out.append('\n');
                }
            } else if (c == '\\' && n == '*') {
                while (i < text.length() && text.charAt(i) != '\n') {
                    i++;
                }
                out.append('\n');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
