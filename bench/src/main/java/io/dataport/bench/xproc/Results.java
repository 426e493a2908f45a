package io.dataport.bench.xproc;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Every run of a comparison, summarised per system × size × mode (min, median, max over the
 * repetitions) and written as results.json; the layout is described in docs/benchmarks.md.
 */
final class Results {
    static final String CEILING = "copy-ceiling";

    private final Options options;
    private final List<Runs.Throughput> throughput = new ArrayList<>();
    private final List<Runs.PingPong> pingPongs = new ArrayList<>();
    private final List<Runs.Repetition> repetitions = new ArrayList<>();

    Results(Options options) {
        this.options = options;
    }

    void add(Runs.Throughput run) {
        throughput.add(run);
    }

    void add(Runs.PingPong run) {
        pingPongs.add(run);
    }

    void add(Runs.Repetition rep) {
        repetitions.add(rep);
    }

    int[] sizes() {
        return options.sizes;
    }

    /** The runs of one system × size × mode (mode ignored for the ceiling). */
    List<Runs.Throughput> runs(String system, int size, String mode) {
        return throughput.stream().filter(r -> r.system().equals(system) && r.size() == size
                && (mode == null || r.mode().equals(mode))).toList();
    }

    static <T> Stats stats(List<T> runs, ToDoubleFunction<T> f) {
        return Stats.of(runs.stream().mapToDouble(f).toArray());
    }

    /** Median msgs/s of a system × size × mode, NaN when it did not run. */
    double median(String system, int size, String mode) {
        return stats(runs(system, size, mode), Runs.Throughput::msgsPerSec).median();
    }

    /** The series drawn and written: every system × mode that ran, in run order. */
    List<String[]> series() {
        List<String[]> series = new ArrayList<>();
        for (MessagingSystem s : options.systems) {
            for (Mode m : options.modes) {
                series.add(new String[] {s.name(), m.label()});
            }
        }
        return series;
    }

    Path writeJson(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("generated", Instant.now().toString());
        root.put("machine", machine());
        root.put("settings", settings());
        root.put("repetitions", repetitions.stream().map(Results::repetition).toList());
        List<Object> rows = new ArrayList<>();
        for (int size : options.sizes) {
            for (String[] s : series()) {
                rows.add(throughputRow(s[0], size, s[1]));
            }
        }
        root.put("throughput", rows);
        List<Object> ceilings = new ArrayList<>();
        for (int size : options.sizes) {
            if (!runs(CEILING, size, null).isEmpty()) {
                ceilings.add(throughputRow(CEILING, size, null));
            }
        }
        root.put("ceiling", ceilings);
        root.put("pingPong", options.pingPong.stream().map(s -> pingPongRow(s.name())).toList());
        root.put("ratios", ratios());
        Files.writeString(file, Json.write(root));
        return file;
    }

