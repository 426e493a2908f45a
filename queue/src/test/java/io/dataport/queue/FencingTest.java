package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fencing a holder that resumes after its role was taken over (docs/decisions/0901,
 * spec/RingFencing.tla), in one process: the "stalled" holder is an end we simply stop calling
 * while another end takes its role over (its lease expires on a {@link ManualClock}), then call
 * again. Each test resumes it at another point between two of its shared accesses.
 */
class FencingTest {
    @TempDir
    Path dir;

    private Path file;
    private ManualClock clock;

    private Region open(int holder) {
        if (file == null) {
            file = dir.resolve("fencing.region");
            Region.createFile(file, RegionTest.SIZE);
        }
        if (clock == null) {
            clock = new ManualClock();
        }
        return Region.open(file, RegionTest.PAIR, RegionTest.quiet(holder).withClock(clock));
    }

    private static byte[] record(int seq, int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) seq);
        b[0] = (byte) (seq >>> 8);
        return b;
    }

    /** Drains the consumer, checking that every record is {@link #record}(seq, its length) for the next seq. */
    private static int drainInOrder(RingConsumer consumer, int[] next) {
        int[] count = {0};
        while (consumer.poll(r -> {
            byte[] b = new byte[r.length()];
            r.getBytes(0, b, 0, b.length);
            assertArrayEquals(record(next[0], b.length), b, "record " + next[0] + " is intact");
            next[0]++;
            count[0]++;
        }, 64) > 0) {
            // keep polling
        }
        return count[0];
    }

    private static int holesOfEpoch(SharedRing ring, long epoch) {
        int n = 0;
        for (int slot = 0; slot < RingLayout.HOLE_SLOTS; slot++) {
            long word = ring.readHole(slot);
            if (word != 0 && Holes.epochOf(word) == (int) (epoch & RingLayout.EPOCH_MASK)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aResumedHoldersLateStoresLandInAHoleAndItsCommitFails() {
        try (Region a = open(1); Region b = open(2); Region c = open(3)) {
            RingProducer old = a.attachProducer(0);
            RingConsumer consumer = c.attachConsumer(0);
            int[] next = {0};
            int seq = 0;
            assertTrue(old.offer(record(seq++, 100)));
            ClaimedRecord stalled = old.tryClaim(1000);          // it stalls in the middle of its payload
            stalled.putBytes(0, record(99, 500), 0, 500);
            assertEquals(1, drainInOrder(consumer, next));

            RingProducer taker = b.attachProducer(0);             // its lease expired on the clock
            assertEquals(1, holesOfEpoch(a.ring(0), old.leaseEpoch()), "the old holder's reservation is a hole");
            // three laps of live records: every lap pads over the hole
            int capacity = taker.capacity();
            long start = taker.position();
            while (taker.position() - start < 3L * capacity) {
                while (taker.offer(record(seq, 1000))) {
                    seq++;
                }
                drainInOrder(consumer, next);
            }
            while (taker.offer(record(seq, 1000))) {             // fill the ring: live records everywhere else
                seq++;
            }
            // the old holder resumes: the rest of its payload lands in the hole, not in a live record
            stalled.putBytes(500, record(99, 500), 0, 500);
            RegionException lost = assertThrows(RegionException.class, old::commit);
            assertTrue(lost.getMessage().contains("lost its role"), lost.getMessage());
            assertTrue(old.lostRole());
            assertEquals(0, holesOfEpoch(a.ring(0), old.leaseEpoch()), "the fenced holder freed its hole");
            assertThrows(RegionException.class, () -> old.offer(new byte[1]), "and every later call fails");
            assertThrows(RegionException.class, () -> stalled.putByte(0, (byte) 1), "its claim is closed: it says why");

            drainInOrder(consumer, next);
            assertEquals(seq, next[0], "every record of the new holder delivered intact, in order");
            assertFalse(consumer.isPoisoned());
            taker.close();
            old.close();
            consumer.close();
        }
    }

    @Test
    void aHolderResumedBeforeItReadsItsSlotLearnsItLostAtItsNextClaim() {
        try (Region a = open(1); Region b = open(2)) {
            RingProducer old = a.attachProducer(0);
            assertTrue(old.offer(record(0, 10)));
            RingProducer taker = b.attachProducer(0);
            assertTrue(taker.offer(record(1, 10)));
            RegionException e = assertThrows(RegionException.class, () -> old.tryClaim(10));
            assertTrue(e.getMessage().contains("the producer position word has another holder's epoch"), e.getMessage());
            try (RingConsumer consumer = a.attachConsumer(0)) {
                assertEquals(2, drainInOrder(consumer, new int[] {0}));
            }
            taker.close();
        }
    }

    @Test
    void aResumedHoldersUnpublishedBatchIsNeverDelivered() {
        try (Region a = open(1); Region b = open(2)) {
            RingProducer old = a.attachProducer(0);
            assertTrue(old.offer(record(0, 10)));
            old.tryClaim(10).putBytes(0, record(77, 10), 0, 10);
            old.commitBatched();                                 // committed, not published: it stalls here
            RingProducer taker = b.attachProducer(0);
            assertTrue(taker.offer(record(1, 10)));
            assertThrows(RegionException.class, old::publish);
            try (RingConsumer consumer = a.attachConsumer(0)) {
                assertEquals(2, drainInOrder(consumer, new int[] {0}), "record 0 of the old holder, then the taker's");
            }
            taker.close();
        }
    }

    @Test
    void aResumedConsumerCannotAcknowledgeAndItsSuccessorGetsTheBatchAgain() {
        try (Region a = open(1); Region b = open(2); Region p = open(3); RingProducer producer = p.attachProducer(0)) {
            for (int i = 0; i < 4; i++) {
                assertTrue(producer.offer(record(i, 10)));
            }
            RingConsumer old = a.attachConsumer(0);
            assertEquals(1, old.poll(r -> { }, 1));               // record 0 acknowledged
            List<Integer> seenByOld = new ArrayList<>();
            RingConsumer[] taker = new RingConsumer[1];
            // it stalls inside its handler, after reading record 1, while a successor takes over
            RegionException e = assertThrows(RegionException.class, () -> old.poll(r -> {
                seenByOld.add((int) r.getByte(1));
                taker[0] = b.attachConsumer(0);
            }, 1));
            assertTrue(e.getMessage().contains("consumer position word has another holder's epoch"), e.getMessage());
            assertEquals(List.of(1), seenByOld);
            int[] next = {1};
            assertEquals(3, drainInOrder(taker[0], next), "the unacknowledged record 1 is delivered again, then 2, 3");
            taker[0].close();
            old.close();
        }
    }

    @Test
    void aCleanCloseLeavesNoHole() {
        try (Region a = open(1); Region b = open(2)) {
            RingProducer first = a.attachProducer(0);
            assertTrue(first.offer(record(0, 10)));
            first.close();
            try (RingProducer second = b.attachProducer(0)) {
                assertEquals(0, holesOfEpoch(a.ring(0), first.leaseEpoch()));
                assertTrue(second.offer(record(1, 10)));
            }
        }
    }

    @Test
    void aFullHoleTableRefusesTheTakeoverWithWhatToDo() {
        try (Region a = open(1); Region b = open(2)) {
            SharedRing ring = a.ring(0);
            for (int i = 0; i < RingLayout.HOLE_SLOTS; i++) {
                assertTrue(Holes.record(ring, 1 << 16, 100 + i, 8 * i, 8));
            }
            RingProducer old = a.attachProducer(0);
            assertTrue(old.offer(record(0, 10)));
            old.tryClaim(10);                                     // a reservation past the published position
            RegionException e = assertThrows(RegionException.class, () -> b.attachProducer(0));
            assertTrue(e.getMessage().contains("the hole table is full"), e.getMessage());
            assertTrue(e.getMessage().contains("dataport region zero"), e.getMessage());
        }
    }

    @Test
    void aHostileHoleWordPoisonsTheProducer() {
        try (Region a = open(1)) {
            SharedRing ring = a.ring(0);
            ring.scribble(RingLayout.HOLE_TABLE_OFFSET + 8, 1L << 48 | (long) (1 << 20) << 24 | 1);
            RingCorruptedException e = assertThrows(RingCorruptedException.class, () -> a.attachProducer(0));
            assertTrue(e.getMessage().contains("hole table slot 1"), e.getMessage());
        }
    }

    @Test
    void holesAreRoundedOutwardsToTheirUnitAndPaddedUpToTheirEnd() {
        SharedRing table = new SharedRing(java.nio.ByteBuffer.allocateDirect(RingLayout.HEADER_LENGTH));
        int capacity = 1 << 30;                                   // units of 64 bytes above 128 MiB
        assertEquals(64, Holes.unit(capacity));
        assertEquals(8, Holes.unit(1 << 27));
        assertTrue(Holes.record(table, capacity, 5, 100, 50));     // [100, 150) becomes [64, 192)
        Holes holes = new Holes(table, capacity);
        assertNull(holes.load());
        assertEquals(88, holes.paddingAt(104, 8, capacity - 104), "from inside the hole to its end");
        assertEquals(8, holes.paddingAt(56, 16, capacity - 56), "a record that would overlap the hole pads to its start");
        assertEquals(0, holes.paddingAt(192, 16, capacity - 192), "after the hole: no padding");
        assertEquals(0, holes.paddingAt(40, 16, capacity - 40), "a record that ends at the hole's start fits");
        assertFalse(Holes.record(table, 1 << 16, 5, 0, 1 << 16), "a hole of the whole ring is refused");
        Holes.release(table, 5);
        assertNull(holes.load());
        assertTrue(holes.isEmpty());
    }

    @Test
    void aHoleThatWrapsTheRegionEndIsPaddedOnBothSides() {
        SharedRing table = new SharedRing(java.nio.ByteBuffer.allocateDirect(RingLayout.HEADER_LENGTH));
        int capacity = 1024;
        assertTrue(Holes.record(table, capacity, 3, 1000, 48));   // [1000, 1024) and [0, 24)
        Holes holes = new Holes(table, capacity);
        assertNull(holes.load());
        assertEquals(24, holes.paddingAt(1000, 8, 24));
        assertEquals(24, holes.paddingAt(0, 8, capacity));
        assertEquals(16, holes.paddingAt(8, 8, capacity - 8));
    }

    /**
     * A region's taker pads over the old holder's reserved range by CAS from the end marker it
     * read; the old holder's commit, in flight when it was taken over, lands between that read and
     * the CAS. The CAS fails, the taker finds the late record, steps over it and pads after it:
     * the late record (committed: its CAS succeeded) and the taker's record are both delivered.
     * A padding stored without the CAS would overwrite the committed record; a failed CAS taken for
     * a success would leave the consumer stopped at the old holder's end marker for ever.
     */
    @Test
    void aLateCommitThatBeatsTheTakersPaddingIsSteppedOverAndDelivered() {
        RingConfig config = new RingConfig(256, 64);
        java.nio.ByteBuffer memory = java.nio.ByteBuffer.allocateDirect((int) config.fileLength());
        SharedRing oldView = new SharedRing(memory);
        oldView.initialiseHeader(config, 1, 0);
        RingProducer old = new RingProducer(oldView, config, null, 1L);      // a region's producer, epoch 1
        RingConsumer consumer = new RingConsumer(oldView, config, null);
        ClaimedRecord stalled = old.tryClaim(8);                              // [0, 16), then it stalls
        stalled.putBytes(0, record(0, 8), 0, 8);
        boolean[] resumed = {false};
        SharedRing takerView = new SharedRing(memory) {
            @Override
            boolean writePadding(int index, long expected, int length) {
                if (!resumed[0]) {
                    resumed[0] = true;
                    old.commit();                                            // between ReadSlot and the CAS
                }
                return super.writePadding(index, expected, length);
            }
        };
        RingProducer taker = new RingProducer(takerView, config, null, 2L);  // takes over: a hole over [0, 24)
        assertTrue(taker.offer(record(1, 8)));
        assertTrue(resumed[0], "the taker padded over the hole");
        assertEquals(40, taker.position(), "the late record (16), a padding to the hole's end (8), the record (16)");
        int[] next = {0};
        assertEquals(2, drainInOrder(consumer, next), "the late record, then the taker's");
        assertFalse(taker.isPoisoned() || consumer.isPoisoned());
        assertThrows(RegionException.class, () -> old.offer(new byte[1]), "the old holder lost its role");
    }
}
