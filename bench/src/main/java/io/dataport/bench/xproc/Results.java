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
 * Every run of a comparison, summarised per system × size × mode and placement group (near, far,
 * mixed, busy: min, median, max over the repetitions), with the ratios between systems taken only within
 * one placement group, and written as results.json; the layout is described in docs/benchmarks.md.
 * A ratio is computed from the runs of the same repetition where both runs are in the group (the
 * median of those paired ratios, their range, and in how many pairs the first system was faster),
 * next to the ratio of the two systems' medians in the group (decision 1702).
 */
final class Results {
    static final String CEILING = "copy-ceiling";
    /** How far a harness figure may be from its minimal loop's before the summary flags it. */
    static final double TOLERANCE = 0.15;
    /**
     * Pairs that must all agree before a ranking is called stable: a low bar (two equal systems
     * agree 3 times of 3 one time in 4), so read it with the range of the ratios (decision 1702).
     */
    static final int STABLE_PAIRS = 3;
    /** The ratios reported, first over second system; X over X-minimal is the harness check. */
    private static final List<String[]> RATIOS = List.of(new String[] {"dataport", "agrona"},
            new String[] {"dataport-batched", "agrona"}, new String[] {"dataport-minimal", "agrona-minimal"},
            new String[] {"dataport", "dataport-minimal"}, new String[] {"agrona", "agrona-minimal"},
            new String[] {"dataport", CEILING});

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

