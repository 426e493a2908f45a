package io.dataport.region.nativemap;

import static io.dataport.region.nativemap.StandIns.awaitEvent;
import static io.dataport.region.nativemap.StandIns.inPoll;
import static org.junit.jupiter.api.Assertions.*;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.Notifier;
import io.dataport.queue.Region;
import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionOptions;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingProducer;
import io.dataport.queue.WaitStrategy;
import io.dataport.region.nativemap.StandIns.Channel;
import io.dataport.region.nativemap.StandIns.Fan;
import io.dataport.region.nativemap.StandIns.StandIn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The library's blocking ring ends sleeping on {@link EventDeviceNotifier}s: a region mapped through
 * {@link NativeMapping} (the path a UIO or CAmkES dataport takes) and by the peer with
 * {@code FileChannel}, a small ring, the consumer blocking for records and the producer blocking for
 * room, each woken only by its peer's kick through an eventfd or a FIFO standing in for the UIO
 * event node. Every record must arrive in order, intact; both sides must have slept, and kicks must
 * have been sent: so the notifier really woke them.
 *
 * <p>The sleeps are forced by events, not by time: at fixed records the producer stops until it
 * sees the consumer blocked in {@code poll} (the consumer drained the ring and slept), and the
 * consumer stops until it sees the producer blocked in {@code poll} (the ring filled up and it
 * slept). The ring holds fewer records than the distance between these stops, so they never wait
 * for each other.
 */
class EventDeviceRingTest {
    private static final long MINUTE = 60_000_000_000L;

    @TempDir
    Path dir;

    private static final RegionOptions OPTIONS = RegionOptions.defaults().withKeeper(false).withTakeOver(false)
            .withLeaseTimeout(Duration.ofSeconds(10));

    /** Payloads of 100 to 300 bytes: a record takes at least 112 bytes, so a 32 KiB ring holds fewer than 300. */
    private static int length(SplittableRandom random) {
        return 100 + random.nextInt(201);
    }

    private static byte pattern(long seq, int i) {
        return (byte) (seq * 31 + i);
    }

