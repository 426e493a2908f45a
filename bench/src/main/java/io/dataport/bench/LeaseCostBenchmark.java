package io.dataport.bench;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.Region;
import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionOptions;
import io.dataport.queue.RingConfig;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingFile;
import io.dataport.queue.RingProducer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What holding a role by a lease costs on the hot path: the same ring (1 MiB, 64-byte records) in a
 * ring file (roles by {@code fcntl} locks) and in a region (roles by leases: every call checks
 * that the lease was not lost), driven by one thread that produces a batch of 64 and consumes it,
 * so no cache line crosses cores and only the per-call work differs. Interleaved repetitions,
 * medians. Usage: {@code java -cp bench/target/classes:queue/target/classes
 * io.dataport.bench.LeaseCostBenchmark [repetitions]}.
 */
public final class LeaseCostBenchmark {
    private static final int CAPACITY = 1 << 20;
    private static final int LENGTH = 64;
    private static final long RECORDS = 20_000_000L;
    private static long sink;

    private LeaseCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 11;
        Path dir = Files.createTempDirectory(Path.of("/dev/shm"), "dataport-lease-bench");
        Path file = dir.resolve("file.ring");
        Path regionFile = dir.resolve("pair.region");
        RegionGeometry geometry = new RegionGeometry(RegionGeometry.sizeFor(CAPACITY), 0,
                List.of(new RegionGeometry.Ring(0, CAPACITY, RegionGeometry.maxRecordLengthFor(CAPACITY), 0, 1)));
        Region.createFile(regionFile, geometry.size());
        try (RingFile ringFile = RingFile.create(file, RingConfig.of(CAPACITY));
             Region region = Region.open(regionFile, geometry, RegionOptions.defaults());
             RingProducer fileProducer = ringFile.attachProducer();
             RingConsumer fileConsumer = ringFile.attachConsumer();
             RingProducer regionProducer = region.attachProducer(0);
             RingConsumer regionConsumer = region.attachConsumer(0)) {
            List<Double> files = new ArrayList<>();
            List<Double> regions = new ArrayList<>();
            for (int rep = 0; rep < reps; rep++) {
                files.add(nanosPerRecord(fileProducer, fileConsumer));
                regions.add(nanosPerRecord(regionProducer, regionConsumer));
            }
            Collections.sort(files);
            Collections.sort(regions);
            double f = files.get(reps / 2);
            double r = regions.get(reps / 2);
            System.out.printf("ring file (fcntl roles) : median %.2f ns/record %s%n", f, files);
            System.out.printf("region ring (leases)    : median %.2f ns/record %s%n", r, regions);
            System.out.printf("lease cost: %+.2f ns/record (%.1f%%)%n", r - f, 100 * (r - f) / f);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(regionFile);
            Files.deleteIfExists(dir);
        }
    }

    private static double nanosPerRecord(RingProducer producer, RingConsumer consumer) {
        long start = System.nanoTime();
        for (long i = 0; i < RECORDS; i += 64) {
            for (int k = 0; k < 64; k++) {
                ClaimedRecord record = producer.tryClaim(LENGTH);
                record.putLong(0, i + k);
                producer.commitBatched();
            }
            producer.publish();
            consumer.poll(r -> sink += r.getLong(0), 64);
        }
        return Math.round((System.nanoTime() - start) / (double) RECORDS * 100) / 100.0;
    }
}
