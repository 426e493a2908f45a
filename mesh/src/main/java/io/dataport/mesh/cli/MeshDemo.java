package io.dataport.mesh.cli;

import io.dataport.mesh.MeshConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code ./dataport demo}: starts the mesh's nodes as separate processes in a fresh temporary
 * directory, runs a perf test on every ordered pair of nodes one after the other (each link alone,
 * so the numbers are the link's), prints one table per packet size, then stops every process by its
 * PID and removes the directory. Each node process is {@code ./dataport node --exit-on-eof}, driven
 * through its standard input: it dies with the demo even if the demo is killed.
 */
final class MeshDemo {
    private static final long START_TIMEOUT_MILLIS = 60_000;
    private static final long TEST_SLACK_MILLIS = 40_000;

    private MeshDemo() {
    }

    record Row(String link, int size, double gbits, double packetsPerSecond, long packets, long lost,
               long outOfOrder, long errors, long kicksSent, long kicksSuppressed, long fullEvents, String error) {
        boolean ok() {
            return error == null && lost == 0 && outOfOrder == 0 && errors == 0 && packets > 0;
        }
    }

    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args args = new Args("demo", argv, Set.of("-t", "-l", "-n", "--nodes", "--ring", "-d", "--dir"), Set.of());
        if (!args.positional().isEmpty()) {
            throw new Args.UsageException("demo: unexpected '" + args.positional().get(0) + "'");
        }
        double seconds = args.decimal("-t", 3);
        int nodes = args.integer("--nodes", MeshConfig.DEFAULT_NODES);
        int[] sizes = Arrays.stream(args.string("-l", "1500").split(","))
                .mapToInt(s -> Args.parseBytes("demo", "-l", s)).toArray();
        int maxPacket = Math.max(MeshConfig.DEFAULT_MAX_PACKET_LENGTH, Arrays.stream(sizes).max().orElse(0));
        int ring = args.bytes("--ring", (int) Math.max(MeshConfig.DEFAULT_RING_CAPACITY,
                MeshConfig.minimumRingCapacity(maxPacket)));
        for (int size : sizes) {
            if (size < Perf.DATA_HEADER) {
                throw new Args.UsageException("demo: packets must be at least " + Perf.DATA_HEADER
                        + " bytes (the perf header), not " + size);
            }
        }
        Path parent = Path.of(args.string("--dir", Args.sharedMemoryDir().toString()));
        Path dir = Files.createTempDirectory(parent, "dataport-demo-");
        // validates the sizes before any process starts
        MeshConfig config = MeshConfig.defaults(dir).withNodes(nodes).withSizes(ring, maxPacket);

        List<NodeChild> children = new ArrayList<>();
        Thread cleanup = new Thread(() -> stopAll(children, dir, null), "dataport-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        List<List<Row>> tables = new ArrayList<>();
        boolean ok = true;
        long began = System.nanoTime();
        try {
            out.printf("Dataport mesh demo: %d node processes in %s, rings of %s, %s s per link%n", nodes, dir,
                    PerfClient.transfer(ring).replace(".00 ", " ").replace("Bytes", "iB"), fmt(seconds));
            for (int id = 0; id < nodes; id++) {
                children.add(NodeChild.start(config, id, dir.resolve("node-" + id + ".log")));
            }
            for (NodeChild child : children) {
                child.awaitReady(START_TIMEOUT_MILLIS);
            }
            out.println("node PIDs: " + children.stream().map(c -> c.id + "=" + c.process.pid()).toList());
            for (int size : sizes) {
                List<Row> rows = new ArrayList<>();
                for (int a = 0; a < nodes; a++) {
                    for (int b = a + 1; b < nodes; b++) {
                        rows.add(perf(children.get(a), b, size, seconds, err));
                        rows.add(perf(children.get(b), a, size, seconds, err));
                    }
                }
                tables.add(rows);
            }
        } catch (Exception e) {
            ok = false;
            err.println("demo: " + e.getMessage());
            for (NodeChild child : children) {
                child.printLog(err);
            }
        } finally {
            stopAll(children, dir, err);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
        for (int i = 0; i < tables.size(); i++) {
            ok &= print(tables.get(i), sizes[i], out);
        }
        out.printf(Locale.ROOT, "%s in %.1f s; every packet carried a sequence number and a checksum that the receiver"
                        + " verified.%nStopped %d processes by PID and removed %s.%n", ok ? "Done" : "FAILED",
                (System.nanoTime() - began) / 1e9, children.size(), dir);
        return ok ? 0 : 1;
    }

    private static Row perf(NodeChild client, int server, int size, double seconds, PrintStream err) throws Exception {
        String link = client.id + "->" + server;
        err.printf("demo: perf %s, %d-byte packets, %s s ...%n", link, size, fmt(seconds));
        List<String> lines = client.command("perf " + server + " -t " + seconds + " -l " + size + " -J",
                (long) (seconds * 1000) + TEST_SLACK_MILLIS);
        String last = lines.remove(lines.size() - 1);
        if (!last.equals("ok")) {
            return failed(link, size, last);
        }
        Object json = Json.parse(String.join("\n", lines));
        if (json instanceof java.util.Map<?, ?> map && map.containsKey("error")) {
            return failed(link, size, String.valueOf(map.get("error")));
        }
        Row row = new Row(link, size,
                Json.number(json, "end", "sum_received", "bits_per_second") / 1e9,
                Json.number(json, "end", "sum_received", "packets_per_second"),
                (long) Json.number(json, "end", "sum_received", "packets"),
                (long) Json.number(json, "end", "sum_received", "lost_packets"),
                (long) Json.number(json, "end", "sum_received", "out_of_order"),
                (long) Json.number(json, "end", "sum_received", "checksum_errors"),
                (long) Json.number(json, "end", "sum_sent", "kicks_sent"),
                (long) Json.number(json, "end", "sum_sent", "kicks_suppressed"),
                (long) Json.number(json, "end", "sum_sent", "full_events"), null);
        err.printf(Locale.ROOT, "demo: perf %s: %.2f Gbit/s, %.0f packets/s%n", link, row.gbits, row.packetsPerSecond);
        return row;
    }

    private static Row failed(String link, int size, String error) {
        return new Row(link, size, 0, 0, 0, 0, 0, 0, 0, 0, 0, error);
    }

    /** Prints one table; returns whether every link passed. */
    private static boolean print(List<Row> rows, int size, PrintStream out) {
        boolean ok = true;
        out.printf("%n%d-byte packets:%n", size);
        out.printf("%-6s %9s %12s %6s %13s %8s %11s %17s%n", "link", "Gbit/s", "packets/s", "lost", "out of order",
                "errors", "kicks sent", "kicks suppressed");
        for (Row r : rows) {
            if (r.error != null) {
                out.printf("%-6s failed: %s%n", r.link, r.error);
            } else {
                out.printf(Locale.ROOT, "%-6s %9.2f %12s %6d %13d %8d %11d %17d%n", r.link, r.gbits,
                        String.format(Locale.ROOT, "%,.0f", r.packetsPerSecond), r.lost, r.outOfOrder, r.errors,
                        r.kicksSent, r.kicksSuppressed);
            }
            ok &= r.ok();
        }
        return ok;
    }

    private static String fmt(double seconds) {
        return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
    }

    /** Asks every child to quit, then stops any that is left by its PID, then removes the directory. */
    private static synchronized void stopAll(List<NodeChild> children, Path dir, PrintStream err) {
        for (NodeChild child : children) {
            child.quit();
        }
        for (NodeChild child : children) {
            child.stop();
        }
        try {
            deleteTree(dir);
        } catch (IOException e) {
            if (err != null) {
                err.println("demo: could not remove " + dir + ": " + e);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** One node process, driven through its standard input, its standard output read line by line. */
    static final class NodeChild {
        final int id;
        final Process process;
        final Path log;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Writer input;

        private NodeChild(int id, Process process, Path log) {
            this.id = id;
            this.process = process;
            this.log = log;
            this.input = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
                lines.add("\u0000eof");
            }, "demo-node-" + id + "-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static NodeChild start(MeshConfig config, int id, Path log) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "node", "--id", Integer.toString(id), "--dir", config.dir().toString(),
                    "--nodes", Integer.toString(config.nodes()), "--mesh", config.name(),
                    "--ring", Integer.toString(config.ringCapacity()),
                    "--max-packet", Integer.toString(config.maxPacketLength()), "--exit-on-eof");
            Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
            return new NodeChild(id, process, log);
        }

        void awaitReady(long timeoutMillis) throws Exception {
            String line = next(System.currentTimeMillis() + timeoutMillis);
            if (!line.startsWith("ready")) {
                throw new IllegalStateException("node " + id + " did not start: " + line);
            }
        }

        /** Sends one command; returns its output lines, the last one "ok" or "error: ...". */
        List<String> command(String command, long timeoutMillis) throws Exception {
            input.write(command + "\n");
            input.flush();
            long deadline = System.currentTimeMillis() + timeoutMillis;
            List<String> out = new ArrayList<>();
            while (true) {
                String line = next(deadline);
                out.add(line);
                if (line.equals("ok") || line.startsWith("error: ")) {
                    return out;
                }
            }
        }

        private String next(long deadline) throws Exception {
            String line = lines.poll(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new IllegalStateException("node " + id + " (PID " + process.pid() + ") did not answer in time");
            }
            if (line.equals("\u0000eof")) {
                lines.add(line);
                throw new IllegalStateException("node " + id + " (PID " + process.pid() + ") exited"
                        + (process.isAlive() ? "" : " with status " + process.exitValue()));
            }
            return line;
        }

        void quit() {
            try {
                input.write("quit\n");
                input.close();
            } catch (IOException ignored) {
                // already gone
            }
        }

        /** Waits briefly for the process to leave, then ends it by its PID. */
        void stop() {
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
                Thread.currentThread().interrupt();
            }
        }

        void printLog(PrintStream err) {
            try {
                if (Files.exists(log) && Files.size(log) > 0) {
                    err.println("--- node " + id + " log ---");
                    err.print(Files.readString(log));
                }
            } catch (IOException ignored) {
                // nothing to show
            }
        }
    }
}
