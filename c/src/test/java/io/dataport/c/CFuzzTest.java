package io.dataport.c;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The libFuzzer target {@code c/fuzz/fuzz-region.c} (docs/c.md, "Fuzzing"), built with clang,
 * AddressSanitizer and UBSan, run for a bounded time with a fixed seed: random words patched into a
 * live region under the C directory check, consumers and producer. A crash, a sanitizer report or a
 * hang (an input running past {@code -timeout}) makes libFuzzer exit non-zero and fails the test;
 * the run's time bound only ends it, it never decides a pass: a pass is libFuzzer's own
 * "Done N runs" with N above zero. {@code -Ddataport.fuzz.seconds=N} runs longer. A failing input
 * is kept as {@code c/target/c/fuzz/crash-*}; replay it with {@code fuzz-region <file>}.
 */
class CFuzzTest {
    private static final long SEED = Long.getLong("dataport.fuzz.seed", 1);
    private static final long SECONDS = Long.getLong("dataport.fuzz.seconds", 20);

    @Test
    void theCLibrarySurvivesAHostileRegion() throws Exception {
        Path module = CBuild.makefileDir();
        CBuild.requireTool("make", "gcc clang make");
        CBuild.requireTool("clang", "clang libclang-rt-14-dev");
        Path out = module.resolve("target").resolve("c").resolve("fuzz");
        Files.createDirectories(out);
        List<String> make = List.of("make", "-C", module.toString(), "O=" + out, "CC=clang", "fuzz");
        CBuild.Result built = CBuild.run(make, module);
        assertEquals(0, built.exit(), "the fuzz target did not build (clang's libFuzzer comes with Debian's"
                + " libclang-rt-14-dev): " + String.join(" ", make) + "\n" + CBuild.tail(built.output(), 40));
        Path corpus = out.resolve("corpus");                  // fresh: the run depends on the seed alone
        if (Files.exists(corpus)) {
            try (var old = Files.list(corpus)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(corpus);
        System.out.println("fuzzing the C library for " + SECONDS + " s, seed " + SEED
                + " (-Ddataport.fuzz.seed, -Ddataport.fuzz.seconds)");
        List<String> run = List.of(out.resolve("fuzz-region").toString(), "-seed=" + SEED,
                "-max_total_time=" + SECONDS, "-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1", "-artifact_prefix=" + out + "/",
                corpus.toString());
        CBuild.Result fuzzed = CBuild.run(run, module);
        String output = fuzzed.output();
        assertEquals(0, fuzzed.exit(), "the fuzz target found a problem (exit " + fuzzed.exit() + "): "
                + String.join(" ", run) + "\n" + CBuild.tail(output, 60));
        assertFalse(output.contains("Sanitizer") || output.contains("runtime error"), CBuild.tail(output, 60));
        java.util.regex.Matcher done = java.util.regex.Pattern.compile("Done (\\d+) runs").matcher(output);
        assertTrue(done.find() && Long.parseLong(done.group(1)) > 0, "libFuzzer ran no input:\n" + CBuild.tail(output, 20));
        System.out.println("fuzz: " + done.group(0) + " in " + SECONDS + " s, no finding");
    }
}
