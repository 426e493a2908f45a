package io.dataport.proofs;

import java.util.Objects;

/**
 * What TLC reports for a model: {@code pass}, {@code invariant NAME}, {@code property NAME},
 * {@code deadlock}, {@code liveness NAME}, or (never expected) {@code error ...}.
 */
record Expectation(Kind kind, String name) {

    enum Kind { PASS, INVARIANT, PROPERTY, DEADLOCK, LIVENESS, ERROR }

    static final Expectation PASS = new Expectation(Kind.PASS, null);
    static final Expectation DEADLOCK = new Expectation(Kind.DEADLOCK, null);

    static Expectation parse(String text) {
        String[] words = text.strip().split("\\s+");
        String kind = words[0];
        switch (kind) {
            case "pass":
            case "deadlock":
                if (words.length != 1) {
                    throw new IllegalArgumentException("'" + kind + "' takes no name: " + text);
                }
                return kind.equals("pass") ? PASS : DEADLOCK;
            case "invariant":
            case "property":
            case "liveness":
                if (words.length != 2) {
                    throw new IllegalArgumentException("'" + kind + "' needs exactly one name: " + text);
                }
                return new Expectation(Kind.valueOf(kind.toUpperCase(java.util.Locale.ROOT)), words[1]);
            default:
                throw new IllegalArgumentException("expected result must be pass | invariant NAME | "
                        + "property NAME | deadlock | liveness NAME, not: " + text);
        }
    }

    static Expectation error(String detail) {
        return new Expectation(Kind.ERROR, Objects.requireNonNull(detail));
    }

    @Override
    public String toString() {
        return name == null ? kind.name().toLowerCase(java.util.Locale.ROOT)
                : kind.name().toLowerCase(java.util.Locale.ROOT) + " " + name;
    }
}
