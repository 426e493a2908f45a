package io.dataport.c;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One run of the C tool {@code dataport-peer} (docs/c-interop.md): its stdout read line by line on
 * a daemon thread into a queue, its stderr captured (sanitizer reports land there) and shown in
 * every failure. Every wait is bounded by {@link #HUNG_SECONDS}, which only ends a hung test.
 */
final class CPeer {
    /** The bound on every wait for the C side: it ends a hung test, it never decides a pass. */
    static final long HUNG_SECONDS = 120;
    private static final String EOF = "<eof>";

    final Process process;
    final List<String> command;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    /** Every stdout line read so far, for messages. */
    private final List<String> seen = new ArrayList<>();
    private final StringBuffer stderr = new StringBuffer();
    private final Thread outReader;
    private final Thread errReader;

    private CPeer(Process process, List<String> command) {
        this.process = process;
        this.command = command;
        this.outReader = daemon("dataport-peer-stdout", () -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process is gone
            }
            lines.add(EOF);
        });
        this.errReader = daemon("dataport-peer-stderr", () -> {
            try (InputStream in = process.getErrorStream()) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    stderr.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        });
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Starts {@code tool args...}; stdin is closed at once (the tool reads none). */
    static CPeer start(Path tool, String... args) {
        List<String> command = new ArrayList<>();
        command.add(tool.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        // UBSan: a stack trace with its report; ASan and UBSan already abort on the first error
        // (-fno-sanitize-recover), and any report fails the test (assertNoSanitizerReport).
        pb.environment().put("UBSAN_OPTIONS", "print_stacktrace=1");
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            System.out.println("started C peer " + p.pid() + ": " + String.join(" ", command));
            return new CPeer(p, command);
        } catch (IOException e) {
            throw new AssertionError("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
    }

    /** The next stdout line, or {@code <eof>} once the tool closed its stdout. */
    String next() throws InterruptedException {
        String line = lines.poll(HUNG_SECONDS, TimeUnit.SECONDS);
        if (line == null) {
            throw new AssertionError("printed nothing for " + HUNG_SECONDS + " s (hung); " + describe());
        }
        if (!line.equals(EOF)) {
            synchronized (seen) {
                seen.add(line);
            }
        } else {
            lines.add(EOF); // stays the answer
        }
        return line;
    }

    /** The next line if one is there now, else null (never {@code <eof>}). */
    String poll() {
        String line = lines.peek();
        if (line == null || line.equals(EOF)) {
            return null;
        }
        lines.poll();
        synchronized (seen) {
            seen.add(line);
        }
        return line;
    }

    /** The next line starting with {@code prefix}, skipping others; fails if the tool ends first. */
    String await(String prefix) throws InterruptedException {
        while (true) {
            String line = next();
            if (line.equals(EOF)) {
                throw new AssertionError("ended before printing '" + prefix + "...'; " + describe());
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /** The next line, which must be exactly {@code expected}. */
    void expect(String expected) throws InterruptedException {
        String line = next();
        if (!line.equals(expected)) {
            throw new AssertionError("printed '" + line + "', expected '" + expected + "'; " + describe());
        }
    }

    /** Whether the tool is still running. */
    boolean alive() {
        return process.isAlive();
    }

    /** Waits for the tool to end (bounded) and its output to be read; returns its exit code. */
    int exit() throws InterruptedException {
        if (!process.waitFor(HUNG_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("did not exit within " + HUNG_SECONDS + " s (hung); " + describe());
        }
        outReader.join(TimeUnit.SECONDS.toMillis(HUNG_SECONDS));
        errReader.join(TimeUnit.SECONDS.toMillis(HUNG_SECONDS));
        return process.exitValue();
    }

    /** Waits for the end and requires exit code {@code code}, a clean stderr, and no further stdout line. */
    void expectExit(int code) throws InterruptedException {
        int exit = exit();
        assertNoSanitizerReport();
        if (exit != code) {
            throw new AssertionError("exited with " + exit + ", expected " + code + "; " + describe());
        }
    }

    /** The lines still unread, up to the end of stdout (call after {@link #exit}). */
    List<String> rest() throws InterruptedException {
        List<String> rest = new ArrayList<>();
        String line;
        while (!(line = next()).equals(EOF)) {
            rest.add(line);
        }
        return rest;
    }

    /** An ASan or UBSan report (on stderr) fails the test, whatever the exit code. */
    void assertNoSanitizerReport() {
        String err = stderr.toString();
        if (err.contains("Sanitizer") || err.contains("runtime error")) {
            throw new AssertionError("a sanitizer report; " + describe());
        }
    }

    String stderr() {
        return stderr.toString();
    }

    /** The command, the PID, its state, the stdout lines read so far (the last 20) and its stderr. */
    String describe() {
        List<String> out;
        synchronized (seen) {
            out = new ArrayList<>(seen.subList(Math.max(0, seen.size() - 20), seen.size()));
        }
        List<String> unread = new ArrayList<>(lines);
        unread.remove(EOF);
        String state = process.isAlive() ? "running" : "exit " + process.exitValue();
        String err = stderr.toString().strip();
        return "C peer " + process.pid() + " (" + String.join(" ", command) + ", " + state + "); stdout read: "
                + out + (unread.isEmpty() ? "" : ", not read yet: " + unread)
                + (err.isEmpty() ? "; stderr empty" : "; stderr:\n" + CBuild.tail(err, 60));
    }

    /** Ends the tool by its PID if it still runs (the test's teardown), bounded. */
    void destroy() throws InterruptedException {
        if (process.isAlive()) {
            process.toHandle().destroyForcibly();
            process.waitFor(HUNG_SECONDS, TimeUnit.SECONDS);
        }
    }
}
