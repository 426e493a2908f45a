package io.dataport.bench.xproc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The comparison's command-line options; every bad value is rejected with a message naming it. */
final class Options {
    static final String USAGE = """
            usage: Compare [options]
              --quick                 correctness pass: 1 repetition, 0.1 s warm-up + 0.2 s per run (CI)
              --reps N                repetitions, systems interleaved within each (default 3)
              --seconds S             measured window per run (default 2)
              --warmup S              warm-up per run before the window (default 1)
              --sizes a,b,...         payload sizes in bytes, >= 16 (default 64,1500,65536)
              --systems a,b,...       of %s;
                                      default all but the minimal loops, which are added for the
                                      rings selected unless some are named
              --no-minimal            do not add the minimal loops (dataport-minimal, agrona-minimal)
              --near-ns NS            a run is near when both placement probes are below NS, far when both
                                      are not, mixed when they differ (default 200); busy when a probe
                                      is 600 ns or more or other processes used 0.1 CPUs: mixed and
                                      busy runs are left out of the ratios
              --modes a,b             in-place,copy-out (default both; the minimal loops run in-place only)
              --pingpong a,b,...      systems for the 64 B round trip (default dataport,agrona,tcp; 'none' to skip)
              --no-ceiling            skip the copy ceiling
              --out DIR               where results.json and results.svg go (default bench/target, or target)
              --shm DIR               parent of the run's temp dir (default /dev/shm)
            """;

    int reps = 3;
    double seconds = 2;
    double warmup = 1;
    int[] sizes = {64, 1500, 65536};
    List<MessagingSystem> systems = Systems.ALL;
    /** The minimal loops to run (in-place only), after {@link #parse}. */
    List<String> minimal = List.of();
    private List<String> minimalNamed = List.of();
    private boolean noMinimal;
    double nearNs = 200;
    List<Mode> modes = List.of(Mode.INPLACE, Mode.COPY);
    List<MessagingSystem> pingPong = List.of(Systems.byName("dataport"), Systems.byName("agrona"), Systems.byName("tcp"));
    boolean ceiling = true;
    boolean quick;
    Path out = Files.isDirectory(Path.of("bench")) ? Path.of("bench", "target") : Path.of("target");
    Path shm = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> {
                    o.quick = true;
                    o.reps = 1;
                    o.seconds = 0.2;
                    o.warmup = 0.1;
                }
                case "--reps" -> o.reps = positiveInt(a, value(args, ++i, a));
                case "--seconds" -> o.seconds = positiveDouble(a, value(args, ++i, a));
                case "--warmup" -> o.warmup = nonNegativeDouble(a, value(args, ++i, a));
                case "--sizes" -> o.sizes = sizes(value(args, ++i, a));
                case "--systems" -> o.selectSystems(value(args, ++i, a));
                case "--no-minimal" -> o.noMinimal = true;
                case "--near-ns" -> o.nearNs = positiveInt(a, value(args, ++i, a));
                case "--modes" -> o.modes = Arrays.stream(value(args, ++i, a).split(",")).map(Mode::parse).distinct().toList();
                case "--pingpong" -> o.pingPong = pingPong(value(args, ++i, a));
                case "--no-ceiling" -> o.ceiling = false;
                case "--out" -> o.out = Path.of(value(args, ++i, a));
                case "--shm" -> o.shm = Path.of(value(args, ++i, a));
                case "-h", "--help" -> throw new IllegalArgumentException("help");
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        o.chooseMinimal();
        return o;
    }

    /** --systems: the harness systems, and the minimal loops if any is named. */
    private void selectSystems(String v) {
        List<MessagingSystem> list = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (String raw : v.split(",")) {
            String name = raw.trim();
            if (Systems.MINIMAL.containsKey(name)) {
                if (!named.contains(name)) {
                    named.add(name);
                }
            } else if (!list.contains(Systems.byName(name))) {
                list.add(Systems.byName(name));
            }
        }
        systems = list;
        minimalNamed = named;
    }

    /** The minimal loops named, or else those of the rings selected; none without in-place. */
    private void chooseMinimal() {
        boolean inPlace = modes.contains(Mode.INPLACE);
        if (!minimalNamed.isEmpty()) {
            if (noMinimal) {
                throw new IllegalArgumentException("--no-minimal contradicts --systems " + String.join(",", minimalNamed));
            }
            if (!inPlace) {
                throw new IllegalArgumentException("--systems " + String.join(",", minimalNamed)
                        + ": the minimal loops run in-place only, and --modes has no in-place");
            }
            minimal = Systems.MINIMAL_NAMES.stream().filter(minimalNamed::contains).toList();
        } else if (!noMinimal && inPlace) {
            minimal = Systems.MINIMAL_NAMES.stream()
                    .filter(m -> systems.stream().anyMatch(s -> s.name().equals(Systems.harnessOf(m)))).toList();
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int positiveInt(String option, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " must be a positive integer, not '" + v + "'");
    }

    private static double positiveDouble(String option, String v) {
        double d = nonNegativeDouble(option, v);
        if (d == 0) {
            throw new IllegalArgumentException(option + " must be more than 0 seconds");
        }
        return d;
    }

    private static double nonNegativeDouble(String option, String v) {
        try {
            double d = Double.parseDouble(v);
            if (d >= 0 && d < 3600) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " must be a number of seconds in [0, 3600), not '" + v + "'");
    }

    private static int[] sizes(String v) {
        int[] sizes = Arrays.stream(v.split(",")).mapToInt(s -> positiveInt("--sizes", s.trim())).distinct().toArray();
        for (int s : sizes) {
            if (s < Payload.MIN_SIZE || s > 512 * 1024) {
                throw new IllegalArgumentException("--sizes: " + s + " is outside [" + Payload.MIN_SIZE
                        + ", 524288] (the rings hold 4 MiB; Agrona's largest message is an eighth of that)");
            }
        }
        return sizes;
    }

    private static List<MessagingSystem> systems(String v) {
        List<MessagingSystem> list = new ArrayList<>();
        for (String name : v.split(",")) {
            MessagingSystem s = Systems.byName(name.trim());
            if (!list.contains(s)) {
                list.add(s);
            }
        }
        return list;
    }

    private static List<MessagingSystem> pingPong(String v) {
        if (v.equals("none")) {
            return List.of();
        }
        for (String name : v.split(",")) {
            if (Systems.MINIMAL.containsKey(name.trim())) {
                throw new IllegalArgumentException("--pingpong: " + name.trim() + " has no ping-pong implementation");
            }
        }
        List<MessagingSystem> list = systems(v);
        for (MessagingSystem s : list) {
            if (!s.pingPong()) {
                throw new IllegalArgumentException("--pingpong: " + s.name() + " has no ping-pong implementation");
            }
        }
        return list;
    }
}
