package io.dataport.mesh.cli;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.RecordHandler;
import io.dataport.queue.RecordView;
import io.dataport.queue.Region;
import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionOptions;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingProducer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The two-process ring demo: for each record size a producer process and a consumer process share
 * one region file (the mesh's pair geometry; they use its ring 0, from process 0 to process 1) in a
 * fresh temporary directory under /dev/shm; the producer copies numbered records into the ring
 * for a few seconds, the consumer checks each record's sequence number and trailer word in place and reports
 * what it received. Every process is stopped by its PID and the directory is removed.
 */
final class RingDemo {
    private static final int CAPACITY = 4 << 20;
    private static final int END_TYPE = 1;
    /** Ring 0 carries records from process 0 (the producer) to process 1 (the consumer). */
    private static final RegionGeometry GEOMETRY =
            RegionGeometry.pair(RegionGeometry.sizeFor(CAPACITY, CAPACITY), 0, 1, 0x52494e4744454d4fL);

    private RingDemo() {
    }

    static int run(String[] args) throws Exception {
        double seconds = 2;
        int[] sizes = {64, 1500, 65536};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-t" -> seconds = Double.parseDouble(value(args, ++i, "-t"));
                case "-s" -> sizes = java.util.Arrays.stream(value(args, ++i, "-s").split(","))
                        .mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("demo: unknown option '" + args[i] + "'");
            }
        }
        Path dir = Files.createTempDirectory(Args.sharedMemoryDir(), "dataport-ring-demo-");
        List<String> rows = new ArrayList<>();
        try {
            for (int size : sizes) {
                rows.add(runOne(dir, size, seconds));
            }
        } finally {
            deleteTree(dir);
        }
        System.out.printf("%n%-10s %14s %10s %12s%n", "size (B)", "records/s", "Gbit/s", "records");
        rows.forEach(System.out::println);
        return 0;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException("demo: " + option + " needs a value");
        }
        return args[i];
    }

    private static String runOne(Path dir, int size, double seconds) throws Exception {
        Path file = dir.resolve("demo-" + size + ".region");
        Region.createFile(file, GEOMETRY.size());
        Process consumer = start("ring-consume", file, size, seconds);
        Process producer = start("ring-produce", file, size, seconds);
        try {
            long deadline = (long) (seconds * 1000) + 60_000;
            if (!producer.waitFor(deadline, TimeUnit.MILLISECONDS) || !consumer.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("demo at " + size + " B: a process did not finish in time");
            }
            String report = new String(consumer.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (producer.exitValue() != 0 || consumer.exitValue() != 0) {
                throw new IllegalStateException("demo at " + size + " B failed: " + report);
            }
            String[] f = report.split(" ");
            long records = Long.parseLong(f[0]);
            double nanos = Double.parseDouble(f[1]);
            double perSecond = records / (nanos / 1e9);
            return String.format("%-10d %14.0f %10.2f %12d", size, perSecond, perSecond * size * 8 / 1e9, records);
        } finally {
            ProcessHandle.of(producer.pid()).ifPresent(ProcessHandle::destroyForcibly);
            ProcessHandle.of(consumer.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static Process start(String role, Path file, int size, double seconds) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                role, file.toString(), Integer.toString(size), Double.toString(seconds))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Producer role: numbered records of one size, each ending in a trailer word derived from its number. */
    static void produce(String[] args) {
        int size = Integer.parseInt(args[1]);
        long stopAt = System.nanoTime() + (long) (Double.parseDouble(args[2]) * 1e9);
        try (Region region = Region.open(Path.of(args[0]), GEOMETRY, RegionOptions.defaults());
             RingProducer producer = region.attachProducer(GEOMETRY.indexOf(0, 1))) {
            byte[] payload = new byte[size];
            java.util.Arrays.fill(payload, (byte) 0x5A);
            long n = 0;
            while ((n & 1023) != 0 || System.nanoTime() < stopAt) {
                ClaimedRecord record = producer.tryClaim(size);
                if (record == null) {
                    Thread.onSpinWait();
                    continue;
                }
                record.putBytes(0, payload, 0, size).putLong(0, n).putLong(size - 8, ~n);
                producer.commit();
                n++;
            }
            while (producer.tryClaim(0, END_TYPE) == null) {
                Thread.onSpinWait();
            }
            producer.commit();
        }
    }

    /** Consumer role: checks each record in place, prints "records nanos" from first to last record. */
    static void consume(String[] args) {
        int size = Integer.parseInt(args[1]);
        try (Region region = Region.open(Path.of(args[0]), GEOMETRY, RegionOptions.defaults());
             RingConsumer consumer = region.attachConsumer(GEOMETRY.indexOf(0, 1))) {
            Counter counter = new Counter(size);
            while (!counter.ended) {
                if (consumer.poll(counter, 256) == 0) {
                    Thread.onSpinWait();
                }
            }
            System.out.println(counter.next + " " + (counter.last - counter.first));
        }
    }

    private static final class Counter implements RecordHandler {
        private final int size;
        long next;
        long first;
        long last;
        boolean ended;

        Counter(int size) {
            this.size = size;
        }

        @Override
        public void onRecord(RecordView record) {
            if (record.type() == END_TYPE) {
                ended = true;
                return;
            }
            long n = record.getLong(0);
            if (record.length() != size || n != next || record.getLong(size - 8) != ~n) {
                throw new IllegalStateException("record " + next + " is wrong: length " + record.length()
                        + ", number " + n);
            }
            long now = System.nanoTime();
            if (next++ == 0) {
                first = now;
            }
            last = now;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
