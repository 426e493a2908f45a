package io.dataport.queue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * One side of {@link WakeupTest}, in its own JVM. Each side binds its own doorbell
 * ({@code <ring>.<role>.bell}) and kicks the other's, so both the consumer (waiting for records) and
 * the producer (waiting for room) can sleep.
 * <ul>
 *   <li>{@code consume <ring> <count> <timeoutMs>}: blocking takes; checks every sequence number;
 *       prints "slept" at its first sleep and the counters at the end.</li>
 *   <li>{@code produce <ring> <count> <seed>}: bursts of records of random sizes; after each burst it
 *       waits until the consumer announces a sleep.</li>
 * </ul>
 */
public final class WakeupPeer {
    public static void main(String[] args) throws Exception {
        Path ring = Path.of(args[1]);
        long count = Long.parseLong(args[2]);
        try (RingFile file = RingFile.open(ring)) {
            if (args[0].equals("consume")) {
                consume(file, ring, count, Long.parseLong(args[3]) * 1_000_000);
            } else {
                produce(file, ring, count, Long.parseLong(args[3]));
            }
        }
    }

    static Path bell(Path ring, String role) {
        return ring.resolveSibling(ring.getFileName() + "." + role + ".bell");
    }

    private static Kicker connectWhenBound(Path bell) throws InterruptedException {
        for (int i = 0; i < 600 && !Files.exists(bell); i++) {
            Thread.sleep(50);
        }
        return Kicker.connect(bell);
    }

    private static void consume(RingFile file, Path ring, long count, long timeoutNanos) throws Exception {
        try (Doorbell bell = Doorbell.bind(bell(ring, "consumer"));
             RingConsumer consumer = file.attachConsumer()) {
            Kicker producerBell = connectWhenBound(bell(ring, "producer"));
            consumer.wakePeerWith(producerBell);
            WaitStrategy wait = WaitStrategy.blocking(bell);
            long[] next = {0};
            boolean announced = false;
            while (next[0] < count) {
                consumer.take(r -> {
                    long n = r.getLong(0);
                    if (n != next[0]) {
                        throw new IllegalStateException("record " + next[0] + " carries " + n);
                    }
                    next[0]++;
                }, 64, wait, timeoutNanos);
                if (!announced && consumer.sleeps() > 0) {
                    System.out.println("slept");
                    announced = true;
                }
            }
            System.out.println("received " + next[0] + " sleeps " + consumer.sleeps() + " kicksSent "
                    + consumer.kicksSent() + " kicksSuppressed " + consumer.kicksSuppressed());
        }
    }

    /**
     * Waits, between bursts, until the consumer announces a sleep (a new number in its need-wake-up
     * flag): the gap is an event, not a time, so the consumer sleeps in every gap however loaded the
     * machine is, and the next commit kicks it (or, if it raced the consumer's re-check, leaves a
     * kick pending that ends its next sleep). Gives up after 60 s, which only ends a hung run.
     */
    private static void awaitConsumerSleep(RingProducer producer) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        int flag;
        while ((flag = producer.ring.readConsumerNeedsWakeup()) == 0 || flag == lastAnnounced) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("hung: the consumer announced no sleep within 60 s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
        lastAnnounced = flag;
    }

    private static int lastAnnounced;

    private static void produce(RingFile file, Path ring, long count, long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        try (Doorbell bell = Doorbell.bind(bell(ring, "producer"));
             RingProducer producer = file.attachProducer()) {
            Kicker consumerBell = connectWhenBound(bell(ring, "consumer"));
            producer.wakePeerWith(consumerBell);
            WaitStrategy wait = WaitStrategy.blocking(bell);
            long n = 0;
            while (n < count) {
                long burst = Math.min(count - n, 1 + random.nextInt(2000));
                for (long i = 0; i < burst; i++, n++) {
                    producer.claim(8 + random.nextInt(200), 0, wait, 30_000_000_000L).putLong(0, n);
                    producer.commit();
                }
                if (n < count) {
                    awaitConsumerSleep(producer); // a gap: until the consumer announces a sleep
                }
            }
            System.out.println("sent " + n + " sleeps " + producer.sleeps() + " kicksSent " + producer.kicksSent()
                    + " kicksSuppressed " + producer.kicksSuppressed());
        }
    }
}
