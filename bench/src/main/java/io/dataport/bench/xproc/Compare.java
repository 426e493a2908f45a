package io.dataport.bench.xproc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The cross-process comparison: every system × size × consumer mode as a producer JVM and a
 * consumer JVM (every message verified), the minimal loops of the rings (in place, no harness code,
 * the check on the harness's own cost), then the copy ceiling per size and the 64 B ping-pong per
 * system; all of it once per repetition, so systems are interleaved in time and share the same
 * noise. The vCPU placement is probed immediately before and after every run (it moves within a
 * repetition), and the load recorded per run; the summary groups runs by placement (decision 1702).
 * Writes results.json and results.svg (see docs/benchmarks.md). Exit status: 0, 1 when a run
 * failed (a verification error included), 2 for bad arguments.
 */
public final class Compare {
    private final Options options;
    private final String classpath = System.getProperty("java.class.path");
    private final Results results;
    private final Set<Path> liveDirs = ConcurrentHashMap.newKeySet();
    private double firstProbeNs = Double.NaN;
    private double lastProbeNs = Double.NaN;

    private Compare(Options options) {
        this.options = options;
        this.results = new Results(options);
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            if (e.getMessage().equals("help")) {
                System.out.print(Options.USAGE.formatted(Systems.names()));
                System.exit(0);
            }
            System.err.println("compare: " + e.getMessage() + " (--help lists the options)");
            System.exit(2);
            return;
        }
        try {
            new Compare(options).run();
        } catch (Exception e) {
            System.err.println("compare: FAILED: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    /** Runs the comparison with these options (the quick test calls this); throws on any failure. */
    public static Path run(String... args) throws Exception {
        return new Compare(Options.parse(args)).run();
    }

    private Path run() throws Exception {
        Files.createDirectories(options.out);
        Thread cleanup = new Thread(this::cleanUp, "compare-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return measure();
        } finally {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    /** On Ctrl-C or kill: stop the children by PID and remove the run directories. */
    private void cleanUp() {
        try {
            ChildProcess.closeAll();
            for (Path dir : List.copyOf(liveDirs)) {
                deleteTree(dir);
            }
        } catch (InterruptedException | IOException | RuntimeException e) {
            System.err.println("compare: cleaning up: " + e);
        }
    }

    private Path runDir() throws IOException {
        Path dir = Files.createTempDirectory(options.shm, "dataport-bench-");
        liveDirs.add(dir);
        return dir;
    }

    private Path measure() throws Exception {
        for (int rep = 1; rep <= options.reps; rep++) {
            String startedAt = Instant.now().toString();
            double load1Before = CpuSample.now().load1();
            System.out.printf("# repetition %d of %d: load %.2f%n", rep, options.reps, load1Before);
            firstProbeNs = Double.NaN;
            for (int size : options.sizes) {
                for (Mode mode : options.modes) {
                    for (MessagingSystem system : options.systems) {
                        results.add(throughput(system.name(), null, size, mode, rep));
                    }
                    if (mode == Mode.INPLACE) {
                        for (String minimal : options.minimal) {
                            results.add(throughput(minimal, Systems.MINIMAL.get(minimal), size, mode, rep));
                        }
                    }
                }
                if (options.ceiling) {
                    results.add(ceiling(size, rep));
                }
            }
            for (MessagingSystem system : options.pingPong) {
                results.add(pingPong(system, rep));
            }
            results.add(new Runs.Repetition(rep, firstProbeNs, lastProbeNs, load1Before, CpuSample.now().load1(), startedAt));
            System.out.printf("# repetition %d done%n", rep);
            results.writeJson(options.out.resolve("results.json")); // after each repetition: a failure keeps what ran
            ThroughputChart.write(options.out.resolve("results.svg"), results);
        }
        Path json = options.out.resolve("results.json");
        results.printSummary(System.out);
        System.out.println("wrote " + json + " and " + options.out.resolve("results.svg"));
        return json;
    }

    /** The placement probe, run by the driver while no child runs: before and after every run. */
    private double probe() throws InterruptedException {
        lastProbeNs = PlacementProbe.measureNs();
        if (Double.isNaN(firstProbeNs)) {
            firstProbeNs = lastProbeNs;
        }
        return lastProbeNs;
    }

    private String[] peerArgs(String role, String system, Path dir, String address, int size, Mode mode,
            double seconds) {
        return new String[] {role, system, dir.toString(), address, Integer.toString(size), mode.label(),
                Double.toString(options.warmup), Double.toString(seconds)};
    }

    private double timeout(double seconds) {
        return options.warmup + seconds + 60;
    }

    /**
     * One throughput run of a harness system ({@code minimalMain} null: two {@link Peer}s) or of a
     * minimal loop (its main class, roles "consume" and "produce", no harness code in the children).
     */
    private Runs.Throughput throughput(String system, Class<?> minimalMain, int size, Mode mode, int rep)
            throws Exception {
        String label = system + " " + size + " B " + mode.label();
        double before = probe();
        String[] r;
        Runs.Load load;
        Path dir = runDir();
        try (ChildProcess consumer = minimalMain == null
                ? new ChildProcess(classpath, label + " consumer", peerArgs("consume", system, dir, "-", size, mode, options.seconds))
                : new ChildProcess(classpath, label + " consumer", minimalMain, "consume", dir.toString(),
                        Integer.toString(size), Double.toString(options.warmup), Double.toString(options.seconds))) {
            String address = consumer.await("ready", 60);
            try (ChildProcess producer = minimalMain == null
                    ? new ChildProcess(classpath, label + " producer", peerArgs("produce", system, dir, address, size, mode, options.seconds))
                    : new ChildProcess(classpath, label + " producer", minimalMain, "produce", address, Integer.toString(size))) {
                CpuSample start = CpuSample.now(consumer.pid(), producer.pid());
                r = consumer.await("result", timeout(options.seconds)).split(" ");
                CpuSample end = CpuSample.now(consumer.pid(), producer.pid());
                load = Runs.Load.between(start, end);
            }
        } finally {
            deleteTree(dir);
        }
        Runs.Placement placement = new Runs.Placement(before, probe());
        Runs.Throughput run = new Runs.Throughput(system, size, mode.label(), rep, Long.parseLong(r[0]),
                Long.parseLong(r[1]), load, placement);
        if (run.messages() <= 0) {
            throw new IllegalStateException(label + ": no message in the measured window");
        }
        if (minimalMain != null) {
            checkMinimalResult(label, r, run);
        }
        System.out.printf("rep %d  %-16s %6d B %-9s %12.0f msg/s %8.2f Gbit/s  (%s verified)  %s%n", rep,
                system, size, mode.label(), run.msgsPerSec(), run.gbitPerSec(), r[2], describe(run.load(), placement));
        return run;
    }

    /** A minimal loop's "result MESSAGES NANOS VERIFIED MSGS_PER_S": all four, consistent with each other. */
    private static void checkMinimalResult(String label, String[] r, Runs.Throughput run) {
        if (r.length != 4 || Long.parseLong(r[2]) < run.messages()
                || Math.abs(Long.parseLong(r[3]) - run.msgsPerSec()) > 1 + run.msgsPerSec() * 1e-6) {
            throw new IllegalStateException(label + ": malformed result line 'result " + String.join(" ", r) + "'");
        }
    }

    private Runs.Throughput ceiling(int size, int rep) throws Exception {
        double before = probe();
        String[] r;
        Runs.Load load;
        Path dir = runDir();
        try (ChildProcess copier = new ChildProcess(classpath, "copy ceiling " + size + " B",
                peerArgs("ceiling", "-", dir, "-", size, Mode.INPLACE, options.seconds))) {
            CpuSample start = CpuSample.now(copier.pid());
            r = copier.await("ceiling", timeout(options.seconds)).split(" ");
            CpuSample end = CpuSample.now(copier.pid());
            load = Runs.Load.between(start, end);
        } finally {
            deleteTree(dir);
        }
        Runs.Placement placement = new Runs.Placement(before, probe());
        Runs.Throughput run = new Runs.Throughput(Results.CEILING, size, "-", rep, Long.parseLong(r[0]),
                Long.parseLong(r[1]), load, placement);
        System.out.printf("rep %d  %-16s %6d B %-9s %12.0f copies/s %5.1f GB/s  %s%n", rep, "ceiling", size, "",
                run.msgsPerSec(), run.gbitPerSec() / 8, describe(run.load(), placement));
        return run;
    }

    private Runs.PingPong pingPong(MessagingSystem system, int rep) throws Exception {
        String label = system.name() + " ping-pong";
        double seconds = options.seconds;
        double before = probe();
        String[] r;
        Runs.Load load;
        Path dir = runDir();
        try (ChildProcess echo = new ChildProcess(classpath, label + " echo",
                peerArgs("echo", system.name(), dir, "-", 64, Mode.INPLACE, seconds))) {
            String address = echo.await("ready", 60);
            try (ChildProcess ping = new ChildProcess(classpath, label + " ping",
                    peerArgs("ping", system.name(), dir, address, 64, Mode.INPLACE, seconds))) {
                CpuSample start = CpuSample.now(echo.pid(), ping.pid());
                r = ping.await("pingpong", timeout(seconds)).split(" ");
                CpuSample end = CpuSample.now(echo.pid(), ping.pid());
                load = Runs.Load.between(start, end);
            }
        } finally {
            deleteTree(dir);
        }
        Runs.Placement placement = new Runs.Placement(before, probe());
        Runs.PingPong run = new Runs.PingPong(system.name(), rep, Long.parseLong(r[0]), Long.parseLong(r[1]),
                Long.parseLong(r[2]), Long.parseLong(r[3]), Long.parseLong(r[4]), load, placement);
        if (run.roundTrips() <= 0) {
            throw new IllegalStateException(label + ": no round trip in the measured window");
        }
        System.out.printf("rep %d  %-16s     64 B ping-pong p50 %.2f us  p99 %.2f us  p99.9 %.2f us  (%d round trips)  %s%n",
                rep, system.name(), run.p50() / 1e3, run.p99() / 1e3, run.p999() / 1e3, run.roundTrips(),
                describe(run.load(), placement));
        return run;
    }

    private String describe(Runs.Load load, Runs.Placement placement) {
        return String.format("%s (%.0f/%.0f ns), load %.2f, other processes %.2f CPUs, steal %.1f%%",
                placement.group(options.nearNs, load), placement.beforeNs(), placement.afterNs(), load.load1(),
                load.otherCpus(), load.stealPercent());
    }

    private void deleteTree(Path dir) throws IOException {
        liveDirs.remove(dir);
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
