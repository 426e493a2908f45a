package io.dataport.sel4;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The seL4 system of the demo as host processes: {@code sel4/build} (which builds what is missing,
 * cached), then one {@code qemu-system-aarch64} running the seL4 image, its serial line on QEMU's
 * standard input and output, read into a {@link SharedConsole}. Its files go in a fresh private
 * folder (0700): {@code console.log} (every console line), {@code qemu.err}, {@code build.log}.
 * {@link #close} stops QEMU by its PID (SIGTERM, then SIGKILL after 10 s) and removes the folder
 * unless asked to keep it.
 */
final class Sel4System implements AutoCloseable {
    /** The QEMU machine the image is built for (what the build's generated {@code simulate} runs). */
    static final List<String> MACHINE = List.of("-machine", "virt,virtualization=on,highmem=off,secure=off",
            "-cpu", "cortex-a53", "-m", "3072");
    static final int VMS = 3;

    private final Path logs;
    private final SharedConsole console;
    private final Writer consoleLog;
    private Process qemu;
    private Thread reader;

    private Sel4System(Path logs) throws IOException {
        this.logs = logs;
        this.consoleLog = Files.newBufferedWriter(logs.resolve("console.log"), StandardCharsets.UTF_8);
        this.console = new SharedConsole(VMS, consoleLog);
    }

    /** A fresh private logs folder under the system's temporary folder. */
    static Sel4System create() throws IOException {
        Path logs = Files.createTempDirectory("dataport-sel4-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return new Sel4System(logs);
    }

    Path logs() {
        return logs;
    }

    SharedConsole console() {
        return console;
    }

    /** QEMU's PID, or -1 before {@link #boot}. */
    long pid() {
        return qemu == null ? -1 : qemu.pid();
    }

    /**
     * Runs {@code home/sel4/build --sources SOURCES}, its lines forwarded to {@code progress}, and
     * returns the image it built (or found cached).
     */
    static Path build(Path home, String sources, PrintStream progress) throws IOException, InterruptedException {
        Path script = home.resolve("sel4/build");
        if (!Files.isExecutable(script)) {
            throw new Sel4Exception(script + ": missing or not executable (run from a checkout of the project)");
        }
        ProcessBuilder pb = new ProcessBuilder(script.toString(), "--sources", sources).redirectErrorStream(true);
        Process p = pb.start();
        String image = null;
        List<String> last = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                progress.println("  " + line);
                last.add(line);
                if (last.size() > 5) {
                    last.remove(0);
                }
                int at = line.indexOf("] image: ");
                if (at >= 0) {
                    image = line.substring(at + "] image: ".length()).replaceFirst(" \\([^)]*\\)$", "");
                }
            }
        }
        int status = p.waitFor();
        if (status != 0) {
            throw new Sel4Exception("sel4/build failed (exit " + status + "): " + (last.isEmpty() ? "" : last.get(last.size() - 1)));
        }
        if (image == null || !Files.isRegularFile(Paths.get(image))) {
            throw new Sel4Exception("sel4/build printed no image (its last line: " + String.join(" | ", last) + ")");
        }
        return Paths.get(image);
    }

    /** Starts QEMU on {@code image}; the console starts reading at once. */
    void boot(Path image) throws IOException {
        List<String> command = new ArrayList<>(List.of("qemu-system-aarch64"));
        command.addAll(MACHINE);
        command.addAll(List.of("-display", "none", "-monitor", "none", "-serial", "stdio", "-kernel", image.toString()));
        Files.writeString(logs.resolve("qemu.command"), String.join(" ", command) + "\n");
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(logs.resolve("qemu.err").toFile());
        try {
            qemu = pb.start();
        } catch (IOException e) {
            throw new Sel4Exception("cannot start qemu-system-aarch64 (" + e.getMessage()
                    + "): install Debian's qemu-system-arm (sel4/build does)", e);
        }
        console.connectInput(qemu.getOutputStream());
        reader = new Thread(() -> console.pump(qemu.getInputStream()), "sel4-console");
        reader.setDaemon(true);
        reader.start();
    }

    /** What QEMU wrote on its standard error (one line), for messages. */
    String qemuErrors() {
        try {
            return String.join(" | ", Files.readAllLines(logs.resolve("qemu.err"))).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** Stops QEMU by its PID; then removes the logs folder unless {@code keepLogs}. */
    void close(boolean keepLogs) {
        if (qemu != null && qemu.isAlive()) {
            qemu.destroy();
            try {
                if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
                    qemu.destroyForcibly();
                    qemu.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                qemu.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        console.close("QEMU was stopped");
        try {
            consoleLog.close();
        } catch (IOException e) {
            // nothing to do: the log is best effort
        }
        if (!keepLogs) {
            try (Stream<Path> files = Files.walk(logs)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // reported by the caller's leftover check
            }
        }
    }

    /** Whether QEMU still runs. */
    boolean running() {
        return qemu != null && qemu.isAlive();
    }

    @Override
    public void close() {
        close(false);
    }
}