    @ParameterizedTest
    @EnumSource(StandIn.class)
    void blockedProducerAndConsumerAreWokenByEachOthersKicks(StandIn standIn) throws Exception {
        long seed = StandIns.seed("EventDeviceRingTest.blockedProducerAndConsumerAreWokenByEachOthersKicks[" + standIn + "]", 1515);
        int count = 20_000;
        int stride = 1000; // the producer stops after record k * 1000 + 500, the consumer after k * 1000
        RegionGeometry pair = RegionGeometry.pair(RegionGeometry.minimumPairSize(), 0, 1, 15);
        Path node = dir.resolve("dataport-node");
        Region.createFile(node, pair.size());
        int ring = pair.indexOf(0, 1);
        try (NativeMapping mapping = NativeMapping.map(node, 0, pair.size());
             Region producerSide = Region.wrap(mapping.buffer(), node.toString(), pair, OPTIONS.withHolder(1));
             Region consumerSide = Region.open(node, pair, OPTIONS.withHolder(2));
             RingProducer producer = producerSide.attachProducer(ring);
             RingConsumer consumer = consumerSide.attachConsumer(ring);
             Channel toConsumer = StandIns.channel(standIn, dir, "to-consumer");
             Channel toProducer = StandIns.channel(standIn, dir, "to-producer")) {
            assertTrue(producer.maxRecordLength() >= 308 && producer.capacity() <= 32 * 1024,
                    "a small ring: " + producer.capacity() + " bytes");
            producer.wakePeerWith(toConsumer.kicker());
            consumer.wakePeerWith(toProducer.kicker());
            AtomicReference<Throwable> failed = new AtomicReference<>();
            AtomicLong received = new AtomicLong();
            Thread[] threads = new Thread[2];
            threads[0] = new Thread(() -> {
                try {
                    WaitStrategy wait = WaitStrategy.blocking(toProducer.waiter());
                    SplittableRandom random = new SplittableRandom(seed);
                    for (long n = 0; n < count; n++) {
                        int length = length(random);
                        ClaimedRecord r = producer.claim(length, 7, wait, MINUTE);
                        r.putLong(0, n);
                        for (int i = 8; i < length; i++) {
                            r.putByte(i, pattern(n, i));
                        }
                        producer.commit();
                        if (n % stride == stride / 2) {
                            // it took everything, and is blocked in poll since: a sleep that only a kick ends
                            long all = n + 1;
                            awaitEvent(() -> consumer.records() == all && inPoll(threads[1]),
                                    "the consumer asleep after record " + n);
                        }
                    }
                } catch (Throwable t) {
                    failed.compareAndSet(null, t);
                }
            }, "producer");
            threads[1] = new Thread(() -> {
                try {
                    WaitStrategy wait = WaitStrategy.blocking(toConsumer.waiter());
                    SplittableRandom random = new SplittableRandom(seed);
                    long[] next = {0};
                    long nextStop = stride;
                    while (next[0] < count) {
                        long producerSleeps = producer.sleeps();
                        consumer.take(r -> {
                            long n = next[0]++;
                            assertEquals(n, r.getLong(0), "in order");
                            assertEquals(length(random), r.length(), "record " + n + "'s length");
                            assertEquals(7, r.type());
                            for (int i = 8; i < r.length(); i++) {
                                if (r.getByte(i) != pattern(n, i)) {
                                    fail("record " + n + " byte " + i);
                                }
                            }
                        }, 64, wait, MINUTE);
                        if (next[0] >= nextStop && nextStop < count) {
                            // a sleep begun after this take started (the take's publication kicks any older one)
                            long at = next[0];
                            awaitEvent(() -> producer.sleeps() > producerSleeps && inPoll(threads[0]),
                                    "the producer asleep for room after record " + at);
                            nextStop += stride;
                        }
                    }
                    received.set(next[0]);
                } catch (Throwable t) {
                    failed.compareAndSet(null, t);
                }
            }, "consumer");
            for (Thread t : threads) {
                t.start();
            }
            for (Thread t : threads) {
                t.join(120_000); // a bound that only ends a hung test
            }
            assertFalse(threads[0].isAlive() || threads[1].isAlive(), "both finished (seed " + seed + ")");
            if (failed.get() != null) {
                throw new AssertionError("seed " + seed + ": " + failed.get(), failed.get());
            }
            assertEquals(count, received.get());
            assertEquals(count, producer.records());
            assertEquals(count, consumer.records());
            int stops = count / stride;
            System.out.printf("%s: consumer slept %d times, producer %d times; kicks sent: producer %d"
                            + " (suppressed %d), consumer %d (suppressed %d)%n", standIn, consumer.sleeps(),
                    producer.sleeps(), producer.kicksSent(), producer.kicksSuppressed(), consumer.kicksSent(),
                    consumer.kicksSuppressed());
            assertTrue(consumer.sleeps() >= stops, "the consumer slept at each of the " + stops + " producer stops");
            assertTrue(producer.sleeps() >= stops - 1, "the producer slept at each of the " + (stops - 1)
                    + " consumer stops");
            assertTrue(producer.kicksSent() >= stops, "the producer kicked the consumer after each of its sleeps");
            assertTrue(consumer.kicksSent() > 0, "the consumer kicked the producer sleeping for room");
            assertEquals(0, producer.kickFailures());
            assertEquals(0, consumer.kickFailures());
        }
    }

