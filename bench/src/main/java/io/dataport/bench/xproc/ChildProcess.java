package io.dataport.bench.xproc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One child JVM, a {@link Peer} or a minimal loop ({@code io.dataport.bench.minimal}): started with
 * the driver's classpath and the same flags for every system (Agrona's --add-exports on all of them),
 * its stdout read line by line on a daemon thread, its stderr passed through; stopped by its PID
 * ({@link #close}).
 */
final class ChildProcess implements AutoCloseable {
    /** Flags of every child JVM. */
    static final List<String> JVM_FLAGS = List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-Xms256m", "-Xmx256m");
    private static final String EOF = "\u0000eof";
    /** Children not yet stopped, for the driver's shutdown hook. */
    private static final java.util.Set<ChildProcess> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Process process;
    private final String label;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

    ChildProcess(String classpath, String label, String... peerArgs) throws IOException {
        this(classpath, label, Peer.class, peerArgs);
    }

    ChildProcess(String classpath, String label, Class<?> main, String... args) throws IOException {
        this.label = label;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        command.add("-cp");
        command.add(classpath);
        command.add(main.getName());
        command.addAll(List.of(args));
        this.process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        LIVE.add(this);
        Thread reader = new Thread(this::pump, "stdout-" + label);
        reader.setDaemon(true);
        reader.start();
    }

    private void pump() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                lines.add(line);
            }
        } catch (IOException e) {
            lines.add("error reading stdout: " + e);
        } finally {
            lines.add(EOF);
        }
    }

    /** Waits for the next stdout line starting with {@code prefix}; returns the rest of it. */
    String await(String prefix, double timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new IllegalStateException(label + ": no '" + prefix + "' line within " + timeoutSeconds + " s");
            }
            if (line.equals(EOF)) {
                lines.add(EOF);
                throw new IllegalStateException(label + ": exited (status " + exitStatus() + ") before '" + prefix
                        + "' (see its stderr above)");
            }
            if (line.startsWith(prefix + " ")) {
                return line.substring(prefix.length() + 1);
            }
        }
    }

    private String exitStatus() throws InterruptedException {
        return process.waitFor(2, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "still running";
    }

    long pid() {
        return process.pid();
    }

    /** Stops the process by its PID and waits for it to be gone. */
    @Override
    public void close() throws InterruptedException {
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
        process.waitFor(10, TimeUnit.SECONDS);
        LIVE.remove(this);
    }

    /** Stops every child still running (the driver is being stopped). */
    static void closeAll() throws InterruptedException {
        for (ChildProcess child : List.copyOf(LIVE)) {
            child.close();
        }
    }
}
