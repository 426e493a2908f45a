package io.dataport.c;

import static org.junit.jupiter.api.Assertions.*;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.Notifier;
import io.dataport.queue.Region;
import io.dataport.queue.RegionException;
import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionOptions;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingProducer;
import io.dataport.queue.WaitStrategy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Decision 1801 across the two languages: a producer that dies with a record of the max length
 * reserved but not published leaves a hole of about half the ring, and no gap of the lap can then
 * hold a record of the max length. The taker, in the other language, refuses such a claim at once
 * with its documented error (C: {@code DP_ERR_REFUSED}; Java: {@link RegionException}), instead of
 * padding round the ring for ever (what both did before), and still sends short records, which
 * the consumer receives after the dead producer's published ones. Decided by the records and the
 * lines the C tool prints; waits are bounded only to end a hung test.
 */
class HoleInteropTest {
    static final RegionGeometry BIG = InteropTest.BIG;
    private static final long STREAM = 1801;
    private static final long HUNG_NANOS = TimeUnit.SECONDS.toNanos(CPeer.HUNG_SECONDS);

    private Peers peers;

    @BeforeEach
    void setUp() {
        peers = new Peers("dataport-holes-");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        peers.close();
    }

    private CPeer c(String... args) {
        return peers.c(args);
    }

    /** The first record number at or after {@code from} whose stream length is (or is not) the max, with the parity asked. */
    private static long find(int max, long from, boolean maxLength, int parity) {
        for (long k = from; ; k++) {
            boolean isMax = RecordStream.length(STREAM, k, max) == max;
            if (isMax == maxLength && k % 2 == parity && (maxLength || RecordStream.length(STREAM, k, max) <= 4095)) {
                return k;
            }
        }
    }

    @Test
    void aCTakerRefusesARecordThatFitsNoGapAndStillSendsShortOnes() throws Exception {
        int max = BIG.rings().get(0).maxRecordLength();
        long big = find(max, 2, true, 0);
        long small = find(max, big + 1, false, 1);
        System.out.println("HoleInteropTest: stream " + STREAM + ", record " + big + " has the max length " + max
                + ", record " + small + " is short");
        Path file = peers.region(BIG);
        try (Region consumers = Region.open(file, BIG, RegionOptions.defaults());
             RingConsumer in = consumers.attachConsumer(0)) {
            // The producer that dies: no keeper, so its lease stops beating when it is abandoned.
            Region dead = peers.abandon(Region.open(file, BIG, RegionOptions.defaults().withKeeper(false)));
            RingProducer p = dead.attachProducer(0);
            RecordStream.Checker checker = new RecordStream.Checker(STREAM, max, 0);
            for (long k = 0; k < big; k++) {
                int length = RecordStream.length(STREAM, k, max);
                ClaimedRecord r = p.tryClaim(length, RecordStream.type(STREAM, k));
                while (r == null) {
                    in.poll(checker::check, 64);
                    r = p.tryClaim(length, RecordStream.type(STREAM, k));
                }
                RecordStream.fill(STREAM, k, length, r);
                p.commit();
            }
            while (in.poll(checker::check, 64) > 0) {
                // everything published so far
            }
            assertEquals(big, checker.next());
            ClaimedRecord r = p.tryClaim(max, RecordStream.type(STREAM, big));   // the ring is empty: room
            assertNotNull(r, "no room for a max-length record in an empty ring");
            RecordStream.fill(STREAM, big, max, r);
            p.commitBatched();                                                  // reserved, never published

            CPeer refused = c("produce", "--region", file.toString(), "--seed", Long.toString(STREAM),
                    "--start", Long.toString(big), "--count", "1", "--lease-ms", "500");
            assertEquals("attached epoch 2", refused.await("attached epoch"), refused.describe());
            String line = refused.await("refused: ");
            assertTrue(line.startsWith("refused: DP_ERR_REFUSED: ") && line.contains("fits in no gap"),
                    line + "; " + refused.describe());
            refused.expectExit(4);

            CPeer taker = c("produce", "--region", file.toString(), "--seed", Long.toString(STREAM),
                    "--start", Long.toString(small), "--count", "1", "--lease-ms", "500");
            assertEquals("attached epoch 3", taker.await("attached epoch"), taker.describe());
            assertTrue(taker.await("produced ").startsWith("produced 1 "), taker.describe());
            taker.expectExit(0);

            RecordStream.Checker after = new RecordStream.Checker(STREAM, max, small);
            WaitStrategy wait = WaitStrategy.blocking(Notifier.polling());
            assertEquals(1, in.take(after::check, 64, wait, HUNG_NANOS), "the taker's record");
            assertEquals(small + 1, after.next());
            assertEquals(0, in.poll(after::check, 64), "the dead producer's unpublished record arrived");
        }
    }

    @Test
    void aJavaTakerRefusesARecordThatFitsNoGapAndStillSendsShortOnes() throws Exception {
        int max = BIG.rings().get(0).maxRecordLength();
        long big = find(max, 2, true, 0);
        System.out.println("HoleInteropTest: stream " + STREAM + ", record " + big + " has the max length " + max);
        Path file = peers.region(BIG);
        try (Region consumers = Region.open(file, BIG, RegionOptions.defaults());
             RingConsumer in = consumers.attachConsumer(0)) {
            // A C producer that dies with record `big` (max length) committed and not published:
            // batches of 2 from record 0, so record `big` (even) opens a batch, and it dies right
            // after committing it (one more is asked for: the last record of a run is published).
            CPeer dead = c("produce", "--region", file.toString(), "--seed", Long.toString(STREAM), "--count",
                    Long.toString(big + 2), "--batch", "2", "--crash-after", Long.toString(big + 1));
            RecordStream.Checker checker = new RecordStream.Checker(STREAM, max, 0);
            WaitStrategy wait = WaitStrategy.blocking(Notifier.polling());
            long deadline = System.nanoTime() + HUNG_NANOS;
            while (dead.alive()) {
                in.poll(checker::check, 64);
                assertTrue(System.nanoTime() - deadline < 0, "hung; " + dead.describe());
            }
            while (in.poll(checker::check, 64) > 0) {
                // what it published before it died
            }
            assertEquals("published " + big, dead.await("published "), dead.describe());
            dead.expectExit(3);
            assertEquals(big, checker.next());

            try (Region takers = Region.open(file, BIG, RegionOptions.defaults().withLeaseTimeout(Duration.ofMillis(500)));
                 RingProducer taker = takers.attachProducer(0)) {
                assertEquals(2, taker.leaseEpoch());
                RegionException e = assertThrows(RegionException.class, () -> taker.tryClaim(max, 0));
                assertTrue(e.getMessage().contains("no gap"), e.getMessage());
                assertTrue(taker.offer(new byte[] {1, 2, 3}), "a short record after the refusal");
                byte[][] got = new byte[1][];
                assertEquals(1, in.take(view -> {
                    got[0] = new byte[view.length()];
                    view.getBytes(0, got[0], 0, view.length());
                }, 64, wait, HUNG_NANOS));
                assertArrayEquals(new byte[] {1, 2, 3}, got[0]);
            }
        }
    }
}
