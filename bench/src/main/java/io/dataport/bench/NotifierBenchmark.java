package io.dataport.bench;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.Doorbell;
import io.dataport.queue.Kicker;
import io.dataport.queue.Notifier;
import io.dataport.queue.Region;
import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionOptions;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingProducer;
import io.dataport.queue.WaitStrategy;
import io.dataport.region.nativemap.EventDeviceException;
import io.dataport.region.nativemap.EventDeviceNotifier;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * The notifiers compared (issue 15, item 5), two JVMs on one region: this process (node 0) and a
 * peer JVM it starts (node 1) share a region file in a fresh {@code /dev/shm} directory holding one
 * 1 MiB ring per direction ({@link RegionGeometry#pair}, {@link Region}: the cross-VM form, leases
 * and keeper threads included). Three measurements, each repeated {@code --reps} times with the
 * notifiers interleaved (socket, poll, spin, socket, poll, spin, ...):
 * <ol>
 *   <li><b>latency</b>: this process produces a 64-byte record carrying {@link System#nanoTime()}
 *       (CLOCK_MONOTONIC, comparable across processes) every {@code --gap-ms} (5 ms: past the
 *       blocking strategy's 2 ms back-off, so the consumer is asleep on its notifier when the record
 *       comes); the peer consumes with the notifier's wait strategy and records commit→delivery in an
 *       HdrHistogram. The peer counts the records before which it slept ({@code sleeps()} moved):
 *       "slept before" should be nearly all of them for {@code socket} and {@code poll};</li>
 *   <li><b>idle</b>: the peer blocks as a consumer with nothing arriving for {@code --idle-seconds};
 *       its whole-process CPU time over that window ({@link #cpuNanos(long)}: every thread's run
 *       time from {@code /proc/<pid>/task/*}{@code /schedstat}, or utime+stime in ticks), as % of
 *       one core, next to an idle reference JVM (same flags, no region, main thread asleep) measured over
 *       the same window. <b>room</b> does the same for a peer blocked as a producer on a full ring
 *       that this process does not consume (poll and event notifiers by default);</li>
 *   <li><b>throughput</b>: both sides block with the notifier (like {@link WakeupBenchmark}'s
 *       throughput section), 64 B and 1500 B, {@code --seconds} measured after a warm-up, every
 *       record's sequence number checked.</li>
 * </ol>
 * Notifiers: {@code socket} ({@link Doorbell} + {@link Kicker}), {@code poll}
 * ({@link Notifier#polling(long)}, {@code --poll-max-us}, 1000 by default), {@code event}
 * ({@code EventDeviceNotifier} on a FIFO per process: {@code poll(2)} and {@code read(2)} through JNA,
 * as on a VM's event node), {@code spin} ({@link WaitStrategy#busySpin()}, no notifier). Another one is added in {@link #sides} (and
 * {@link #NOTIFIERS}). Each row is printed for people and once more as a {@code RESULT key=value}
 * line for scripts. Run: {@code java -cp bench/target/benchmarks.jar io.dataport.bench.NotifierBenchmark
 * [--quick] [--help]} (docs/benchmarks.md). Do not run it on a busy machine: the figures are
 * wake-up times and CPU fractions, and other processes move both.
 */
public final class NotifierBenchmark {
    /** The notifiers {@link #sides} knows: add a name here and a case there. */
    static final List<String> NOTIFIERS = List.of("socket", "poll", "event", "spin");

    static final int PARENT = 0;
    static final int PEER = 1;
    static final int CAPACITY = 1 << 20;
    static final RegionGeometry GEOMETRY = RegionGeometry.pair(RegionGeometry.sizeFor(CAPACITY, CAPACITY), PARENT,
            PEER, 0x4e4f5449L);
    /** Record types: measured, the last one, warm-up. */
    static final int MEASURED = 0;
    static final int END = 1;
    static final int WARMUP = 2;
    static final int LATENCY_SIZE = 64;
    static final long SECOND = 1_000_000_000L;
    /** How long a peer's blocking call may wait: the parent ends every wait long before. */
    static final long PEER_TIMEOUT = 3600 * SECOND;
    static final List<String> CHILD_FLAGS = List.of("-Xms128m", "-Xmx128m");

    private NotifierBenchmark() {
    }

    // ---------------------------------------------------------------------------------------------
    // The extension point: how one process waits and how it kicks its peer, per notifier name.
    // ---------------------------------------------------------------------------------------------

    /**
     * One process's two halves of a notifier: it sleeps on {@code waiting} (null: busy-spin, no
     * sleep) and wakes its peer through {@code kicking} (null: never kicks).
     */
    record Sides(Notifier waiting, Notifier kicking) implements AutoCloseable {
        WaitStrategy strategy() {
            return waiting == null ? WaitStrategy.busySpin() : WaitStrategy.blocking(waiting);
        }

        /** Gives the kicking half to a ring end ({@code producer::wakePeerWith}). */
        void wakePeerWith(Consumer<Notifier> end) {
            if (kicking != null) {
                end.accept(kicking);
            }
        }

        @Override
        public void close() {
            try {
                if (waiting != null) {
                    waiting.close();
                }
            } finally {
                if (kicking != null && kicking != waiting) {
                    kicking.close();
                }
            }
        }
    }

    /**
     * Builds this process's sides of notifier {@code name}; {@code me} and {@code peer} name the two
     * processes of the run (unique per run), {@code dir} is the run's private directory. Both
     * processes call it (in any order), each with its own name as {@code me}. A new notifier: a
     * case here and its name in {@link #NOTIFIERS}, nothing else.
     */
    static Sides sides(String name, Path dir, String me, String peer, long pollMaxNanos) {
        switch (name) {
            case "socket": {
                Doorbell bell = Doorbell.bind(dir.resolve(me + ".bell"));
                try {
                    ownerOnly(bell.path());
                    return new Sides(bell, Kicker.connect(awaitFile(dir.resolve(peer + ".bell"))));
                } catch (RuntimeException e) {
                    bell.close();
                    throw e;
                }
            }
            case "poll": {
                Notifier poll = Notifier.polling(pollMaxNanos);
                return new Sides(poll, poll);
            }
            case "spin":
                return new Sides(null, null);
            case "event": {
                // Two processes have no eventfd in common: a FIFO per process stands in for the event
                // node of a VM (the same poll(2) + read(2) wait and write(2) kick through JNA).
                Path mine = mkfifo(dir.resolve(me + ".fifo"));
                EventDeviceNotifier waiting = EventDeviceNotifier.waitOnly(List.of(mine), 1, false);
                try {
                    return new Sides(waiting, openKick(awaitFile(dir.resolve(peer + ".fifo"))));
                } catch (RuntimeException e) {
                    waiting.close();
                    throw e;
                }
            }
            default:
                throw new IllegalArgumentException("unknown notifier " + name + " (known: " + NOTIFIERS + ")");
        }
    }

    private static Path mkfifo(Path path) {
        try {
            Process p = new ProcessBuilder("mkfifo", "-m", "600", path.toString()).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("mkfifo " + path + " failed (exit " + p.exitValue() + ")");
            }
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Opens the kick on the peer's FIFO once the peer reads it (before that, open fails with ENXIO). */
    private static EventDeviceNotifier openKick(Path fifo) {
        long giveUp = System.nanoTime() + 30 * SECOND;
        while (true) {
            try {
                return EventDeviceNotifier.kickOnly(EventDeviceNotifier.Kick.write(fifo, 1));
            } catch (EventDeviceException e) {
                if (System.nanoTime() - giveUp > 0) {
                    throw e;
                }
                LockSupport.parkNanos(2_000_000);
            }
        }
    }

    private static Path awaitFile(Path path) {
        long giveUp = System.nanoTime() + 30 * SECOND;
        while (!Files.exists(path)) {
            if (System.nanoTime() - giveUp > 0) {
                throw new IllegalStateException(path + " did not appear within 30 s: did the peer start?");
            }
            LockSupport.parkNanos(2_000_000);
        }
        return path;
    }

    private static void ownerOnly(Path path) {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Options
    // ---------------------------------------------------------------------------------------------

    static final class Options {
        boolean quick;
        int reps = 2;
        int records = 2000;
        int warmupRecords = 50;
        long gapNanos = 5_000_000;
        double idleSeconds = 10;
        double settleSeconds = 1;
        double seconds = 2;
        double warmupSeconds = 0.5;
        long pollMaxNanos = Notifier.DEFAULT_POLL_NANOS;
        List<String> tests = List.of("latency", "idle", "room", "throughput");
        List<String> notifiers = List.of("socket", "poll", "event", "spin");
        List<String> roomNotifiers = List.of("poll", "event");
        List<String> throughputNotifiers = List.of("socket", "poll", "event");
        int[] sizes = {64, 1500};
        Path shm = Path.of("/dev/shm");

        static Options parse(String[] args) {
            Options o = new Options();
            for (String a : args) {
                if (a.equals("--quick")) {
                    o.quick = true;
                    o.reps = 1;
                    o.records = 100;
                    o.warmupRecords = 10;
                    o.idleSeconds = 2;
                    o.settleSeconds = 0.5;
                    o.seconds = 0.5;
                    o.warmupSeconds = 0.1;
                }
            }
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--quick")) {
                    continue;
                }
                if (a.equals("--help") || a.equals("-h")) {
                    throw new Usage(null);
                }
                if (i + 1 >= args.length) {
                    throw new Usage("option " + a + " needs a value (or is unknown)");
                }
                String v = args[++i];
                try {
                    switch (a) {
                        case "--reps" -> o.reps = positive(a, Integer.parseInt(v));
                        case "--records" -> o.records = positive(a, Integer.parseInt(v));
                        case "--warmup-records" -> o.warmupRecords = Math.max(0, Integer.parseInt(v));
                        case "--gap-ms" -> o.gapNanos = (long) (positive(a, Double.parseDouble(v)) * 1e6);
                        case "--idle-seconds" -> o.idleSeconds = positive(a, Double.parseDouble(v));
                        case "--settle-seconds" -> o.settleSeconds = Math.max(0, Double.parseDouble(v));
                        case "--seconds" -> o.seconds = positive(a, Double.parseDouble(v));
                        case "--warmup" -> o.warmupSeconds = Math.max(0, Double.parseDouble(v));
                        case "--poll-max-us" -> {
                            o.pollMaxNanos = (long) (positive(a, Double.parseDouble(v)) * 1000);
                            Notifier.polling(o.pollMaxNanos); // validates the range (1 us .. 1 s)
                        }
                        case "--tests" -> o.tests = names(a, v, List.of("latency", "idle", "room", "throughput"));
                        case "--notifiers" -> o.notifiers = names(a, v, NOTIFIERS);
                        case "--room-notifiers" -> o.roomNotifiers = names(a, v, NOTIFIERS);
                        case "--throughput-notifiers" -> o.throughputNotifiers = names(a, v, NOTIFIERS);
                        case "--sizes" -> {
                            o.sizes = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                            for (int s : o.sizes) {
                                if (s < 16 || s > GEOMETRY.rings().get(0).maxRecordLength()) {
                                    throw new Usage(a + ": size " + s + " is outside 16.."
                                            + GEOMETRY.rings().get(0).maxRecordLength());
                                }
                            }
                        }
                        case "--shm" -> o.shm = Path.of(v);
                        default -> throw new Usage("unknown option " + a);
                    }
                } catch (IllegalArgumentException e) {
                    throw e instanceof Usage u ? u : new Usage(a + " " + v + ": " + e.getMessage());
                }
            }
            if (!Files.isDirectory(o.shm)) {
                throw new Usage("--shm " + o.shm + ": not a directory");
            }
            return o;
        }

        private static int positive(String option, int v) {
            if (v <= 0) {
                throw new Usage(option + " must be positive");
            }
            return v;
        }

        private static double positive(String option, double v) {
            if (!(v > 0)) {
                throw new Usage(option + " must be positive");
            }
            return v;
        }

        private static List<String> names(String option, String v, List<String> known) {
            List<String> list = List.of(v.split(","));
            for (String n : list) {
                if (!known.contains(n)) {
                    throw new Usage(option + ": " + n + " is not one of " + known);
                }
            }
            return list;
        }
    }

    static final class Usage extends IllegalArgumentException {
        Usage(String message) {
            super(message);
        }
    }

    private static final String HELP = """
            usage: java -cp bench/target/benchmarks.jar io.dataport.bench.NotifierBenchmark [options]
              --quick                  smoke run: 1 rep, 100 records, 2 s idle windows, 0.5 s throughput
              --reps N                 repetitions, notifiers interleaved within each (2)
              --tests a,b              latency,idle,room,throughput (all)
              --notifiers a,b          for latency and idle: socket,poll,event,spin
              --room-notifiers a,b     for the producer blocked for room (poll,event)
              --throughput-notifiers   for throughput (socket,poll,event)
              --records N              latency records per run (2000); --warmup-records N (50) before them
              --gap-ms G               time between latency records (5)
              --idle-seconds S         idle/room CPU window (10), after --settle-seconds (1)
              --seconds S              throughput window (2), after --warmup S (0.5)
              --sizes a,b              throughput payload bytes (64,1500)
              --poll-max-us U          the poll notifier's longest sleep (1000)
              --shm DIR                parent of the run's temp directory (/dev/shm)
            """;

    // ---------------------------------------------------------------------------------------------
    // The parent: runs the tests, one peer JVM per run
    // ---------------------------------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("peer")) {
            Peer.main(args);
            return;
        }
        Options o;
        try {
            o = Options.parse(args);
        } catch (Usage u) {
            if (u.getMessage() == null) {
                System.out.print(HELP);
                return;
            }
            System.err.println("NotifierBenchmark: " + u.getMessage());
            System.err.print(HELP);
            System.exit(2);
            return;
        }
        try {
            new NotifierBenchmark.Driver(o).run();
        } catch (Exception | Error e) {
            System.out.flush();
            System.err.println("NotifierBenchmark: failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    static final class Driver {
        final Options o;
        Path dir;
        int runs;

        Driver(Options o) {
            this.o = o;
        }

        void run() throws Exception {
            long start = System.nanoTime();
            System.out.println("# NotifierBenchmark " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    + "  nproc " + Runtime.getRuntime().availableProcessors() + "  load " + loadAverage()
                    + "  java " + System.getProperty("java.version") + (o.quick ? "  QUICK (smoke run, not a measurement)" : ""));
            System.out.println("# region: 2 rings of " + CAPACITY / 1024 + " KiB in " + o.shm + "; child JVM flags "
                    + CHILD_FLAGS + "; poll notifier sleeps at most " + o.pollMaxNanos / 1000 + " us; CPU time from "
                    + (SCHEDSTAT ? "/proc/<pid>/task/*/schedstat (ns)" : "/proc/<pid>/stat (10 ms ticks)"));
            System.out.printf(Locale.ROOT, "# reps %d; latency: %d records (+%d warm-up) every %.1f ms, %d B; idle/room: %.1f s"
                    + " window after %.1f s; throughput: %.1f s after %.1f s warm-up, sizes %s%n", o.reps, o.records,
                    o.warmupRecords, o.gapNanos / 1e6, LATENCY_SIZE, o.idleSeconds, o.settleSeconds, o.seconds,
                    o.warmupSeconds, Arrays.toString(o.sizes));
            dir = Files.createTempDirectory(o.shm, "dataport-notifier-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try {
                if (o.tests.contains("latency")) {
                    System.out.println("# wake-up latency, commit -> delivery, consumer blocked (" + o.records
                            + " records " + o.gapNanos / 1e6 + " ms apart)");
                    for (int rep = 1; rep <= o.reps; rep++) {
                        for (String n : o.notifiers) {
                            latency(n, rep);
                        }
                    }
                }
                if (o.tests.contains("idle")) {
                    System.out.println("# idle CPU of a consumer blocked on an empty ring (whole process, % of one core)");
                    for (int rep = 1; rep <= o.reps; rep++) {
                        for (String n : o.notifiers) {
                            idle("idle-consumer", n, rep);
                        }
                    }
                }
                if (o.tests.contains("room")) {
                    System.out.println("# idle CPU of a producer blocked on a full ring (whole process, % of one core)");
                    for (int rep = 1; rep <= o.reps; rep++) {
                        for (String n : o.roomNotifiers) {
                            idle("idle-producer", n, rep);
                        }
                    }
                }
                if (o.tests.contains("throughput")) {
                    System.out.printf(Locale.ROOT, "# throughput, both sides blocking, %.1f s per run%n", o.seconds);
                    for (int size : o.sizes) {
                        for (int rep = 1; rep <= o.reps; rep++) {
                            for (String n : o.throughputNotifiers) {
                                throughput(n, size, rep);
                            }
                        }
                    }
                }
            } finally {
                deleteTree(dir);
            }
            System.out.printf(Locale.ROOT, "# done in %.0f s; load at end %s%n", (System.nanoTime() - start) / 1e9,
                    loadAverage());
        }

        /** One run's region file and names; closing removes the run's files. */
        final class Run implements AutoCloseable {
            final String prefix;
            final Path file;
            final Region region;
            final List<AutoCloseable> closeables = new ArrayList<>();

            Run() {
                prefix = "run" + (++runs);
                file = dir.resolve(prefix + ".region");
                Region.createFile(file, GEOMETRY.size());
                region = Region.open(file, GEOMETRY, RegionOptions.defaults());
            }

            <T extends AutoCloseable> T add(T closeable) {
                closeables.add(closeable);
                return closeable;
            }

            Child peer(String test, String notifier, int size) throws IOException {
                return add(Child.start("peer", test, notifier, file.toString(), prefix, Long.toString(o.pollMaxNanos),
                        Integer.toString(size)));
            }

            Sides sides(String notifier) {
                return add(NotifierBenchmark.sides(notifier, dir, prefix + ".parent", prefix + ".peer", o.pollMaxNanos));
            }

            @Override
            public void close() throws Exception {
                Exception failure = null;
                for (int i = closeables.size() - 1; i >= 0; i--) { // children first: they were added last
                    try {
                        closeables.get(i).close();
                    } catch (Exception e) {
                        failure = failure == null ? e : failure;
                    }
                }
                region.close();
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path p : files.filter(p -> p.getFileName().toString().startsWith(prefix + ".")).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                if (failure != null) {
                    throw failure;
                }
            }
        }

        void latency(String notifier, int rep) throws Exception {
            try (Run run = new Run()) {
                RingProducer producer = run.add(run.region.attachProducer(GEOMETRY.indexOf(PARENT, PEER)));
                Child peer = run.peer("latency", notifier, LATENCY_SIZE);
                Sides sides = run.sides(notifier);
                sides.wakePeerWith(producer::wakePeerWith);
                WaitStrategy wait = sides.strategy();
                peer.expect("ready", 60 * SECOND);
                long seq = 0;
                long sent0 = 0;
                long suppressed0 = 0;
                for (int i = 0; i < o.warmupRecords + o.records; i++) {
                    if (i == o.warmupRecords) {
                        sent0 = producer.kicksSent();
                        suppressed0 = producer.kicksSuppressed();
                    }
                    LockSupport.parkNanos(o.gapNanos); // at least the gap after the last commit
                    ClaimedRecord r = producer.claim(LATENCY_SIZE, i < o.warmupRecords ? WARMUP : MEASURED, wait,
                            10 * SECOND);
                    r.putLong(8, seq++);
                    r.putLong(0, System.nanoTime());
                    producer.commit();
                }
                long sent = producer.kicksSent() - sent0;
                long suppressed = producer.kicksSuppressed() - suppressed0;
                producer.claim(16, END, wait, 10 * SECOND).putLong(8, seq);
                producer.commit();
                Map<String, String> s = peer.stats(60 * SECOND);
                peer.awaitExit();
                System.out.printf(Locale.ROOT, "latency     %-7s rep %d  p50 %8.1f us  p99 %8.1f us  p99.9 %8.1f us"
                        + "  max %8.1f us  slept before %d/%s records (sleeps %s)  kicks sent %d suppressed %d%n",
                        notifier, rep, us(s, "p50_ns"), us(s, "p99_ns"), us(s, "p999_ns"), us(s, "max_ns"),
                        Long.parseLong(s.get("slept_before")), s.get("records"), s.get("sleeps"), sent, suppressed);
                if (!notifier.equals("spin") && Long.parseLong(s.get("slept_before")) < 0.9 * o.records) {
                    System.out.println("# WARNING: the " + notifier + " consumer slept before fewer than 90% of the"
                            + " records: this row is not the latency of a sleeping consumer (raise --gap-ms?)");
                }
                result(notifier, "latency", rep, String.format(Locale.ROOT,
                        "size=%d records=%s gap_ms=%.3f p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f slept_before=%s"
                                + " sleeps=%s kicks_sent=%d kicks_suppressed=%d", LATENCY_SIZE, s.get("records"),
                        o.gapNanos / 1e6, us(s, "p50_ns"), us(s, "p99_ns"), us(s, "p999_ns"), us(s, "max_ns"),
                        s.get("slept_before"), s.get("sleeps"), sent, suppressed));
            }
        }

        /** The peer blocks (a consumer on an empty ring, or a producer on a full one); its CPU over the window. */
        void idle(String test, String notifier, int rep) throws Exception {
            boolean consumerBlocks = test.equals("idle-consumer");
            try (Run run = new Run()) {
                RingProducer producer = consumerBlocks
                        ? run.add(run.region.attachProducer(GEOMETRY.indexOf(PARENT, PEER))) : null;
                RingConsumer consumer = consumerBlocks
                        ? null : run.add(run.region.attachConsumer(GEOMETRY.indexOf(PEER, PARENT)));
                Child reference = run.add(Child.start("peer", "reference"));
                Child peer = run.peer(consumerBlocks ? "idle" : "room", notifier, LATENCY_SIZE);
                Sides sides = run.sides(notifier);
                sides.wakePeerWith(consumerBlocks ? producer::wakePeerWith : consumer::wakePeerWith);
                String ready = peer.expect(consumerBlocks ? "ready" : "full", 60 * SECOND);
                reference.expect("ready", 60 * SECOND);
                LockSupport.parkNanos((long) (o.settleSeconds * SECOND));
                long t0 = System.nanoTime();
                long peer0 = peer.cpuNanos();
                long ref0 = reference.cpuNanos();
                LockSupport.parkNanos((long) (o.idleSeconds * SECOND));
                long peer1 = peer.cpuNanos();
                long ref1 = reference.cpuNanos();
                double window = (System.nanoTime() - t0) / 1e9;
                if (consumerBlocks) {
                    producer.claim(16, END, WaitStrategy.busySpin(), 10 * SECOND).putLong(8, 0);
                    producer.commit();
                } else {
                    drain(consumer);
                }
                Map<String, String> s = peer.stats(60 * SECOND);
                peer.awaitExit();
                double peerPct = (peer1 - peer0) / 1e9 / window * 100;
                double refPct = (ref1 - ref0) / 1e9 / window * 100;
                System.out.printf(Locale.ROOT, "%-13s %-7s rep %d  blocked JVM %6.3f%% of a core (%7.1f ms CPU in %.1f s)"
                        + "  idle reference JVM %6.3f%% (%5.1f ms)  blocked side's sleeps %s idles %s%s%n",
                        test, notifier, rep, peerPct, (peer1 - peer0) / 1e6, window, refPct, (ref1 - ref0) / 1e6,
                        s.get("sleeps"), s.get("idles"), consumerBlocks ? "" : "  (" + ready + ")");
                result(notifier, test, rep, String.format(Locale.ROOT,
                        "window_s=%.2f blocked_cpu_pct=%.4f blocked_cpu_ms=%.2f reference_cpu_pct=%.4f reference_cpu_ms=%.2f"
                                + " sleeps=%s idles=%s", window, peerPct, (peer1 - peer0) / 1e6, refPct,
                        (ref1 - ref0) / 1e6, s.get("sleeps"), s.get("idles")));
            }
        }

        /** Consumes everything up to the peer's END record (its claim blocked until this made room). */
        private void drain(RingConsumer consumer) {
            boolean[] end = {false};
            long deadline = System.nanoTime() + 60 * SECOND;
            WaitStrategy wait = WaitStrategy.backoff();
            while (!end[0]) {
                consumer.take(r -> end[0] |= r.type() == END, 256, wait, Math.max(1, deadline - System.nanoTime()));
            }
        }

        void throughput(String notifier, int size, int rep) throws Exception {
            try (Run run = new Run()) {
                RingProducer producer = run.add(run.region.attachProducer(GEOMETRY.indexOf(PARENT, PEER)));
                Child peer = run.peer("throughput", notifier, size);
                Sides sides = run.sides(notifier);
                sides.wakePeerWith(producer::wakePeerWith);
                WaitStrategy wait = sides.strategy();
                peer.expect("ready", 60 * SECOND);
                byte[] payload = new byte[size];
                Arrays.fill(payload, (byte) 0x5a);
                long seq = 0;
                long measureFrom = System.nanoTime() + (long) (o.warmupSeconds * SECOND);
                long end = measureFrom + (long) (o.seconds * SECOND);
                int type = WARMUP;
                while (true) {
                    if ((seq & 255) == 0) {
                        long now = System.nanoTime();
                        if (now - end >= 0) {
                            break;
                        }
                        type = now - measureFrom >= 0 ? MEASURED : WARMUP;
                    }
                    producer.claim(size, type, wait, 10 * SECOND).putBytes(0, payload, 0, size).putLong(0, seq++);
                    producer.commit();
                }
                producer.claim(16, END, wait, 10 * SECOND).putLong(0, seq);
                producer.commit();
                Map<String, String> s = peer.stats(60 * SECOND);
                peer.awaitExit();
                if (Long.parseLong(s.get("gaps")) != 0 || Long.parseLong(s.get("records_total")) != seq) {
                    throw new IllegalStateException("throughput " + notifier + " " + size + " B: the peer saw " + s
                            + ", the parent sent " + seq + " records");
                }
                double seconds = Double.parseDouble(s.get("seconds"));
                long records = Long.parseLong(s.get("records"));
                double rate = records / seconds;
                double gbit = rate * size * 8 / 1e9;
                System.out.printf(Locale.ROOT, "throughput  %-7s %5d B rep %d  %7.3f M records/s  %6.2f Gbit/s"
                        + "  consumer sleeps %s  producer sleeps %d  kicks sent %d suppressed %d%n", notifier, size, rep,
                        rate / 1e6, gbit, s.get("sleeps"), producer.sleeps(), producer.kicksSent(),
                        producer.kicksSuppressed());
                result(notifier, "throughput", rep, String.format(Locale.ROOT,
                        "size=%d records=%d seconds=%.3f mrec_s=%.4f gbit_s=%.3f consumer_sleeps=%s producer_sleeps=%d"
                                + " kicks_sent=%d kicks_suppressed=%d peer_kicks_sent=%s", size, records, seconds,
                        rate / 1e6, gbit, s.get("sleeps"), producer.sleeps(), producer.kicksSent(),
                        producer.kicksSuppressed(), s.get("kicks_sent")));
            }
        }

        private static double us(Map<String, String> stats, String key) {
            return Long.parseLong(stats.get(key)) / 1e3;
        }

        private static void result(String notifier, String test, int rep, String rest) {
            System.out.println("RESULT notifier=" + notifier + " test=" + test + " rep=" + rep + " " + rest);
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Whether {@link #cpuNanos(long)} reads scheduler statistics (ns) rather than clock ticks (10 ms). */
    static final boolean SCHEDSTAT = Files.isReadable(Path.of("/proc/self/schedstat"));

    /**
     * CPU time (user + system) of process {@code pid} so far: the sum of its threads' run times in
     * {@code /proc/<pid>/task/<tid>/schedstat} (ns) where the kernel has scheduler statistics, else
     * {@code utime + stime} of {@code /proc/<pid>/stat} ({@link ProcessHandle.Info#totalCpuDuration()},
     * 10 ms ticks). A thread that ends within a window takes its time with it: an idle JVM starts none.
     */
    static long cpuNanos(long pid) {
        if (SCHEDSTAT) {
            long sum = 0;
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        sum += Long.parseLong(Files.readString(task.resolve("schedstat")).trim().split("\\s+")[0]);
                    } catch (IOException gone) {
                        // the thread ended between the listing and the read
                    }
                }
                return sum;
            } catch (IOException e) {
                throw new IllegalStateException("no CPU time for pid " + pid + ": has it exited? " + e, e);
            }
        }
        return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration())
                .orElseThrow(() -> new IllegalStateException("no CPU time for pid " + pid + ": has it exited?"))
                .toNanos();
    }

    /** A child JVM, its stdout read line by line; closing stops it by its PID. */
    static final class Child implements AutoCloseable {
        private static final String EOF = "\u0000eof";
        final Process process;
        final String what;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        private Child(Process process, String what) {
            this.process = process;
            this.what = what;
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the child was stopped
                } finally {
                    lines.add(EOF);
                }
            }, "child-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(String... args) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(CHILD_FLAGS);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(NotifierBenchmark.class.getName());
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            return new Child(p, String.join(" ", args));
        }

        /** The first line starting with {@code prefix}; fails if the child exits or hangs first. */
        String expect(String prefix, long timeoutNanos) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutNanos;
            while (true) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new IllegalStateException("child '" + what + "' (pid " + process.pid() + ") printed no '"
                            + prefix + "' within " + timeoutNanos / SECOND + " s");
                }
                if (line.equals(EOF)) {
                    lines.add(EOF);
                    throw new IllegalStateException("child '" + what + "' (pid " + process.pid()
                            + ") ended before printing '" + prefix + "'");
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
                System.out.println("# child: " + line);
            }
        }

        /** The {@code stats k=v ...} line, as a map. */
        Map<String, String> stats(long timeoutNanos) throws InterruptedException {
            Map<String, String> map = new LinkedHashMap<>();
            for (String kv : expect("stats ", timeoutNanos).substring(6).trim().split("\\s+")) {
                int eq = kv.indexOf('=');
                map.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            return map;
        }

        void awaitExit() throws InterruptedException {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("child '" + what + "' (pid " + process.pid() + ") did not exit");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("child '" + what + "' exited with status " + process.exitValue());
            }
        }

        /** The child's CPU time so far, all its threads ({@link #cpuNanos(long)}). */
        long cpuNanos() {
            return NotifierBenchmark.cpuNanos(process.pid());
        }

        @Override
        public void close() throws InterruptedException {
            ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The peer JVM: node 1 of the region
    // ---------------------------------------------------------------------------------------------

    /** {@code peer <test> <notifier> <region file> <run prefix> <poll max ns> <size>}, or {@code peer reference}. */
    static final class Peer {
        private Peer() {
        }

        static void main(String[] a) throws Exception {
            String test = a[1];
            if (test.equals("reference")) { // an idle JVM: what any JVM costs doing nothing
                System.out.println("ready");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
                return;
            }
            String notifier = a[2];
            Path file = Path.of(a[3]);
            String prefix = a[4];
            long pollMaxNanos = Long.parseLong(a[5]);
            int size = Integer.parseInt(a[6]);
            try (Region region = Region.open(file, GEOMETRY, RegionOptions.defaults());
                 Sides sides = sides(notifier, file.getParent(), prefix + ".peer", prefix + ".parent", pollMaxNanos)) {
                WaitStrategy wait = sides.strategy();
                if (test.equals("room")) {
                    try (RingProducer producer = region.attachProducer(GEOMETRY.indexOf(PEER, PARENT))) {
                        sides.wakePeerWith(producer::wakePeerWith);
                        blockForRoom(producer, wait, size);
                    }
                } else {
                    try (RingConsumer consumer = region.attachConsumer(GEOMETRY.indexOf(PARENT, PEER))) {
                        sides.wakePeerWith(consumer::wakePeerWith);
                        switch (test) {
                            case "latency" -> latency(consumer, wait);
                            case "idle" -> idle(consumer, wait);
                            case "throughput" -> throughput(consumer, wait);
                            default -> throw new IllegalArgumentException("unknown test " + test);
                        }
                    }
                }
            }
            System.out.flush();
        }

        private static void latency(RingConsumer consumer, WaitStrategy wait) {
            Histogram histogram = new Histogram(10 * SECOND, 3);
            long[] state = new long[3]; // last sleeps seen, records slept before, done
            long[] expected = {0};
            System.out.println("ready");
            System.out.flush();
            while (state[2] == 0) {
                consumer.take(r -> {
                    long now = System.nanoTime();
                    if (r.getLong(8) != expected[0]++) {
                        throw new IllegalStateException("record " + r.getLong(8) + " where " + (expected[0] - 1)
                                + " was due");
                    }
                    long sleeps = consumer.sleeps();
                    boolean slept = sleeps != state[0];
                    state[0] = sleeps;
                    if (r.type() == END) {
                        state[2] = 1;
                    } else if (r.type() == MEASURED) {
                        histogram.recordValue(Math.max(0, Math.min(now - r.getLong(0), histogram.getHighestTrackableValue())));
                        state[1] += slept ? 1 : 0;
                    }
                }, 256, wait, PEER_TIMEOUT);
            }
            System.out.printf("stats records=%d p50_ns=%d p99_ns=%d p999_ns=%d max_ns=%d slept_before=%d sleeps=%d"
                    + " idles=%d%n", histogram.getTotalCount(), histogram.getValueAtPercentile(50),
                    histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9), histogram.getMaxValue(),
                    state[1], consumer.sleeps(), consumer.idles());
        }

        private static void idle(RingConsumer consumer, WaitStrategy wait) {
            boolean[] done = {false};
            System.out.println("ready");
            System.out.flush();
            while (!done[0]) {
                consumer.take(r -> done[0] |= r.type() == END, 256, wait, PEER_TIMEOUT);
            }
            System.out.printf("stats sleeps=%d idles=%d%n", consumer.sleeps(), consumer.idles());
        }

        /** Fills the ring, says so, then blocks in a claim until the parent consumes. */
        private static void blockForRoom(RingProducer producer, WaitStrategy wait, int size) {
            long n = 0;
            ClaimedRecord r;
            while ((r = producer.tryClaim(size, MEASURED)) != null) {
                r.putLong(0, n++);
                producer.commit();
            }
            System.out.println("full after " + n + " records");
            System.out.flush();
            producer.claim(size, END, wait, PEER_TIMEOUT).putLong(0, n);
            producer.commit();
            System.out.printf("stats sleeps=%d idles=%d%n", producer.sleeps(), producer.idles());
        }

        private static void throughput(RingConsumer consumer, WaitStrategy wait) {
            // first measured, last measured (ns), measured records, all records, gaps, done
            long[] s = new long[6];
            System.out.println("ready");
            System.out.flush();
            while (s[5] == 0) {
                consumer.take(r -> {
                    if (r.getLong(0) != s[3]) {
                        s[4]++;
                    }
                    s[3] = r.getLong(0) + 1;
                    if (r.type() == END) {
                        s[3]--; // END carries the count, not a sequence number of its own
                        s[5] = 1;
                    } else if (r.type() == MEASURED) {
                        long now = System.nanoTime();
                        if (s[2]++ == 0) {
                            s[0] = now;
                        }
                        s[1] = now;
                    }
                }, 256, wait, PEER_TIMEOUT);
            }
            System.out.printf(Locale.ROOT, "stats records=%d seconds=%.6f records_total=%d gaps=%d sleeps=%d idles=%d"
                    + " kicks_sent=%d%n", s[2] - 1, (s[1] - s[0]) / 1e9, s[3], s[4], consumer.sleeps(), consumer.idles(),
                    consumer.kicksSent());
        }
    }
}
