package io.dataport.c;

import static org.junit.jupiter.api.Assertions.*;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.Notifier;
import io.dataport.queue.PeerTimeoutException;
import io.dataport.queue.Region;
import io.dataport.queue.RegionException;
import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionOptions;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingCorruptedException;
import io.dataport.queue.RingProducer;
import io.dataport.queue.WaitStrategy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Java end and the C tool {@code dataport-peer} (built with AddressSanitizer and UBSan) on the two
 * sides of one region in {@code /dev/shm}, as docs/c-interop.md describes: records of the shared
 * stream both ways, blocking ends woken by the other language, restarts of either side's producer
 * and consumer taken over by the other language, and corrupt regions refused by both.
 *
 * <p>Every decision is taken on the records themselves or on the lines the C tool prints; every
 * wait is bounded by {@link CPeer#HUNG_SECONDS}, which only ends a hung test (waits are cut in
 * short slices so that a C side that died is reported at once). Any sanitizer report on the C
 * side's stderr fails the test. Seeds are fixed and printed; {@code -Ddataport.seed=N} replays
 * another, {@code -Ddataport.seed=fresh} draws one.
 */
class InteropTest {
    /** 1 MiB: two rings of 512 KiB. */
    static final RegionGeometry BIG = RegionGeometry.pair(1 << 20, 0, 1, 7);
    /** 64 KiB: two rings of 32 KiB, for many laps. */
    static final RegionGeometry SMALL = RegionGeometry.pair(1 << 16, 0, 1, 7);
    private static final long HUNG_NANOS = TimeUnit.SECONDS.toNanos(CPeer.HUNG_SECONDS);
    /** A blocking call's slice: after each, the test looks whether the C side is still there. */
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** Records a producer that took over writes (see {@link #aCrashedCProducerIsTakenOverByAnotherCProducer}). */
    static final int TAKER_RECORDS = 40;
    /** The longest record a taker writes: fits beside any one hole. */
    static final int SHORT_RECORD = 4095;
    private static final Pattern SLEEPS = Pattern.compile("(consumed|produced) (\\d+) sleeps (\\d+)\\b.*");

    private Peers peers;

    @BeforeEach
    void setUp() {
        peers = new Peers("dataport-interop-");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        peers.close();
    }

    // ---------------------------------------------------------------- records both ways

    @Test
    void javaProducerToCConsumerOverManyLaps() throws Exception {
        long seed = seed("javaProducerToCConsumerOverManyLaps", 11);
        int count = 20_000;
        Path file = region(SMALL);
        try (Region region = Region.open(file, SMALL, RegionOptions.defaults()); RingProducer p = region.attachProducer(0)) {
            CPeer c = c("consume", "--region", file.toString(), "--count", Integer.toString(count), "--seed", Long.toString(seed));
            assertEquals("attached epoch 1", c.await("attached epoch"), c.describe());
            WaitStrategy wait = WaitStrategy.blocking(Notifier.polling());
            for (long k = 0; k < count; k++) {
                produce(p, seed, k, wait, c);
                if (k % 5 == 4) {
                    p.commit();
                } else {
                    p.commitBatched();
                }
            }
            long[] done = sleeps(c.await("consumed "), "consumed", c);
            assertEquals(count, done[0], c.describe());
            c.expectExit(0);
            System.out.println("Java -> C: " + count + " records of stream " + seed + " in batches of 5, "
                    + p.position() / p.capacity() + " laps of " + p.capacity() + " bytes; C consumer sleeps " + done[1]);
        }
    }

    @Test
    void cProducerToJavaConsumerOverManyLaps() throws Exception {
        long seed = seed("cProducerToJavaConsumerOverManyLaps", 11);
        int count = 20_000;
        Path file = region(SMALL);
        try (Region region = Region.open(file, SMALL, RegionOptions.defaults()); RingConsumer c = region.attachConsumer(0)) {
            CPeer p = c("produce", "--region", file.toString(), "--count", Integer.toString(count), "--seed",
                    Long.toString(seed), "--batch", "5");
            assertEquals("attached epoch 1", p.await("attached epoch"), p.describe());
            RecordStream.Checker checker = new RecordStream.Checker(seed, c.maxRecordLength(), 0);
            consume(c, checker, count, 64, p);
            long[] done = sleeps(p.await("produced "), "produced", p);
            assertEquals(count, done[0], p.describe());
            p.expectExit(0);
            assertEquals(0, c.poll(checker::check, 16), "no record after record " + (count - 1));
            System.out.println("C -> Java: " + count + " records of stream " + seed + " in batches of 5, "
                    + c.position() / c.capacity() + " laps; C producer sleeps " + done[1]);
        }
    }

    // ---------------------------------------------------------------- blocking ends

    @Test
    void aSleepingCConsumerWakesForAJavaProducer() throws Exception {
        long seed = seed("aSleepingCConsumerWakesForAJavaProducer", 21);
        int count = 2_000;
        Path file = region(BIG); // zero-filled: the C consumer formats it
        CPeer c = c("consume", "--region", file.toString(), "--count", Integer.toString(count), "--seed", Long.toString(seed));
        assertEquals("attached epoch 1", c.await("attached epoch"), c.describe());
        c.await("waiting");
        try (Region region = Region.open(file, BIG, RegionOptions.defaults()); RingProducer p = region.attachProducer(0)) {
            assertEquals(1, region.generation(), "the C consumer formatted the region");
            WaitStrategy wait = WaitStrategy.blocking(Notifier.polling());
            for (long k = 0; k < count; k++) {
                produce(p, seed, k, wait, c);
                p.commit();
            }
            long[] done = sleeps(c.await("consumed "), "consumed", c);
            assertEquals(count, done[0], c.describe());
            assertTrue(done[1] > 0, "the C consumer slept before the first record: " + c.describe());
            c.expectExit(0);
            System.out.println("C consumer woken by a Java producer: sleeps " + done[1] + "; the Java producer slept "
                    + p.sleeps() + " times for room");
        }
    }

    @Test
    void aBlockedCProducerWakesForAJavaConsumer() throws Exception {
        long seed = seed("aBlockedCProducerWakesForAJavaConsumer", 22);
        int count = 2_000;
        Path file = region(BIG); // the C producer formats it
        CPeer p = c("produce", "--region", file.toString(), "--count", Integer.toString(count), "--seed", Long.toString(seed));
        assertEquals("attached epoch 1", p.await("attached epoch"), p.describe());
        p.await("blocked");
        try (Region region = Region.open(file, BIG, RegionOptions.defaults()); RingConsumer c = region.attachConsumer(0)) {
            RecordStream.Checker checker = new RecordStream.Checker(seed, c.maxRecordLength(), 0);
            consume(c, checker, count, 16, p);
            long[] done = sleeps(p.await("produced "), "produced", p);
            assertEquals(count, done[0], p.describe());
            assertTrue(done[1] > 0, "the C producer slept for room: " + p.describe());
            p.expectExit(0);
            assertEquals(0, c.poll(checker::check, 16), "no record after record " + (count - 1));
            System.out.println("C producer woken by a Java consumer: sleeps " + done[1] + "; the Java consumer slept "
                    + c.sleeps() + " times");
        }
    }

    // ---------------------------------------------------------------- restarts

    /**
     * A C producer crashes (exit 3 with a batch committed and not published); another C producer
     * takes the role over (epoch 2) and goes on from the last published record: the Java consumer
     * gets every published record once, in order, then the taker's.
     *
     * <p>The taker writes {@link #TAKER_RECORDS} records, all of them at most 4095 bytes (the seed is
     * the first from the fixed one whose records there are that short): a takeover records the
     * crashed holder's reservation as a hole that every later lap pads over, and a hole across the
     * middle of a ring of a pair geometry leaves no stretch long enough for a record of the max
     * length (about half the ring), nor for most records above a quarter of it, ever again: the taker
     * then waits for room that never comes (both libraries do; seen here as "no room for a record of
     * 258040 bytes within 60000 ms" from the C taker, and in Java alone as a producer padding round
     * an empty ring forever). Short records always fit beside any one hole.
     */
    @Test
    void aCrashedCProducerIsTakenOverByAnotherCProducer() throws Exception {
        long seed = shortRecordSeed(seed("aCrashedCProducerIsTakenOverByAnotherCProducer", 41), 500 - 7, 500 + TAKER_RECORDS);
        Path file = region(BIG);
        try (Region region = Region.open(file, BIG, RegionOptions.defaults()); RingConsumer c = region.attachConsumer(0)) {
            RecordStream.Checker checker = new RecordStream.Checker(seed, c.maxRecordLength(), 0);
            CPeer first = c("produce", "--region", file.toString(), "--count", "1000", "--batch", "7", "--crash-after",
                    "500", "--holder", "1111", "--seed", Long.toString(seed));
            assertEquals("attached epoch 1", first.await("attached epoch"), first.describe());
            consumeUntilExit(c, checker, first);
            long published = number(first.await("published "), "published");
            first.expectExit(3);
            assertEquals(published, checker.next(), "the Java consumer got exactly the records the crashed C producer"
                    + " published; " + first.describe());
            assertTrue(published <= 500 && published >= 500 - 7, "published " + published + " of 500 committed in batches of 7");
            CPeer taker = c("produce", "--region", file.toString(), "--start", Long.toString(published), "--count",
                    Integer.toString(TAKER_RECORDS), "--lease-ms", "500", "--holder", "2222", "--seed", Long.toString(seed));
            assertEquals("attached epoch 2", taker.await("attached epoch"), taker.describe());
            consume(c, checker, published + TAKER_RECORDS, 64, taker);
            assertEquals(TAKER_RECORDS, sleeps(taker.await("produced "), "produced", taker)[0], taker.describe());
            taker.expectExit(0);
            assertEquals(0, c.poll(checker::check, 16), "no record after record " + (checker.next() - 1));
            System.out.println("C producer crashed after publishing " + published + " records (500 committed); the C"
                    + " taker (epoch 2) went on: the Java consumer got records 0 .. " + (checker.next() - 1)
                    + " in order, once each");
        }
    }

    /**
     * A Java producer crashes (abandoned without close, its lease no longer beating) with four
     * records committed and not published; a C producer takes over from record 300: the C consumer
     * checks records 0 .. 299 and then the taker's (the four are lost, as documented). The taker's
     * records are short, as in {@link #aCrashedCProducerIsTakenOverByAnotherCProducer}.
     */
    @Test
    void aCrashedJavaProducerIsTakenOverByACProducer() throws Exception {
        long seed = shortRecordSeed(seed("aCrashedJavaProducerIsTakenOverByACProducer", 51), 300, 300 + TAKER_RECORDS);
        int total = 300 + TAKER_RECORDS;
        Path file = region(BIG);
        // The Java producer that crashes: no keeper, so its lease stops beating when it stops.
        Region crashed = Region.open(file, BIG, RegionOptions.defaults().withKeeper(false));
        peers.abandon(crashed);
        RingProducer p = crashed.attachProducer(0);
        CPeer c = c("consume", "--region", file.toString(), "--count", Integer.toString(total), "--seed", Long.toString(seed));
        assertEquals("attached epoch 1", c.await("attached epoch"), c.describe());
        WaitStrategy wait = WaitStrategy.blocking(Notifier.polling());
        for (long k = 0; k < 300; k++) {
            produce(p, seed, k, wait, c);
            p.commit();
        }
        // Four more, committed but never published: a blocking claim would publish them, so wait
        // for room with tryClaim.
        long deadline = System.nanoTime() + HUNG_NANOS;
        for (long k = 300; k < 304; k++) {
            int length = RecordStream.length(seed, k, p.maxRecordLength());
            ClaimedRecord r;
            while ((r = p.tryClaim(length, RecordStream.type(seed, k))) == null) {
                alive(c, "while the Java producer waited for room");
                assertTrue(System.nanoTime() - deadline < 0, "hung: no room for record " + k + "; " + c.describe());
                Thread.onSpinWait();
            }
            RecordStream.fill(seed, k, length, r);
            p.commitBatched();
        }
        // The Java producer is abandoned here: not closed, its lease no longer beats.
        CPeer taker = c("produce", "--region", file.toString(), "--start", "300", "--count", Integer.toString(TAKER_RECORDS),
                "--lease-ms", "500", "--seed", Long.toString(seed));
        assertEquals("attached epoch 2", taker.await("attached epoch"), taker.describe());
        assertEquals(TAKER_RECORDS, sleeps(taker.await("produced "), "produced", taker)[0], taker.describe());
        taker.expectExit(0);
        assertEquals(total, sleeps(c.await("consumed "), "consumed", c)[0], c.describe());
        c.expectExit(0);
        System.out.println("Java producer crashed after publishing 300 records (4 more committed, unpublished, lost);"
                + " the C taker (epoch 2) went on from 300: the C consumer checked records 0 .. " + (total - 1));
    }

    @Test
    void aCrashedCConsumerIsTakenOverByAJavaConsumer() throws Exception {
        long seed = seed("aCrashedCConsumerIsTakenOverByAJavaConsumer", 61);
        int total = 1_200;
        Path file = region(BIG);
        try (Region region = Region.open(file, BIG, RegionOptions.defaults()); RingProducer p = region.attachProducer(0)) {
            CPeer c = c("consume", "--region", file.toString(), "--count", Integer.toString(total), "--crash-after", "700",
                    "--limit", "16", "--seed", Long.toString(seed));
            assertEquals("attached epoch 1", c.await("attached epoch"), c.describe());
            WaitStrategy wait = WaitStrategy.blocking(Notifier.polling());
            long next = 0;
            long deadline = System.nanoTime() + HUNG_NANOS;
            while (c.alive()) {                       // produce until the C consumer crashes
                if (next < total && tryProduce(p, seed, next, wait)) {
                    p.commit();
                    next++;
                }
                assertTrue(System.nanoTime() - deadline < 0, "hung: the C consumer did not crash; " + c.describe());
            }
            long acked = number(c.await("acked "), "acked");
            c.expectExit(3);
            assertTrue(acked < 700 && acked >= 700 - 16, "acked " + acked + ": the 700th record's batch (limit 16) is"
                    + " not acknowledged");
            try (Region mine = Region.open(file, BIG, RegionOptions.defaults().withLeaseTimeout(Duration.ofMillis(500)));
                 RingConsumer taker = mine.attachConsumer(0)) {
                assertEquals(2, taker.leaseEpoch(), "the Java consumer took the role over");
                RecordStream.Checker checker = new RecordStream.Checker(seed, taker.maxRecordLength(), acked);
                deadline = System.nanoTime() + HUNG_NANOS;
                while (checker.next() < total) {      // the rest, produced and consumed in this thread
                    boolean produced = false;
                    if (next < total) {
                        ClaimedRecord r = p.tryClaim(RecordStream.length(seed, next, p.maxRecordLength()),
                                RecordStream.type(seed, next));
                        if (r != null) {
                            RecordStream.fill(seed, next, r.length(), r);
                            p.commit();
                            next++;
                            produced = true;
                        }
                    }
                    if (taker.poll(checker::check, 64) == 0 && !produced) {
                        assertTrue(System.nanoTime() - deadline < 0, "hung: the Java consumer is at record "
                                + checker.next() + " of " + total);
                        Thread.onSpinWait();
                    }
                }
                assertEquals(0, taker.poll(checker::check, 16), "no record after record " + (total - 1));
                System.out.println("C consumer crashed in its 700th record with " + acked + " acknowledged; the Java"
                        + " consumer (epoch 2) got record " + acked + " first, then the rest to " + (total - 1));
            }
        }
    }

    @Test
    void aCrashedJavaConsumerIsTakenOverByACConsumer() throws Exception {
        long seed = seed("aCrashedJavaConsumerIsTakenOverByACConsumer", 71);
        int total = 1_200;
        Path file = region(BIG);
        CPeer p = c("produce", "--region", file.toString(), "--count", Integer.toString(total), "--seed", Long.toString(seed));
        assertEquals("attached epoch 1", p.await("attached epoch"), p.describe());
        // The Java consumer that crashes: no keeper, so its lease stops beating when it stops.
        Region crashed = Region.open(file, BIG, RegionOptions.defaults().withKeeper(false));
        peers.abandon(crashed);
        RingConsumer c = crashed.attachConsumer(0);
        RecordStream.Checker checker = new RecordStream.Checker(seed, c.maxRecordLength(), 0);
        consume(c, checker, 500, 16, p);      // each poll acknowledges its records when it returns
        long acked = checker.next();
        // The Java consumer is abandoned here, mid-stream: not closed, its lease no longer beats.
        CPeer taker = c("consume", "--region", file.toString(), "--start", Long.toString(acked), "--count",
                Long.toString(total - acked), "--lease-ms", "500", "--seed", Long.toString(seed));
        assertEquals("attached epoch 2", taker.await("attached epoch"), taker.describe());
        assertEquals(total - acked, sleeps(taker.await("consumed "), "consumed", taker)[0], taker.describe());
        taker.expectExit(0);
        assertEquals(total, sleeps(p.await("produced "), "produced", p)[0], p.describe());
        p.expectExit(0);
        System.out.println("Java consumer crashed with " + acked + " records acknowledged; the C taker (epoch 2)"
                + " checked records " + acked + " .. " + (total - 1));
    }

    // ---------------------------------------------------------------- corrupt regions

    @Test
    void aCorruptRecordHeaderIsRefusedByBothSides() throws Exception {
        long seed = seed("aCorruptRecordHeaderIsRefusedByBothSides", 81);
        Path file = region(BIG);
        try (Region region = Region.open(file, BIG, RegionOptions.defaults()); RingProducer p = region.attachProducer(0)) {
            for (long k = 0; k < 5; k++) {
                int length = RecordStream.length(seed, k, p.maxRecordLength());
                RecordStream.fill(seed, k, length, p.tryClaim(length, RecordStream.type(seed, k)));
                p.commit();
            }
        }
        // The consumer's next record is the first one, at ring 0's first record slot (after its lap prefix).
        long at = BIG.ringOffset(0) + BIG.lapPrefix(0);
        long header = readLong(file, at);
        assertEquals(RecordStream.length(seed, 0, BIG.rings().get(0).maxRecordLength()), (int) header, "record 0's length");
        assertEquals(RecordStream.type(seed, 0), (int) (header >>> 32), "record 0's type");
        writeLong(file, at, (header & 0xFFFF_FFFFL) | ((long) -7 << 32)); // type -7: neither a record, a padding nor END
        Path copy = peers.dir().copy(file, "copy.region");

        CPeer c = c("poll-all", "--region", file.toString());
        String refused = c.await("refused: ");
        c.expectExit(4);
        assertTrue(refused.matches("refused: DP_E(RR)?_CORRUPT: .+"), "not a refusal for corruption: " + c.describe());

        try (Region region = Region.open(copy, BIG, RegionOptions.defaults()); RingConsumer consumer = region.attachConsumer(0)) {
            RingCorruptedException e = assertThrows(RingCorruptedException.class,
                    () -> consumer.poll(r -> fail("a record was delivered from a corrupt header"), 16));
            System.out.println("a header of type -7: C '" + refused + "'; Java: " + e.getMessage());
        }
    }

    @Test
    void aDirectoryWithABrokenChecksumIsRefusedByBothSides() throws Exception {
        Path file = region(BIG);
        try (Region region = Region.open(file, BIG, RegionOptions.defaults()); RingProducer p = region.attachProducer(0)) {
            assertTrue(p.offer(new byte[16]));
        }
        long word = readLong(file, 40);
        assertEquals(7L, word, "the directory's tag");
        writeLong(file, 40, word ^ 0x01); // the tag's first byte: the checksum no longer matches
        Path copy = peers.dir().copy(file, "copy.region");

        CPeer c = c("poll-all", "--region", file.toString());
        String refused = c.await("refused: ");
        c.expectExit(4);
        assertTrue(refused.matches("refused: DP_\\w+: .+"), "not a refusal line: " + c.describe());

        RegionException e = assertThrows(RegionException.class, () -> Region.open(copy, BIG, RegionOptions.defaults()).close());
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        System.out.println("a directory whose checksum is broken: C '" + refused + "'; Java: " + e.getMessage());
    }

    // ---------------------------------------------------------------- helpers

    /** The test's seed: {@code fixed}, or {@code -Ddataport.seed} (a number or {@code fresh}); printed. */
    static long seed(String test, long fixed) {
        String given = System.getProperty("dataport.seed", "").trim();
        long seed = given.isEmpty() ? fixed : given.equals("fresh") ? ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE
                : Long.parseLong(given);
        System.out.println("seed=" + seed + " (" + (given.isEmpty() ? "fixed" : given.equals("fresh") ? "fresh" : "given")
                + ") InteropTest." + test + "; replay with -Ddataport.seed=" + seed);
        return seed;
    }

    /**
     * The first seed from {@code seed} whose records {@code from .. to - 1} in a ring of {@link #BIG}
     * are at most {@link #SHORT_RECORD} bytes long (about one seed in a hundred for 40 records); printed.
     */
    static long shortRecordSeed(long seed, long from, long to) {
        int max = BIG.rings().get(0).maxRecordLength();
        for (long s = seed; ; s++) {
            boolean short_ = true;
            for (long k = from; k < to && short_; k++) {
                short_ = RecordStream.length(s, k, max) <= SHORT_RECORD;
            }
            if (short_) {
                System.out.println("stream " + s + ": the first from seed " + seed + " whose records " + from + " .. "
                        + (to - 1) + " are at most " + SHORT_RECORD + " bytes");
                return s;
            }
        }
    }

    Path region(RegionGeometry geometry) {
        return peers.region(geometry);
    }

    CPeer c(String... args) {
        return peers.c(args);
    }

    /**
     * Claims and writes record {@code k} of {@code stream} (blocking in slices while the ring is full;
     * a blocking claim publishes the open batch first), leaving the commit to the caller. Fails at
     * once if {@code peer} ends while the producer waits.
     */
    static void produce(RingProducer p, long stream, long k, WaitStrategy wait, CPeer peer) {
        long deadline = System.nanoTime() + HUNG_NANOS;
        while (!tryProduce(p, stream, k, wait)) {
            alive(peer, "while the Java producer waited for room for record " + k);
            assertTrue(System.nanoTime() - deadline < 0, "hung: no room for record " + k + " for "
                    + CPeer.HUNG_SECONDS + " s; " + peer.describe());
        }
    }

    /** Record {@code k}, claimed with a blocking claim of one slice and written, uncommitted; false if no room came. */
    private static boolean tryProduce(RingProducer p, long stream, long k, WaitStrategy wait) {
        int length = RecordStream.length(stream, k, p.maxRecordLength());
        ClaimedRecord r;
        try {
            r = p.claim(length, RecordStream.type(stream, k), wait, SLICE_NANOS);
        } catch (PeerTimeoutException e) {
            return false;
        }
        RecordStream.fill(stream, k, length, r);
        return true;
    }

    /**
     * Takes records with a blocking take (in slices) and checks each, until the checker expects
     * record {@code end}; fails at once when a record differs, or when {@code peer} ended and the
     * ring holds nothing more.
     */
    static void consume(RingConsumer c, RecordStream.Checker checker, long end, int limit, CPeer peer) {
        WaitStrategy wait = WaitStrategy.blocking(Notifier.polling());
        long deadline = System.nanoTime() + HUNG_NANOS;
        while (checker.next() < end) {
            try {
                c.take(checker::check, (int) Math.min(limit, end - checker.next()), wait, SLICE_NANOS);
            } catch (PeerTimeoutException e) {
                if (!peer.alive() && c.poll(checker::check, (int) Math.min(limit, end - checker.next())) == 0) {
                    fail("the C producer ended and the ring is empty, but only " + checker.next() + " records of "
                            + end + " arrived; " + peer.describe());
                }
                assertTrue(System.nanoTime() - deadline < 0, "hung: the Java consumer is at record " + checker.next()
                        + " of " + end + "; " + peer.describe());
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + " (the Java consumer's check); " + peer.describe(), e);
            }
        }
    }

    /** Takes and checks records while {@code peer} runs, then drains what it left. */
    static void consumeUntilExit(RingConsumer c, RecordStream.Checker checker, CPeer peer) {
        WaitStrategy wait = WaitStrategy.blocking(Notifier.polling());
        long deadline = System.nanoTime() + HUNG_NANOS;
        try {
            while (peer.alive()) {
                try {
                    c.take(checker::check, 64, wait, SLICE_NANOS);
                } catch (PeerTimeoutException e) {
                    assertTrue(System.nanoTime() - deadline < 0, "hung: the C producer neither ended nor produced; "
                            + peer.describe());
                }
            }
            while (c.poll(checker::check, 64) > 0) {
                // what it published before it ended
            }
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + " (the Java consumer's check); " + peer.describe(), e);
        }
    }

    static void alive(CPeer peer, String when) {
        if (!peer.alive()) {
            fail("the C peer ended " + when + "; " + peer.describe());
        }
    }

    /** {@code [N, X]} from a line {@code consumed N sleeps X} or {@code produced N sleeps X}. */
    static long[] sleeps(String line, String verb, CPeer peer) {
        Matcher m = SLEEPS.matcher(line);
        if (!m.matches() || !m.group(1).equals(verb)) {
            fail("'" + line + "' is not '" + verb + " N sleeps X'; " + peer.describe());
        }
        return new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
    }

    /** N from a line {@code word N}. */
    static long number(String line, String word) {
        Matcher m = Pattern.compile(Pattern.quote(word) + " (\\d+)").matcher(line);
        assertTrue(m.matches(), "'" + line + "' is not '" + word + " N'");
        return Long.parseLong(m.group(1));
    }

    static long readLong(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                if (ch.read(b, at + b.position()) < 0) {
                    throw new IOException(file + " ends before offset " + (at + 8));
                }
            }
            return b.getLong(0);
        }
    }

    static void writeLong(Path file, long at, long value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
            while (b.hasRemaining()) {
                ch.write(b, at + b.position());
            }
            ch.force(true);
        }
    }
}
