package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blocking send and receive: sleepers wake for every record, idle sleepers cost no CPU, dead peers time out. */
class WakeupTest {
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void stopProcesses() {
        started.forEach(p -> ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly));
    }

    @Test
    void blockedConsumerReceivesEveryRecordOfBurstsAcrossProcesses() throws Exception {
        Path ring = dir.resolve("w.ring");
        RingFile.create(ring, new RingConfig(8192, 1024)).close();
        long count = 50_000;
        Process consumer = start("consume", ring, count, 60_000);
        Process producer = start("produce", ring, count, System.nanoTime());
        assertTrue(producer.waitFor(120, TimeUnit.SECONDS), "producer finished");
        assertTrue(consumer.waitFor(30, TimeUnit.SECONDS), "consumer finished");
        String consumed = read(consumer);
        String produced = read(producer);
        assertEquals(0, consumer.exitValue(), consumed);
        assertEquals(0, producer.exitValue(), produced);
        assertTrue(consumed.contains("received " + count), consumed);
        assertTrue(consumed.contains("slept"), "the consumer slept between bursts: " + consumed);
        long kicked = Long.parseLong(produced.replaceAll("(?s).*kicksSent (\\d+).*", "$1").trim());
        assertTrue(kicked > 0, "the producer woke the sleeping consumer: " + produced);
        System.out.println("wake-up test: consumer " + consumed.replace('\n', ' ') + "; producer " + produced.trim());
    }

    @Test
    void idleBlockedConsumerUsesAlmostNoCpu() throws Exception {
        Path ring = dir.resolve("idle.ring");
        RingFile.create(ring, new RingConfig(4096, 1024)).close();
        // a producer bell that exists but whose owner never sends: the consumer only sleeps
        try (Doorbell producerBell = Doorbell.bind(WakeupPeer.bell(ring, "producer"))) {
            Process consumer = start("consume", ring, 1, 120_000);
            Path consumerBell = WakeupPeer.bell(ring, "consumer");
            for (int i = 0; i < 600 && !Files.exists(consumerBell); i++) {
                Thread.sleep(50);
            }
            Thread.sleep(2000); // past start-up and JIT: now it only sleeps on its doorbell
            Duration before = cpu(consumer);
            Thread.sleep(3000);
            Duration used = cpu(consumer).minus(before);
            double shareOfCore = used.toNanos() / 3e9;
            System.out.printf("idle blocked consumer: %d ms of CPU in 3 s (%.2f%% of a core)%n",
                    used.toMillis(), shareOfCore * 100);
            assertTrue(shareOfCore < 0.05, "an idle blocked consumer used " + used.toMillis() + " ms of CPU in 3 s");
            assertTrue(consumer.isAlive());
        }
    }

    @Test
    void inProcessSleepersWakeAndCountKicks() throws Exception {
        RingConfig config = new RingConfig(1024, 256);
        TestRing ring = new TestRing(config, null);
        try (Doorbell consumerBell = Doorbell.bind(dir.resolve("c.bell"));
             Doorbell producerBell = Doorbell.bind(dir.resolve("p.bell"));
             Kicker toConsumer = Kicker.connect(consumerBell.path());
             Kicker toProducer = Kicker.connect(producerBell.path())) {
            ring.producer.wakePeerWith(toConsumer);
            ring.consumer.wakePeerWith(toProducer);
            int count = 20_000;
            AtomicLong received = new AtomicLong();
            Thread consumer = new Thread(() -> {
                WaitStrategy wait = WaitStrategy.blocking(consumerBell);
                long[] next = {0};
                while (next[0] < count) {
                    ring.consumer.take(r -> assertEquals(next[0]++, r.getLong(0)), 16, wait, 30 * SECOND);
                }
                received.set(next[0]);
            });
            consumer.start();
            WaitStrategy wait = WaitStrategy.blocking(producerBell);
            java.util.SplittableRandom random = new java.util.SplittableRandom(3);
            for (long n = 0; n < count; n++) {
                ring.producer.claim(8 + random.nextInt(100), 0, wait, 30 * SECOND).putLong(0, n);
                ring.producer.commit();
                if (random.nextInt(1000) == 0) {
                    Thread.sleep(20); // a gap, longer than the 2 ms back-off: the consumer goes to sleep
                }
            }
            consumer.join(60_000);
            assertEquals(count, received.get());
            assertEquals(count, ring.producer.records());
            assertEquals(count, ring.consumer.records());
            assertTrue(ring.consumer.sleeps() > 0, "the consumer slept in the gaps");
            assertTrue(ring.producer.kicksSent() > 0);
            assertTrue(ring.producer.kicksSuppressed() > ring.producer.kicksSent(),
                    "most publications find the consumer awake: sent " + ring.producer.kicksSent()
                            + ", suppressed " + ring.producer.kicksSuppressed());
            assertEquals(0, ring.producer.kickFailures());
        }
    }

    @Test
    void oneThreadServesTwoRingsOnOneDoorbellAndMissesNoRecord() throws Exception {
        TestRing a = new TestRing(1024, 256);
        TestRing b = new TestRing(1024, 256);
        try (Doorbell bell = Doorbell.bind(dir.resolve("node.bell"));
             Kicker kickA = Kicker.connect(bell.path()); Kicker kickB = Kicker.connect(bell.path())) {
            a.producer.wakePeerWith(kickA);
            b.producer.wakePeerWith(kickB);
            int perRing = 5_000;
            Thread[] senders = {sender(a.producer, perRing, 1), sender(b.producer, perRing, 2)};
            for (Thread t : senders) {
                t.start();
            }
            RingConsumer[] group = {a.consumer, b.consumer};
            WaitStrategy wait = WaitStrategy.blocking(bell);
            long[] next = {0, 0};
            long deadline = System.nanoTime() + 60 * SECOND;
            while ((next[0] < perRing || next[1] < perRing) && System.nanoTime() < deadline) {
                int work = 0;
                for (int i = 0; i < 2; i++) {
                    int ring = i;
                    work += group[i].poll(r -> assertEquals(next[ring]++, r.getLong(0)), 32);
                }
                if (work == 0) {
                    wait.idle(group, deadline);
                } else {
                    wait.reset();
                }
            }
            for (Thread t : senders) {
                t.join(10_000);
            }
            assertEquals(perRing, next[0]);
            assertEquals(perRing, next[1]);
            assertTrue(a.consumer.sleeps() > 0, "the node slept between bursts");
            assertTrue(a.producer.kicksSent() + b.producer.kicksSent() > 0);
        }
    }

    private static Thread sender(RingProducer producer, int count, long seed) {
        return new Thread(() -> {
            java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
            for (long n = 0; n < count; n++) {
                ClaimedRecord record;
                while ((record = producer.tryClaim(8 + random.nextInt(64))) == null) {
                    Thread.onSpinWait();
                }
                record.putLong(0, n);
                producer.commit();
                if (random.nextInt(500) == 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000_000); // a gap, longer than the back-off
                }
            }
        });
    }

    @Test
    void aConsumerWhoseProducerIsGoneTimesOutWithAClearError() {
        Path path = dir.resolve("gone.ring");
        try (RingFile file = RingFile.create(path, new RingConfig(4096, 1024));
             RingConsumer consumer = file.attachConsumer()) {
            PeerTimeoutException e = assertThrows(PeerTimeoutException.class,
                    () -> consumer.take(r -> { }, 1, WaitStrategy.backoff(), SECOND / 5));
            assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("not attached"), e.getMessage());
            try (RingProducer silent = file.attachProducer()) {
                PeerTimeoutException quiet = assertThrows(PeerTimeoutException.class,
                        () -> consumer.take(r -> { }, 1, WaitStrategy.yielding(), SECOND / 5));
                assertTrue(quiet.getMessage().contains("attached but did nothing"), quiet.getMessage());
                for (int i = 0; i < 4; i++) {
                    silent.offer(new byte[1000]);
                }
                PeerTimeoutException full = assertThrows(PeerTimeoutException.class,
                        () -> silent.claim(1000, 0, WaitStrategy.busySpin(), SECOND / 5));
                assertTrue(full.getMessage().contains("no room"), full.getMessage());
            }
        }
    }

    @Test
    void aProducerKilledMidRunLeadsToATimeoutNotAHang() throws Exception {
        Path ring = dir.resolve("killed.ring");
        RingFile.create(ring, new RingConfig(8192, 1024)).close();
        Process consumer = start("consume", ring, Long.MAX_VALUE, 2_000);
        Process producer = start("produce", ring, Long.MAX_VALUE, 1);
        Thread.sleep(1500);
        ProcessHandle.of(producer.pid()).ifPresent(ProcessHandle::destroyForcibly);
        assertTrue(consumer.waitFor(60, TimeUnit.SECONDS), "the consumer did not hang");
        String out = read(consumer);
        assertNotEquals(0, consumer.exitValue());
        assertTrue(out.contains("PeerTimeoutException") && out.contains("not attached"), out);
    }

    @Test
    void missingStaleAndBusyDoorbellsGiveClearErrors() throws Exception {
        Path missing = dir.resolve("missing.bell");
        DataportException none = assertThrows(DataportException.class, () -> Kicker.connect(missing));
        assertTrue(none.getMessage().contains("does not exist"), none.getMessage());

        Path stale = dir.resolve("stale.bell");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(stale));
        dead.close(); // the socket file stays, nobody listens: a crashed owner
        DataportException refused = assertThrows(DataportException.class, () -> Kicker.connect(stale));
        assertTrue(refused.getMessage().contains("stale"), refused.getMessage());
        try (Doorbell rebound = Doorbell.bind(stale)) {
            DataportException busy = assertThrows(DataportException.class, () -> Doorbell.bind(stale));
            assertTrue(busy.getMessage().contains("in use"), busy.getMessage());
            try (Kicker kicker = Kicker.connect(stale)) {
                assertTrue(kicker.kick());
                assertTrue(rebound.await(5 * SECOND), "the kick arrives");
                assertFalse(rebound.clear(), "and was drained");
            }
        }
        assertFalse(Files.exists(stale), "closing removes the socket file");
    }

    private Process start(String role, Path ring, long count, long last) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), WakeupPeer.class.getName(),
                role, ring.toString(), Long.toString(count), Long.toString(last))
                .redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    private static String read(Process p) throws IOException {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            return String.join("\n", in.lines().toList());
        }
    }

    private static Duration cpu(Process p) {
        return p.info().totalCpuDuration().orElseThrow(() -> new AssertionError("no CPU time for " + p.pid()));
    }
}
