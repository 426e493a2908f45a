package io.dataport.bench;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.Doorbell;
import io.dataport.queue.Kicker;
import io.dataport.queue.RingConfig;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingFile;
import io.dataport.queue.RingProducer;
import io.dataport.queue.WaitStrategy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Wake-up benchmark (two JVMs on one ring): (1) latency from commit to delivery when the consumer
 * was asleep on its doorbell, against a busy-spinning consumer; (2) throughput with the blocking
 * strategy against busy-spin. Run: {@code java -cp ... io.dataport.bench.WakeupBenchmark}.
 * System.nanoTime is CLOCK_MONOTONIC on Linux, comparable across processes of one machine.
 */
public final class WakeupBenchmark {
    private static final long SECOND = 1_000_000_000L;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("peer")) {
            peer(args);
            return;
        }
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        Path dir = Files.createTempDirectory("dataport-wakeup");
        try {
            System.out.println("# wake-up latency, commit -> delivery, " + samples + " records 10 ms apart");
            for (String mode : new String[] {"blocking", "spin", "blocking", "spin"}) {
                System.out.println(run(dir, "latency", mode, 64, samples));
            }
            System.out.println("# throughput, 2 s per run");
            for (int size : new int[] {64, 1500}) {
                for (String mode : new String[] {"blocking", "spin", "blocking", "spin"}) {
                    System.out.println(run(dir, "throughput", mode, size, 2));
                }
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String run(Path dir, String test, String mode, int size, int amount) throws Exception {
        Path ring = dir.resolve(test + "-" + mode + "-" + size + "-" + System.nanoTime() + ".ring");
        RingFile.create(ring, RingConfig.of(1 << 20)).close();
        Process consumer = start("consume", test, mode, ring, size, amount);
        Process producer = start("produce", test, mode, ring, size, amount);
        try {
            if (!producer.waitFor(120, TimeUnit.SECONDS) || !consumer.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(test + " " + mode + ": timed out");
            }
            String out = new String(consumer.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            String prod = new String(producer.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return String.format("%-10s %-8s %6d B  %s | producer %s", test, mode, size, out, prod);
        } finally {
            ProcessHandle.of(producer.pid()).ifPresent(ProcessHandle::destroyForcibly);
            ProcessHandle.of(consumer.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static Process start(String role, String test, String mode, Path ring, int size, int amount)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), WakeupBenchmark.class.getName(),
                "peer", role, test, mode, ring.toString(), Integer.toString(size), Integer.toString(amount))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static Path bell(Path ring, String role) {
        return ring.resolveSibling(ring.getFileName() + "." + role + ".bell");
    }

    private static Kicker connect(Path bell) throws InterruptedException {
        for (int i = 0; i < 600 && !Files.exists(bell); i++) {
            Thread.sleep(10);
        }
        return Kicker.connect(bell);
    }

    private static void peer(String[] a) throws Exception {
        String role = a[1];
        String test = a[2];
        boolean blocking = a[3].equals("blocking");
        Path ring = Path.of(a[4]);
        int size = Integer.parseInt(a[5]);
        int amount = Integer.parseInt(a[6]);
        try (RingFile file = RingFile.open(ring); Doorbell bell = Doorbell.bind(bell(ring, role))) {
            Kicker peer = connect(bell(ring, role.equals("produce") ? "consume" : "produce"));
            WaitStrategy wait = blocking ? WaitStrategy.blocking(bell) : WaitStrategy.busySpin();
            if (role.equals("produce")) {
                produce(file, peer, wait, blocking, test, size, amount);
            } else {
                consume(file, peer, wait, blocking, test, amount);
            }
        }
    }

    private static void produce(RingFile file, Kicker peer, WaitStrategy wait, boolean blocking, String test,
            int size, int amount) throws InterruptedException {
        try (RingProducer producer = file.attachProducer()) {
            if (blocking) {
                producer.wakePeerWith(peer);
            }
            Thread.sleep(300); // the consumer attaches and starts waiting
            byte[] payload = new byte[size];
            if (test.equals("latency")) {
                for (int i = 0; i <= amount; i++) {
                    Thread.sleep(10); // long enough for a blocking consumer to fall asleep
                    ClaimedRecord r = producer.claim(size, i == amount ? 1 : 0, wait, 10 * SECOND);
                    r.putLong(0, System.nanoTime());
                    producer.commit();
                }
            } else {
                long end = System.nanoTime() + amount * SECOND;
                long n = 0;
                while (System.nanoTime() < end || (n & 1023) != 0) {
                    producer.claim(size, 0, wait, 10 * SECOND).putBytes(0, payload, 0, size).putLong(0, n++);
                    producer.commit();
                }
                producer.claim(0, 1, wait, 10 * SECOND);
                producer.commit();
            }
            System.out.print("sleeps " + producer.sleeps() + " kicks sent " + producer.kicksSent()
                    + " suppressed " + producer.kicksSuppressed());
        }
    }

    private static void consume(RingFile file, Kicker peer, WaitStrategy wait, boolean blocking, String test,
            int amount) {
        try (RingConsumer consumer = file.attachConsumer()) {
            if (blocking) {
                consumer.wakePeerWith(peer);
            }
            long[] latencies = new long[amount + 1];
            int[] count = {0};
            boolean[] done = {false};
            long[] first = {0};
            long[] last = {0};
            long[] bytes = {0};
            while (!done[0]) {
                consumer.take(r -> {
                    long now = System.nanoTime();
                    if (r.type() == 1) {
                        done[0] = true;
                        return;
                    }
                    if (test.equals("latency")) {
                        latencies[count[0]] = now - r.getLong(0);
                    } else if (count[0] == 0) {
                        first[0] = now;
                    }
                    last[0] = now;
                    bytes[0] += r.length();
                    count[0]++;
                }, 256, wait, 60 * SECOND);
            }
            if (test.equals("latency")) {
                long[] sorted = Arrays.copyOf(latencies, count[0]);
                Arrays.sort(sorted);
                System.out.printf("p50 %.1f us  p99 %.1f us  max %.1f us  (consumer sleeps %d)",
                        sorted[sorted.length / 2] / 1e3, sorted[(int) (sorted.length * 0.99)] / 1e3,
                        sorted[sorted.length - 1] / 1e3, consumer.sleeps());
            } else {
                double seconds = (last[0] - first[0]) / 1e9;
                System.out.printf("%.2f M records/s  %.2f Gbit/s  (consumer sleeps %d, idles %d)",
                        count[0] / seconds / 1e6, bytes[0] * 8 / seconds / 1e9, consumer.sleeps(), consumer.idles());
            }
        }
    }
}
