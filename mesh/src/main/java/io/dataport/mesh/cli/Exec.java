package io.dataport.mesh.cli;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs external commands ({@code ip}, {@code iperf3}, {@code ping}) with a bound on every wait, and
 * stops processes by their PID. Nothing here knows about namespaces or the mesh.
 */
public final class Exec {
    private Exec() {
    }

    /** What a finished command printed (standard output and error, merged) and its exit status. */
    public record Result(List<String> command, int status, String output) {
        public boolean ok() {
            return status == 0;
        }
    }

    /** Runs {@code command} to its end; after {@code timeoutMillis} it is killed (by PID) and the status is -1. */
    public static Result run(long timeoutMillis, List<String> command) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(command, -2, "cannot run " + command.get(0) + ": " + e.getMessage());
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // nothing to tell the command
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> copy(process.getInputStream(), output), "exec-" + command.get(0));
        reader.setDaemon(true);
        reader.start();
        try {
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                kill(process.pid());
                process.waitFor(5, TimeUnit.SECONDS);
                reader.join(1000);
                return new Result(command, -1, text(output) + "\n(killed after " + timeoutMillis + " ms)");
            }
            reader.join(5000);
        } catch (InterruptedException e) {
            kill(process.pid());
            Thread.currentThread().interrupt();
            return new Result(command, -1, text(output) + "\n(interrupted)");
        }
        return new Result(command, process.exitValue(), text(output));
    }

    public static Result run(long timeoutMillis, String... command) {
        return run(timeoutMillis, List.of(command));
    }

    /** Runs {@code command}; a non-zero status is an exception quoting the command and its output. */
    public static String check(long timeoutMillis, String... command) {
        Result r = run(timeoutMillis, command);
        if (!r.ok()) {
            throw new IllegalStateException("'" + String.join(" ", command) + "' failed (status " + r.status() + "): "
                    + r.output().strip());
        }
        return r.output();
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (out) {
                    out.write(buffer, 0, n);
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /** SIGKILL to {@code pid}. */
    public static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** SIGTERM to {@code process}, up to {@code graceMillis} to leave, then SIGKILL; by its PID. */
    public static void stop(Process process, long graceMillis) {
        long pid = process.pid();
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        try {
            if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                kill(pid);
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            kill(pid);
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@code tool} is an executable on the PATH (or in /usr/sbin, /sbin). */
    public static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Whether this process runs as root (its effective uid owns /proc/self). */
    public static boolean root() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
