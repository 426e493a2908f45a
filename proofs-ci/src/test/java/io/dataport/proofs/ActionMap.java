package io.dataport.proofs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A table that maps the actions of a spec onto the Java code that implements them, registered in
 * {@code spec/action-maps.tsv}: the first markdown table under a heading of a document. Its first
 * column names one TLA+ action per row ({@code `TryClaim(s)`}); every other column may name Java
 * code in code spans, which must exist in the registered package:
 * <ul>
 *   <li>{@code `Type`}: a class of the package;</li>
 *   <li>{@code `Type.member`} or {@code `Type.member(...)`}: a method or field declared by that
 *       class or a supertype; {@code `Type.prefix*`}: at least one method whose name starts so;</li>
 *   <li>{@code `member`} or {@code `member(...)`}: a method or field of a class named earlier in
 *       the same row;</li>
 *   <li>any other code span ({@code `tail += size`}) is an expression and is not checked.</li>
 * </ul>
 * A row that names any code must name at least one {@code Type.member}; a row without code spans
 * (an action no Java method implements, such as a crash) is allowed.
 */
record ActionMap(int line, String spec, String next, String doc, String heading, String javaPackage) {

    static final List<String> COLUMNS = List.of("spec", "next", "doc", "heading", "package");

    private static final Pattern CODE = Pattern.compile("`([^`]+)`");
    private static final Pattern TYPE = Pattern.compile("[A-Z][A-Za-z0-9_]*");
    private static final Pattern QUALIFIED =
            Pattern.compile("([A-Z][A-Za-z0-9_]*)\\.([a-zA-Z_][A-Za-z0-9_]*)(\\*)?(\\(.*\\))?");
    private static final Pattern MEMBER = Pattern.compile("([a-z_][A-Za-z0-9_]*)(\\*)?(\\(.*\\))?");
    private static final Pattern ACTION = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(\\(.*\\))?");

    static List<ActionMap> read(Path manifest) {
        List<String> lines;
        try {
            lines = Files.readAllLines(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest, e);
        }
        List<ActionMap> maps = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i).strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            String[] c = lines.get(i).split("\t", -1);
            if (c.length != COLUMNS.size()) {
                throw new IllegalArgumentException(manifest + ":" + (i + 1) + ": expected " + COLUMNS.size()
                        + " tab-separated cells " + COLUMNS + ", got " + c.length);
            }
            maps.add(new ActionMap(i + 1, c[0].strip(), c[1].strip(), c[2].strip(), c[3].strip(), c[4].strip()));
        }
        return maps;
    }

    /** One row of the table: the action's name and the code spans of the other cells, in order. */
    record Row(String action, List<String> code) {
    }

    /** The table's rows, keyed by action; fails on a malformed table or a repeated action. */
    static Map<String, Row> table(String markdown, String heading) {
        List<String> lines = markdown.lines().toList();
        int i = 0;
        while (i < lines.size() && !(lines.get(i).startsWith("#") && lines.get(i).replaceFirst("^#+\\s*", "")
                .startsWith(heading))) {
            i++;
        }
        if (i == lines.size()) {
            throw new IllegalArgumentException("no heading starting with \"" + heading + "\"");
        }
        i++;
        while (i < lines.size() && !lines.get(i).startsWith("|")) {
            if (lines.get(i).startsWith("#")) {
                throw new IllegalArgumentException("no table under \"" + heading + "\"");
            }
            i++;
        }
        i += 2; // header row and |---| row
        Map<String, Row> rows = new LinkedHashMap<>();
        for (; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            List<String> cells = cells(lines.get(i));
            Matcher a = CODE.matcher(cells.get(0));
            if (!a.find()) {
                throw new IllegalArgumentException("first cell names no action in code: " + lines.get(i));
            }
            Matcher name = ACTION.matcher(a.group(1).strip());
            if (!name.matches()) {
                throw new IllegalArgumentException("not an action name: `" + a.group(1) + "`");
            }
            List<String> code = new ArrayList<>();
            for (String cell : cells.subList(1, cells.size())) {
                Matcher m = CODE.matcher(cell);
                while (m.find()) {
                    code.add(m.group(1).strip());
                }
            }
            if (rows.put(name.group(1), new Row(name.group(1), code)) != null) {
                throw new IllegalArgumentException("action " + name.group(1) + " has two rows");
            }
        }
        return rows;
    }

    private static List<String> cells(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean inCode = false;
        for (int i = 1; i < line.length(); i++) { // skip the leading |
            char c = line.charAt(i);
            if (c == '`') {
                inCode = !inCode;
            }
            if (c == '|' && !inCode) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        return cells;
    }

    /** What is wrong with the Java names of one row (empty if all resolve); classes from the package. */
    static List<String> javaProblems(Row row, String javaPackage, ClassLoader loader) {
        List<String> problems = new ArrayList<>();
        Deque<Class<?>> named = new ArrayDeque<>();
        int qualified = 0;
        for (String span : row.code()) {
            Matcher q = QUALIFIED.matcher(span);
            Matcher t = TYPE.matcher(span);
            Matcher m = MEMBER.matcher(span);
            if (q.matches()) {
                Class<?> type = type(javaPackage, q.group(1), loader);
                if (type == null) {
                    problems.add("`" + span + "`: no class " + javaPackage + "." + q.group(1));
                    continue;
                }
                named.add(type);
                qualified++;
                if (!hasMember(type, q.group(2), q.group(3) != null)) {
                    problems.add("`" + span + "`: " + type.getSimpleName() + " has no method or field "
                            + q.group(2) + (q.group(3) != null ? "*" : ""));
                }
            } else if (t.matches()) {
                Class<?> type = type(javaPackage, span, loader);
                if (type == null) {
                    problems.add("`" + span + "`: no class " + javaPackage + "." + span);
                } else {
                    named.add(type);
                }
            } else if (m.matches()) {
                if (named.stream().noneMatch(c -> hasMember(c, m.group(1), m.group(2) != null))) {
                    problems.add("`" + span + "`: no method or field " + m.group(1) + " in the classes named before it "
                            + "in the row " + named.stream().map(Class::getSimpleName).toList());
                }
            }
        }
        if (qualified == 0 && !row.code().isEmpty()) {
            problems.add("the row names Java code but no method as `Class.method`");
        }
        return problems;
    }

    private static Class<?> type(String javaPackage, String simpleName, ClassLoader loader) {
        try {
            return Class.forName(javaPackage + "." + simpleName, false, loader);
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    private static boolean hasMember(Class<?> type, String name, boolean prefix) {
        Set<Class<?>> seen = new HashSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>(List.of(type));
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            if (c == Object.class || !seen.add(c)) {
                continue;
            }
            for (Method method : c.getDeclaredMethods()) {
                if (prefix ? method.getName().startsWith(name) : method.getName().equals(name)) {
                    return true;
                }
            }
            if (!prefix) {
                for (Field field : c.getDeclaredFields()) {
                    if (field.getName().equals(name)) {
                        return true;
                    }
                }
            }
            if (c.getSuperclass() != null) {
                todo.add(c.getSuperclass());
            }
            todo.addAll(List.of(c.getInterfaces()));
        }
        return false;
    }
}