    private Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("childJvmFlags", String.join(" ", ChildProcess.JVM_FLAGS));
        return m;
    }

    private Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("quick", options.quick);
        m.put("repetitions", options.reps);
        m.put("warmupSeconds", options.warmup);
        m.put("seconds", options.seconds);
        m.put("ringCapacityBytes", DataportSystem.CAPACITY);
        m.put("socketBufferBytes", StreamSocketSystem.BUFFER);
        return m;
    }

    private static Map<String, Object> repetition(Runs.Repetition r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rep", r.rep());
        m.put("startedAt", r.startedAt());
        m.put("placementBeforeNs", r.placementBeforeNs());
        m.put("placementAfterNs", r.placementAfterNs());
        m.put("load1Before", r.load1Before());
        m.put("load1After", r.load1After());
        return m;
    }

    private Runs.Repetition repetition(int rep) {
        return repetitions.stream().filter(r -> r.rep() == rep).findFirst()
                .orElse(new Runs.Repetition(rep, Double.NaN, Double.NaN, Double.NaN, Double.NaN, ""));
    }

    private Map<String, Object> throughputRow(String system, int size, String mode) {
        List<Runs.Throughput> runs = runs(system, size, mode);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("system", system);
        m.put("size", size);
        if (mode != null) {
            m.put("mode", mode);
        }
        m.put("msgsPerSec", stats(stats(runs, Runs.Throughput::msgsPerSec)));
        m.put("gbitPerSec", stats(stats(runs, Runs.Throughput::gbitPerSec)));
        List<Object> list = new ArrayList<>();
        for (Runs.Throughput r : runs) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("rep", r.rep());
            run.put("msgsPerSec", r.msgsPerSec());
            run.put("gbitPerSec", r.gbitPerSec());
            run.put("messages", r.messages());
            run.put("seconds", r.nanos() / 1e9);
            putLoad(run, r.load(), r.rep());
            list.add(run);
        }
        m.put("runs", list);
        return m;
    }

    private Map<String, Object> pingPongRow(String system) {
        List<Runs.PingPong> runs = pingPongs.stream().filter(r -> r.system().equals(system)).toList();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("system", system);
        m.put("size", 64);
        m.put("p50Ns", stats(stats(runs, Runs.PingPong::p50)));
        m.put("p99Ns", stats(stats(runs, Runs.PingPong::p99)));
        m.put("p999Ns", stats(stats(runs, Runs.PingPong::p999)));
        List<Object> list = new ArrayList<>();
        for (Runs.PingPong r : runs) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("rep", r.rep());
            run.put("roundTrips", r.roundTrips());
            run.put("p50Ns", r.p50());
            run.put("p99Ns", r.p99());
            run.put("p999Ns", r.p999());
            run.put("maxNs", r.max());
            putLoad(run, r.load(), r.rep());
            list.add(run);
        }
        m.put("runs", list);
        return m;
    }

    private void putLoad(Map<String, Object> run, Runs.Load load, int rep) {
        run.put("load1", load.load1());
        run.put("otherProcessesCpus", load.otherCpus());
        run.put("stealPercent", load.stealPercent());
        run.put("placementBeforeNs", repetition(rep).placementBeforeNs());
        run.put("placementAfterNs", repetition(rep).placementAfterNs());
    }

    private static Map<String, Object> stats(Stats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("min", s.min());
        m.put("median", s.median());
        m.put("max", s.max());
        return m;
    }

    /** Dataport's median over Agrona's per size and mode, and over the copy ceiling per size. */
    private Map<String, Object> ratios() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int size : options.sizes) {
            Map<String, Object> perSize = new LinkedHashMap<>();
            for (Mode mode : options.modes) {
                String ml = mode.label();
                perSize.put("dataportOverAgrona " + ml, median("dataport", size, ml) / median("agrona", size, ml));
                perSize.put("dataportOverCeiling " + ml, median("dataport", size, ml) / median(CEILING, size, null));
                perSize.put("dataportBatchedOverAgrona " + ml,
                        median("dataport-batched", size, ml) / median("agrona", size, ml));
            }
            m.put(Integer.toString(size), perSize);
        }
        return m;
    }

    void printSummary(PrintStream out) {
        out.printf("%n%-16s %-9s %8s %14s %14s %14s %10s%n", "system", "mode", "size", "min msg/s", "median msg/s",
                "max msg/s", "Gbit/s");
        for (int size : options.sizes) {
            for (String[] s : series()) {
                summaryLine(out, s[0], s[1], size);
            }
            if (!runs(CEILING, size, null).isEmpty()) {
                summaryLine(out, CEILING, null, size);
            }
        }
        for (MessagingSystem s : options.pingPong) {
            List<Runs.PingPong> runs = pingPongs.stream().filter(r -> r.system().equals(s.name())).toList();
            out.printf("%-16s 64 B ping-pong median p50 %.2f us, p99 %.2f us, p99.9 %.2f us%n", s.name(),
                    stats(runs, Runs.PingPong::p50).median() / 1e3, stats(runs, Runs.PingPong::p99).median() / 1e3,
                    stats(runs, Runs.PingPong::p999).median() / 1e3);
        }
        for (int size : options.sizes) {
            for (Mode mode : options.modes) {
                out.printf("dataport/agrona %6d B %-9s %.2f   dataport/ceiling %.2f%n", size, mode.label(),
                        median("dataport", size, mode.label()) / median("agrona", size, mode.label()),
                        median("dataport", size, mode.label()) / median(CEILING, size, null));
            }
        }
    }

    private void summaryLine(PrintStream out, String system, String mode, int size) {
        List<Runs.Throughput> runs = runs(system, size, mode);
        if (runs.isEmpty()) {
            return;
        }
        Stats s = stats(runs, Runs.Throughput::msgsPerSec);
        out.printf("%-16s %-9s %8d %14.0f %14.0f %14.0f %10.2f%n", system, mode == null ? "-" : mode, size, s.min(),
                s.median(), s.max(), s.median() * size * 8 / 1e9);
    }
}
