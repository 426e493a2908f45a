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
        long seed = Seeds.seed("WakeupTest.blockedConsumerReceivesEveryRecordOfBurstsAcrossProcesses", 5);
        Output consumer = start("consume", ring, count, 60_000);
        Output producer = start("produce", ring, count, seed);
        // bounds that only end a hung run: the bursts are separated by events, not by time
        assertTrue(producer.process.waitFor(300, TimeUnit.SECONDS), "producer finished (seed=" + seed + ")");
        assertTrue(consumer.process.waitFor(60, TimeUnit.SECONDS), "consumer finished (seed=" + seed + ")");
        String consumed = consumer.all();
        String produced = producer.all();
        assertEquals(0, consumer.process.exitValue(), "seed=" + seed + ": " + consumed);
        assertEquals(0, producer.process.exitValue(), "seed=" + seed + ": " + produced);
        assertTrue(consumed.contains("received " + count), consumed);
        assertTrue(consumed.contains("slept"), "the consumer slept between bursts: " + consumed);
        long kicked = Long.parseLong(produced.replaceAll("(?s).*kicksSent (\\d+).*", "$1").trim());
        assertTrue(kicked > 0, "the producer woke the sleeping consumer: " + produced);
        System.out.println("wake-up test: consumer " + consumed.replace('\n', ' ') + "; producer " + produced.trim());
    }

    /**
     * An idle blocked consumer sleeps on its doorbell and does nothing until it is kicked: it went to
     * sleep once, its thread is blocked inside {@link Doorbell#await}, and when a record finally comes
     * it was woken by exactly one kick and had slept exactly once. A consumer that spins, polls on a
     * timer or wakes up spuriously would have counted more sleeps. The verdict is counted, not timed:
     * the observation window only gives such a consumer the chance to show itself (its CPU time in the
     * window is printed, not asserted).
     */
    @Test
    void idleBlockedConsumerSleepsOnItsDoorbellUntilKicked() throws Exception {
        TestRing ring = new TestRing(4096, 1024);
        try (Doorbell bell = Doorbell.bind(dir.resolve("idle.bell")); Kicker kick = Kicker.connect(bell.path())) {
            ring.producer.wakePeerWith(kick);
            AtomicLong taken = new AtomicLong(-1);
            java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
            Thread consumer = new Thread(() -> {
                try {
                    // a timeout far beyond the test's own: only a kick can end this sleep
                    taken.set(ring.consumer.take(r -> { }, 1, WaitStrategy.blocking(bell), 3_600 * SECOND));
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "idle-consumer");
            consumer.start();
            awaitEvent(() -> ring.consumer.sleeps() > 0, "the consumer announced a sleep");
            awaitEvent(() -> inDoorbellAwait(consumer), "the consumer blocked inside Doorbell.await");
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long cpuBefore = threads.getThreadCpuTime(consumer.getId());
            Thread.sleep(1000); // observation window: it can only add sleeps (fail), never make this pass
            long cpu = threads.getThreadCpuTime(consumer.getId()) - cpuBefore;
            System.out.printf("idle blocked consumer: %.3f ms of CPU in a 1 s window, sleeps %d, idles %d%n",
                    cpu / 1e6, ring.consumer.sleeps(), ring.consumer.idles());
            assertTrue(inDoorbellAwait(consumer), "still asleep in Doorbell.await after the window");
            assertEquals(1, ring.consumer.sleeps(), "one sleep, no spurious wake-up");
            assertEquals(0, ring.producer.kicksSent());

            assertTrue(ring.producer.offer(new byte[8]));
            consumer.join(60_000); // a bound that only ends a hung test
            assertFalse(consumer.isAlive(), "the kick woke the consumer");
            assertNull(failed.get());
            assertEquals(1, taken.get());
            assertEquals(1, ring.producer.kicksSent(), "one kick for one sleep");
            assertEquals(1, ring.consumer.sleeps(), "it slept once and was woken by that kick");
        }
    }

    private static boolean inDoorbellAwait(Thread thread) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().equals(Doorbell.class.getName()) && frame.getMethodName().equals("await")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits for {@code event}; the 60 s bound only ends a hung test, with a message: it never decides
     * a pass. Polls with a short park (a call the JIT cannot hoist a plain counter read out of).
     */
    static void awaitEvent(java.util.function.BooleanSupplier event, String what) {
        long deadline = System.nanoTime() + 60 * SECOND;
        while (!event.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("hung: waited 60 s for: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    /**
     * The producer's side of a gap between bursts: waits until the consumer has gone to sleep once
     * more than {@code sleepsBefore} (its counter is bumped after the re-check, just before it
     * blocks, with its need-wake-up flag set), so the next commit must kick it. Returns that count.
     */
    static long awaitSleep(RingConsumer consumer, long sleepsBefore) {
        awaitEvent(() -> consumer.sleeps() > sleepsBefore, "the consumer went to sleep in a gap between bursts");
        return consumer.sleeps();
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
                    ring.consumer.take(r -> assertEquals(next[0]++, r.getLong(0)), 16, wait, 60 * SECOND);
                }
                received.set(next[0]);
            });
            consumer.start();
            WaitStrategy wait = WaitStrategy.blocking(producerBell);
            long seed = Seeds.seed("WakeupTest.inProcessSleepersWakeAndCountKicks", 3);
            java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
            long sleeps = 0;
            int gaps = 0;
            for (long n = 0; n < count; n++) {
                ring.producer.claim(8 + random.nextInt(100), 0, wait, 60 * SECOND).putLong(0, n);
                ring.producer.commit();
                if (random.nextInt(1000) == 0) {
                    sleeps = awaitSleep(ring.consumer, sleeps); // a gap: until the consumer sleeps
                    gaps++;
                }
            }
            consumer.join(120_000); // a bound that only ends a hung test
            assertFalse(consumer.isAlive(), "the consumer finished (seed=" + seed + ")");
            assertTrue(gaps > 0, "seed=" + seed + " made no gap");
            assertEquals(count, received.get());
            assertEquals(count, ring.producer.records());
            assertEquals(count, ring.consumer.records());
            assertTrue(ring.consumer.sleeps() >= gaps, "the consumer slept in each of the " + gaps + " gaps");
            assertTrue(ring.producer.kicksSent() >= gaps, "each of those sleeps was ended by a kick");
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
            long seed = Seeds.seed("WakeupTest.oneThreadServesTwoRingsOnOneDoorbellAndMissesNoRecord", 1);
            java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
            Thread[] senders = {sender(a.producer, a.consumer, perRing, seed, failed),
                sender(b.producer, b.consumer, perRing, seed + 1, failed)};
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
                t.join(60_000); // a bound that only ends a hung test
                assertFalse(t.isAlive(), "a sender hung (seed=" + seed + ")");
            }
            assertNull(failed.get(), "seed=" + seed);
            assertEquals(perRing, next[0], "seed=" + seed);
            assertEquals(perRing, next[1], "seed=" + seed);
            assertTrue(a.consumer.sleeps() > 0, "the node slept between bursts");
            assertTrue(a.producer.kicksSent() + b.producer.kicksSent() > 0);
        }
    }

    private static Thread sender(RingProducer producer, RingConsumer node, int count, long seed,
                                 java.util.concurrent.atomic.AtomicReference<Throwable> failed) {
        return new Thread(() -> {
            try {
                java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
                long sleeps = 0;
                boolean gapped = false;
                for (long n = 0; n < count; n++) {
                    ClaimedRecord record;
                    while ((record = producer.tryClaim(8 + random.nextInt(64))) == null) {
                        Thread.onSpinWait();
                    }
                    record.putLong(0, n);
                    producer.commit();
                    if (random.nextInt(500) == 0 || (!gapped && n == count / 2)) {
                        sleeps = awaitSleep(node, sleeps); // a gap: until the node sleeps on its doorbell
                        gapped = true;
                    }
                }
            } catch (Throwable t) {
                failed.compareAndSet(null, t);
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
        Output consumer = start("consume", ring, Long.MAX_VALUE, 2_000);
        Output producer = start("produce", ring, Long.MAX_VALUE,
                Seeds.seed("WakeupTest.aProducerKilledMidRunLeadsToATimeoutNotAHang", 1));
        consumer.awaitLine("slept"); // mid-run: records crossed and the consumer slept between bursts
        ProcessHandle.of(producer.process.pid()).ifPresent(ProcessHandle::destroyForcibly);
        assertTrue(consumer.process.waitFor(60, TimeUnit.SECONDS), "the consumer did not hang");
        String out = consumer.all();
        assertNotEquals(0, consumer.process.exitValue());
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

    private Output start(String role, Path ring, long count, long last) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), WakeupPeer.class.getName(),
                role, ring.toString(), Long.toString(count), Long.toString(last))
                .redirectErrorStream(true).start();
        started.add(p);
        return new Output(p);
    }

    /** A child process's output, read line by line as it comes. */
    static final class Output {
        final Process process;
        private final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Thread reader;

        Output(Process process) {
            this.process = process;
            this.reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process was killed
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        /** Waits for a line equal to {@code expected} (the bound only ends a hung test). */
        void awaitLine(String expected) {
            awaitEvent(() -> lines.contains(expected) || !process.isAlive() && !reader.isAlive(),
                    "the line '" + expected + "' from PID " + process.pid());
            assertTrue(lines.contains(expected), "the process ended without printing '" + expected + "': " + all());
        }

        /** Everything it printed; once it has ended, all of it. */
        String all() {
            try {
                if (!process.isAlive()) {
                    reader.join(10_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }
    }
}