    /**
     * A mesh node's receive thread: one consumer thread on two inbound rings
     * ({@code WaitStrategy.idle(group, ...)}), sleeping on one wait-only notifier over both peers'
     * nodes (two FIFOs, or two eventfds); each peer kicks through its own notifier. Rounds pick a
     * peer at random (fixed seed); each starts only when the receiver is seen blocked in
     * {@code poll}, so every round's records arrive through a kick on that peer's node.
     */
    @ParameterizedTest
    @EnumSource(StandIn.class)
    void oneThreadSleepingOnTwoRingsWakesForAKickOnEitherNode(StandIn standIn) throws Exception {
        long seed = StandIns.seed("EventDeviceRingTest.oneThreadSleepingOnTwoRingsWakesForAKickOnEitherNode[" + standIn
                + "]", 2);
        int capacity = 32 * 1024;
        RegionGeometry geometry = new RegionGeometry(RegionGeometry.sizeFor(capacity, capacity), 16, List.of(
                new RegionGeometry.Ring(0, capacity, 1000, 1, 0),
                new RegionGeometry.Ring(1, capacity, 1000, 2, 0)));
        Path node = dir.resolve("mesh-node");
        Region.createFile(node, geometry.size());
        try (NativeMapping mapping = NativeMapping.map(node, 0, geometry.size());
             Region receiverSide = Region.wrap(mapping.buffer(), node.toString(), geometry, OPTIONS.withHolder(1));
             Region peersSide = Region.open(node, geometry, OPTIONS.withHolder(2));
             RingConsumer in1 = receiverSide.attachConsumer(0);
             RingConsumer in2 = receiverSide.attachConsumer(1);
             RingProducer peer1 = peersSide.attachProducer(0);
             RingProducer peer2 = peersSide.attachProducer(1);
             Fan fan = StandIns.fan(standIn, dir, 2)) {
            Notifier receiver = fan.waiter();
            peer1.wakePeerWith(fan.kickers().get(0));
            peer2.wakePeerWith(fan.kickers().get(1));
            int rounds = 200;
            SplittableRandom random = new SplittableRandom(seed);
            List<long[]> plan = new ArrayList<>(); // {peer, records}
            long total = 0;
            for (int r = 0; r < rounds; r++) {
                long records = 1 + random.nextInt(20);
                plan.add(new long[] {random.nextInt(2), records});
                total += records;
            }
            long expected = total;
            AtomicReference<Throwable> failed = new AtomicReference<>();
            AtomicLong received = new AtomicLong();
            long[] got = new long[2];
            Thread receive = new Thread(() -> {
                try {
                    RingConsumer[] group = {in1, in2};
                    WaitStrategy wait = WaitStrategy.blocking(receiver);
                    long[] next = new long[2];
                    long deadline = System.nanoTime() + 2 * MINUTE;
                    while (next[0] + next[1] < expected) {
                        int n = 0;
                        for (int i = 0; i < 2; i++) {
                            int peer = i;
                            n += group[i].poll(r -> assertEquals(next[peer]++, r.getLong(0), "peer " + (peer + 1)), 64);
                        }
                        received.set(next[0] + next[1]);
                        if (n == 0) {
                            assertTrue(System.nanoTime() - deadline < 0, "hung");
                            wait.idle(group, deadline); // a bound that only ends a hung test
                        } else {
                            wait.reset();
                        }
                    }
                    got[0] = next[0];
                    got[1] = next[1];
                } catch (Throwable t) {
                    failed.compareAndSet(null, t);
                }
            }, "receiver");
            receive.start();
            long[] sent = new long[2];
            for (long[] round : plan) {
                long all = sent[0] + sent[1];
                // it took everything sent so far and is blocked in poll since: only a kick ends that sleep
                awaitEvent(() -> (received.get() == all && inPoll(receive)) || failed.get() != null,
                        "the receiver asleep on both nodes");
                int peer = (int) round[0];
                RingProducer p = peer == 0 ? peer1 : peer2;
                for (int i = 0; i < round[1]; i++) {
                    ClaimedRecord r = p.tryClaim(8);
                    assertNotNull(r, "an empty 32 KiB ring has room for 20 small records");
                    r.putLong(0, sent[peer]++);
                    p.commit();
                }
            }
            receive.join(120_000); // a bound that only ends a hung test
            assertFalse(receive.isAlive(), "the receiver finished (seed " + seed + ")");
            if (failed.get() != null) {
                throw new AssertionError("seed " + seed + ": " + failed.get(), failed.get());
            }
            assertArrayEquals(sent, got, "every record of both peers, in order");
            System.out.printf("mesh receiver: %d rounds, sleeps %d/%d, kicks sent by peer 1: %d, by peer 2: %d%n",
                    rounds, in1.sleeps(), in2.sleeps(), peer1.kicksSent(), peer2.kicksSent());
            assertTrue(in1.sleeps() >= rounds && in2.sleeps() >= rounds, "it slept before every round, on both rings");
            assertTrue(peer1.kicksSent() > 0 && peer2.kicksSent() > 0, "both peers' nodes woke it");
            assertTrue(peer1.kicksSent() + peer2.kicksSent() >= rounds, "each round's first record kicked it");
            assertEquals(0, peer1.kickFailures() + peer2.kickFailures());
        }
    }
}
