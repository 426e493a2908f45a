package io.dataport.bench.xproc;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A minimal JSON writer for maps, lists, strings, numbers and booleans (no dependency for 40 lines). */
final class Json {
    private Json() {
    }

    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.append('\n').toString();
    }

    private static void write(StringBuilder sb, Object value, int indent) {
        if (value instanceof Map<?, ?> map) {
            sb.append('{');
            String sep = "\n";
            for (Map.Entry<?, ?> e : map.entrySet()) {
                sb.append(sep).append("  ".repeat(indent + 1));
                string(sb, e.getKey().toString());
                sb.append(": ");
                write(sb, e.getValue(), indent + 1);
                sep = ",\n";
            }
            sb.append(map.isEmpty() ? "" : "\n" + "  ".repeat(indent)).append('}');
        } else if (value instanceof List<?> list) {
            sb.append('[');
            String sep = "\n";
            for (Object o : list) {
                sb.append(sep).append("  ".repeat(indent + 1));
                write(sb, o, indent + 1);
                sep = ",\n";
            }
            sb.append(list.isEmpty() ? "" : "\n" + "  ".repeat(indent)).append(']');
        } else if (value instanceof Double d) {
            sb.append(number(d));
        } else if (value instanceof Number || value instanceof Boolean) {
            sb.append(value);
        } else if (value == null) {
            sb.append("null");
        } else {
            string(sb, value.toString());
        }
    }

    /** Whole numbers from 1000 up, else 6 significant digits without trailing zeros; NaN is null. */
    private static String number(double d) {
        if (d != d || Double.isInfinite(d)) {
            return "null";
        }
        if (Math.abs(d) >= 1000) {
            return String.format(Locale.ROOT, "%.0f", d);
        }
        return new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
