package io.dataport.c;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds the C side with its Makefile: once per JVM for the tool the interop tests run
 * ({@link #peer()}: gcc with AddressSanitizer and UBSan, {@code SANITIZE=1}), and on demand with
 * clang and plain gcc ({@link CompilersTest}). The Makefile compiles with {@code -std=c11 -Wall
 * -Wextra -Werror}, so a warning fails the build. A missing tool or a failed build is an
 * {@link AssertionError} (never a skip): these tests are how the C library is checked.
 */
final class CBuild {
    /** The longest a build may take: a bound that only ends a hung build. */
    private static final long BUILD_SECONDS = 240;
    private static final int TAIL_LINES = 40;

    private static Path peer;
    private static AssertionError failure;

    private CBuild() {
    }

    /** The module's folder, {@code c/}: surefire runs the tests there. */
    static Path moduleDir() {
        Path dir = Path.of("").toAbsolutePath();
        try {
            if (Files.readString(dir.resolve("pom.xml")).contains("<artifactId>dataport-c</artifactId>")) {
                return dir;
            }
        } catch (IOException e) {
            // not the module folder
        }
        throw new AssertionError(dir + " is not the module folder c/: run the tests with Maven (mvn -B -pl c test"
                + " from the repository root), which runs them there");
    }

    /** The module's folder, which must hold the C library's Makefile. */
    static Path makefileDir() {
        Path dir = moduleDir();
        if (!Files.isRegularFile(dir.resolve("Makefile"))) {
            throw new AssertionError("no Makefile in " + dir + ": the C library (c/Makefile, docs/c-interop.md) is missing");
        }
        return dir;
    }

    /**
     * {@code make -C c O=c/target/c/asan SANITIZE=1 CC=gcc all}, once per JVM (later calls return the
     * same path, or throw the same failure); returns the path of {@code dataport-peer}.
     */
    static synchronized Path peer() {
        if (failure != null) {
            throw failure;
        }
        if (peer == null) {
            try {
                Path out = build("gcc", "asan", true, false);
                Path tool = out.resolve("dataport-peer");
                if (!Files.isExecutable(tool)) {
                    throw new AssertionError("make succeeded but " + tool + " is not an executable file"
                            + " (docs/c-interop.md: make -C c O=DIR builds DIR/dataport-peer)");
                }
                peer = tool;
            } catch (AssertionError e) {
                failure = e;
                throw e;
            }
        }
        return peer;
    }

    /** {@code make -C c O=c/target/c/clang CC=clang all}, always rebuilding: the output folder. */
    static Path clangCheck() {
        return build("clang", "clang", false, true);
    }

    /** {@code make -C c O=c/target/c/gcc CC=gcc all} without sanitizers (optimised code warns differently). */
    static Path gccCheck() {
        return build("gcc", "gcc", false, true);
    }

    /**
     * Runs make for compiler {@code cc} into {@code c/target/c/<name>} ({@code -B}: every target
     * again, so its warnings are seen even when an earlier build is up to date); returns that folder.
     */
    static Path build(String cc, String name, boolean sanitize, boolean always) {
        Path module = makefileDir();
        requireTool("make", "gcc clang make");
        requireTool(cc, cc.equals("gcc") ? "gcc clang make" : cc);
        Path out = module.resolve("target").resolve("c").resolve(name);
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of("make", "-C", module.toString(), "O=" + out));
        if (sanitize) {
            command.add("SANITIZE=1");
        }
        command.add("CC=" + cc);
        if (always) {
            command.add("-B");
        }
        command.add("all");
        Result result = run(command, module);
        System.out.println("C build (" + cc + (sanitize ? ", ASan+UBSan" : "") + "): " + String.join(" ", command)
                + " -> exit " + result.exit);
        if (result.exit != 0) {
            throw new AssertionError("the C build failed (exit " + result.exit + "): " + String.join(" ", command)
                    + "\n" + tail(result.output, TAIL_LINES));
        }
        if (result.output.contains("warning:")) {
            throw new AssertionError("the C build printed warnings (they must be errors: -Werror): "
                    + String.join(" ", command) + "\n" + tail(result.output, TAIL_LINES));
        }
        return out;
    }

    /** Fails with one line when {@code tool} is not on the PATH. */
    static void requireTool(String tool, String debianPackages) {
        Result r = run(List.of("sh", "-c", "command -v " + tool), Path.of("").toAbsolutePath());
        if (r.exit != 0) {
            String what = tool.equals("make") ? "no 'make' on PATH" : "no C compiler '" + tool + "' on PATH";
            throw new AssertionError(what + ": the C interop tests need it (Debian: apt-get install "
                    + debianPackages + "); see the README, \"Set up\"");
        }
    }

    /** The last {@code n} lines of {@code text}. */
    static String tail(String text, int n) {
        String[] lines = text.split("\n", -1);
        int from = Math.max(0, lines.length - n - (text.endsWith("\n") ? 1 : 0));
        return String.join("\n", Arrays.asList(lines).subList(from, lines.length)).stripTrailing();
    }

    record Result(int exit, String output) {
    }

    /** Runs {@code command} in {@code dir}, stdout and stderr together, bounded by {@link #BUILD_SECONDS}. */
    static Result run(List<String> command, Path dir) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                try (InputStream in = p.getInputStream()) {
                    in.transferTo(output);
                } catch (IOException ignored) {
                    // the process is gone
                }
            }, "make-output");
            reader.setDaemon(true);
            reader.start();
            if (!p.waitFor(BUILD_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not end within " + BUILD_SECONDS + " s");
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
            synchronized (output) {
                return new Result(p.exitValue(), output.toString(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + String.join(" ", command), e);
        }
    }
}