    /** The series drawn and written: every system × mode that ran, in run order. */
    List<String[]> series() {
        List<String[]> series = new ArrayList<>();
        for (MessagingSystem s : options.systems) {
            for (Mode m : options.modes) {
                series.add(new String[] {s.name(), m.label()});
            }
        }
        for (String minimal : options.minimal) {
            series.add(new String[] {minimal, Mode.INPLACE.label()});
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
        m.put("minimalLoops", options.minimal);
        m.put("nearBelowNs", options.nearNs);
        m.put("busyFromNs", Runs.Placement.BUSY_NS);
        m.put("busyFromOtherCpus", Runs.Placement.BUSY_OTHER_CPUS);
        m.put("harnessTolerance", TOLERANCE);
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

    String group(Runs.Placement p, Runs.Load load) {
        return p.group(options.nearNs, load);
    }

    /** The runs of one system × size × mode in one placement group. */
    List<Runs.Throughput> runs(String system, int size, String mode, String group) {
        return runs(system, size, mode).stream().filter(r -> group(r.placement(), r.load()).equals(group)).toList();
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
        Map<String, Object> groups = new LinkedHashMap<>();
        for (String g : Runs.GROUPS) {
            List<Runs.Throughput> in = runs.stream().filter(r -> group(r.placement(), r.load()).equals(g)).toList();
            if (!in.isEmpty()) {
                Map<String, Object> gm = new LinkedHashMap<>();
                gm.put("runs", in.size());
                gm.put("msgsPerSec", stats(stats(in, Runs.Throughput::msgsPerSec)));
                groups.put(g, gm);
            }
        }
        m.put("byPlacement", groups);
        List<Object> list = new ArrayList<>();
        for (Runs.Throughput r : runs) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("rep", r.rep());
            run.put("msgsPerSec", r.msgsPerSec());
            run.put("gbitPerSec", r.gbitPerSec());
            run.put("messages", r.messages());
            run.put("seconds", r.nanos() / 1e9);
            putLoad(run, r.load(), r.placement());
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
        Map<String, Object> groups = new LinkedHashMap<>();
        for (String g : Runs.GROUPS) {
            List<Runs.PingPong> in = runs.stream().filter(r -> group(r.placement(), r.load()).equals(g)).toList();
            if (!in.isEmpty()) {
                Map<String, Object> gm = new LinkedHashMap<>();
                gm.put("runs", in.size());
                gm.put("p50Ns", stats(stats(in, Runs.PingPong::p50)));
                gm.put("p99Ns", stats(stats(in, Runs.PingPong::p99)));
                groups.put(g, gm);
            }
        }
        m.put("byPlacement", groups);
        List<Object> list = new ArrayList<>();
        for (Runs.PingPong r : runs) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("rep", r.rep());
            run.put("roundTrips", r.roundTrips());
            run.put("p50Ns", r.p50());
            run.put("p99Ns", r.p99());
            run.put("p999Ns", r.p999());
            run.put("maxNs", r.max());
            putLoad(run, r.load(), r.placement());
            list.add(run);
        }
        m.put("runs", list);
        return m;
    }

    private void putLoad(Map<String, Object> run, Runs.Load load, Runs.Placement placement) {
        run.put("load1", load.load1());
        run.put("otherProcessesCpus", load.otherCpus());
        run.put("stealPercent", load.stealPercent());
        run.put("placementBeforeNs", placement.beforeNs());
        run.put("placementAfterNs", placement.afterNs());
        run.put("placement", group(placement, load));
    }

    private static Map<String, Object> stats(Stats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("min", s.min());
        m.put("median", s.median());
        m.put("max", s.max());
        return m;
    }

    /**
     * {@code a} over {@code b} at one size, mode and placement group: the ratios of the runs of the
     * same repetition where both are in the group (the copy ceiling, one process, pairs whatever its
     * group), and the ratio of the two medians in the group; null when either has no run there.
     */
    record Ratio(String a, String b, int size, String mode, String group, double[] paired, double mediansRatio) {
        Stats stats() {
            return Stats.of(paired);
        }

        long aFaster() {
            return java.util.Arrays.stream(paired).filter(r -> r > 1).count();
        }

        /** A harness system over its own minimal loop. */
        boolean harnessCheck() {
            return b.equals(a + "-minimal");
        }

        /** The figure judged: the median of the paired ratios, or the medians' ratio without a pair. */
        double value() {
            return paired.length > 0 ? stats().median() : mediansRatio;
        }

        boolean offLimits() {
            return harnessCheck() && Math.abs(value() - 1) > TOLERANCE;
        }

        /** At least {@link #STABLE_PAIRS} pairs, all with the same system ahead. */
        boolean rankingStable() {
            return paired.length >= STABLE_PAIRS && (aFaster() == 0 || aFaster() == paired.length);
        }
    }

    Ratio ratio(String a, String b, int size, String mode, String group) {
        boolean ceiling = b.equals(CEILING);
        List<Runs.Throughput> as = runs(a, size, mode, group);
        List<Runs.Throughput> bs = ceiling ? runs(b, size, null) : runs(b, size, mode, group);
        if (as.isEmpty() || bs.isEmpty()) {
            return null;
        }
        double[] paired = as.stream().flatMap(x -> bs.stream().filter(y -> y.rep() == x.rep())
                .map(y -> x.msgsPerSec() / y.msgsPerSec())).mapToDouble(Double::doubleValue).toArray();
        return new Ratio(a, b, size, mode, group, paired,
                stats(as, Runs.Throughput::msgsPerSec).median() / stats(bs, Runs.Throughput::msgsPerSec).median());
    }

    /** Every ratio that has runs on both sides, by size, mode and placement group. */
    List<Ratio> ratioList() {
        List<Ratio> list = new ArrayList<>();
        for (int size : options.sizes) {
            for (Mode mode : options.modes) {
                for (String g : Runs.GROUPS) {
                    if (g.equals(Runs.MIXED) || g.equals(Runs.BUSY)) {
                        continue; // the placement moved during those runs, or another process ran: no ratio
                    }
                    for (String[] ab : RATIOS) {
                        Ratio r = ratio(ab[0], ab[1], size, mode.label(), g);
                        if (r != null) {
                            list.add(r);
                        }
                    }
                }
            }
        }
        return list;
    }

    private Map<String, Object> ratios() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Ratio r : ratioList()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> perGroup = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) m
                    .computeIfAbsent(Integer.toString(r.size()), k -> new LinkedHashMap<String, Object>()))
                    .computeIfAbsent(r.mode(), k -> new LinkedHashMap<String, Object>()))
                    .computeIfAbsent(r.group(), k -> new LinkedHashMap<String, Object>());
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("pairs", r.paired().length);
            if (r.paired().length > 0) {
                e.putAll(stats(r.stats()));
                e.put("firstFaster", r.aFaster());
                e.put("rankingStable", r.rankingStable());
            }
            e.put("mediansRatio", r.mediansRatio());
            if (r.harnessCheck()) {
                e.put("withinTolerance", !r.offLimits());
            }
            perGroup.put(r.a() + "/" + r.b(), e);
        }
        return m;
    }

    void printSummary(PrintStream out) {
        out.printf("%nThroughput by placement: near = both probes of the run below %.0f ns, far = both above,"
                + " mixed = it moved, busy = a probe >= %.0f ns or other processes >= %.1f CPUs"
                + " (no ratios from mixed or busy runs)%n", options.nearNs, Runs.Placement.BUSY_NS,
                Runs.Placement.BUSY_OTHER_CPUS);
        out.printf("%-16s %-9s %6s %-5s %4s %14s %14s %14s %8s%n", "system", "mode", "size", "place", "runs",
                "min msg/s", "median msg/s", "max msg/s", "Gbit/s");
        for (int size : options.sizes) {
            for (String[] s : series()) {
                for (String g : Runs.GROUPS) {
                    summaryLine(out, s[0], s[1], size, g, runs(s[0], size, s[1], g));
                }
            }
            summaryLine(out, CEILING, "-", size, "any", runs(CEILING, size, null));
        }
        for (MessagingSystem s : options.pingPong) {
            for (String g : Runs.GROUPS) {
                List<Runs.PingPong> runs = pingPongs.stream()
                        .filter(r -> r.system().equals(s.name()) && group(r.placement(), r.load()).equals(g)).toList();
                if (!runs.isEmpty()) {
                    out.printf("%-16s 64 B ping-pong %-5s %d runs: median p50 %.2f us, p99 %.2f us, p99.9 %.2f us%n",
                            s.name(), g, runs.size(), stats(runs, Runs.PingPong::p50).median() / 1e3,
                            stats(runs, Runs.PingPong::p99).median() / 1e3, stats(runs, Runs.PingPong::p999).median() / 1e3);
                }
            }
        }
        out.printf("%nRatios within one placement group: 'paired' from the runs of one repetition where both are in"
                + " the group (median, min..max, first faster in k of n pairs); 'medians' = ratio of the group medians.%n"
                + "A ranking is stable when at least %d pairs agree. X/X-minimal is the harness over its minimal"
                + " loop: flagged when off by more than %.0f%%.%n", STABLE_PAIRS, TOLERANCE * 100);
        out.printf("%-33s %6s %-9s %-5s %7s %15s %10s %8s%n", "ratio", "size", "mode", "place", "paired", "min..max",
                "1st faster", "medians");
        List<Ratio> ratios = ratioList();
        if (ratios.isEmpty()) {
            out.println("(none: no two systems have runs in the same near or far group; run more repetitions on a quiet machine)");
        }
        for (Ratio r : ratios) {
            Stats st = r.stats();
            String range = r.paired().length == 0 ? "-" : String.format("%.2f..%.2f", st.min(), st.max());
            String wins = r.paired().length == 0 ? "0 pairs" : r.aFaster() + " of " + r.paired().length;
            String flag = r.harnessCheck() ? (r.offLimits() ? "  OFF BY MORE THAN 15%" : "  ok")
                    : r.b().equals(CEILING) ? "" : r.rankingStable() ? "  stable" : "  not yet stable";
            out.printf("%-33s %6d %-9s %-5s %7s %15s %10s %8.2f%s%n", r.a() + "/" + r.b(), r.size(), r.mode(), r.group(),
                    r.paired().length == 0 ? "-" : String.format("%.2f", st.median()), range, wins, r.mediansRatio(), flag);
        }
    }

    private static void summaryLine(PrintStream out, String system, String mode, int size, String group,
            List<Runs.Throughput> runs) {
        if (runs.isEmpty()) {
            return;
        }
        Stats s = stats(runs, Runs.Throughput::msgsPerSec);
        out.printf("%-16s %-9s %6d %-5s %4d %14.0f %14.0f %14.0f %8.2f%n", system, mode, size, group, runs.size(),
                s.min(), s.median(), s.max(), s.median() * size * 8 / 1e9);
    }
}
