package io.dataport.queue;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The seed of every randomised test. In {@code mvn -B verify} each test uses its own fixed seed and
 * prints it ({@code seed=N}); a failing seed is replayed with {@code -Ddataport.seed=N} (given to
 * Maven, surefire passes it on), and {@code -Ddataport.seed=fresh} draws a fresh seed per test for
 * long runs (printed the same way, so a failure can be replayed).
 */
public final class Seeds {
    /** The system property: a number (replay), {@code fresh}, or unset (each test's fixed seed). */
    public static final String PROPERTY = "dataport.seed";

    private Seeds() {
    }

    /** The seed for {@code test}: the property's if set, else {@code fixed}; printed on stdout. */
    public static long seed(String test, long fixed) {
        String given = System.getProperty(PROPERTY, "").trim();
        long seed;
        String how;
        if (given.isEmpty()) {
            seed = fixed;
            how = "fixed";
        } else if (given.equals("fresh")) {
            seed = ThreadLocalRandom.current().nextLong();
            how = "fresh";
        } else {
            seed = Long.parseLong(given);
            how = "given";
        }
        System.out.println("seed=" + seed + " (" + how + ") " + test + "; replay with -D" + PROPERTY + "=" + seed);
        return seed;
    }
}
