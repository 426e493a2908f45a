package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte-exact checks of what a takeover records and how a producer pads over holes (decision 0901),
 * in ring 0 of a region (lap prefix 8192, capacity 65536, so reservations come in chunks of 4096).
 * {@link FencingTest} shows that the fencing protects records; this one pins down where every
 * hole, padding and record lands.
 */
class HolePaddingTest {
    private static final int PREFIX = 8192;

    @TempDir
    Path dir;

    private Region open(int holder, ManualClock clock) {
        Path file = dir.resolve("holes.region");
        if (!java.nio.file.Files.exists(file)) {
            Region.createFile(file, RegionTest.SIZE);
        }
        return Region.open(file, RegionTest.PAIR, RegionTest.quiet(holder).withClock(clock));
    }

    private static long header(SharedRing ring, long position, int capacity) {
        return ring.readRecordHeader((int) position & (capacity - 1));
    }

    @Test
    void theTakerRecordsExactlyTheUnpublishedReservationAndPadsOverIt() {
        ManualClock clock = new ManualClock();
        try (Region a = open(1, clock); Region b = open(2, clock)) {
            SharedRing ring = a.ring(0);
            int capacity = RegionTest.PAIR.rings().get(0).capacity();
            RingProducer old = a.attachProducer(0);
            assertTrue(old.offer(new byte[100]));               // [8192, 8304): the first lap starts after the prefix
            assertEquals(PREFIX + 112, old.position());
            // its reservation: one chunk (capacity / 16) from where it started, the prefix's end
            assertEquals(RingLayout.packPosition(1, PREFIX + 4096), ring.readReservation());

            assertEquals(RingLayout.packPosition(1, PREFIX), ring.readProducerPosition(),
                    "the recovery hint, moved when it reserved: the frontier then");

            RingProducer taker = b.attachProducer(0);
            long hole = 1L << 48 | (long) (PREFIX / 8) << 24 | 4096 / 8;
            assertEquals(hole, ring.readHole(0), "epoch 1, [8192, 12288) in units of 8: from the hint");
            assertEquals(RingLayout.packPosition(2, PREFIX + 4096), ring.readReservation(), "fenced, same end");
            assertEquals(RingLayout.packPosition(2, PREFIX), ring.readProducerPosition(), "fenced, same position");
            assertEquals(PREFIX + 112, taker.position(), "the scan stepped over old's committed record");

            assertTrue(taker.offer(new byte[100]));
            assertEquals(RingLayout.packHeader(4096 - 112 - 8, RingLayout.PADDING_TYPE),
                    header(ring, PREFIX + 112, capacity), "a padding over the whole hole");
            assertEquals(RingLayout.packHeader(100, 0), header(ring, PREFIX + 4096, capacity), "the record after it");
            assertEquals(PREFIX + 4096 + 112, taker.position());

            try (RingConsumer consumer = a.attachConsumer(0)) {
                int[] lengths = {0, 0};
                assertEquals(2, consumer.poll(r -> lengths[lengths[0] == 0 ? 0 : 1] = r.length() + 1, 10));
                assertEquals(PREFIX + 4096 + 112, consumer.position(), "the padding was skipped");
            }
            taker.close();
            assertEquals(RingLayout.packPosition(2, PREFIX + 4096 + 112), ring.readReservation(),
                    "closing shrinks the reservation to what was published");
            old.close();
        }
    }

    @Test
    void aRecordThatWouldOverlapAHoleIsPaddedToItsStartThenOverIt() {
        ManualClock clock = new ManualClock();
        try (Region a = open(1, clock)) {
            SharedRing ring = a.ring(0);
            int capacity = RegionTest.PAIR.rings().get(0).capacity();
            assertTrue(Holes.record(ring, capacity, 77, PREFIX + 200, 64));   // a hole left by a holder that never came back
            try (RingProducer p = a.attachProducer(0); RingConsumer c = a.attachConsumer(0)) {
                assertTrue(p.offer(new byte[96]));               // [8192, 8296)
                assertTrue(p.offer(new byte[96]));               // would end at 8400, past the hole's start 8392
                assertEquals(RingLayout.packHeader(96 - 8, RingLayout.PADDING_TYPE), header(ring, PREFIX + 104, capacity),
                        "a padding [8296, 8392) up to the hole");
                assertEquals(RingLayout.packHeader(64 - 8, RingLayout.PADDING_TYPE), header(ring, PREFIX + 200, capacity),
                        "a padding over the hole [8392, 8456)");
                assertEquals(RingLayout.packHeader(96, 0), header(ring, PREFIX + 264, capacity));
                assertEquals(PREFIX + 264 + 104, p.position());
                assertEquals(2, c.poll(r -> assertEquals(96, r.length()), 10));

                // the holder of epoch 77 frees its hole; the producer drops it at its next lap
                Holes.release(ring, 77);
                long lap = p.position() / capacity;
                byte[] record = new byte[96];
                while (p.position() / capacity == lap || p.position() % capacity < PREFIX + 300) {
                    assertTrue(p.offer(record));
                    c.poll(r -> { }, 10);
                }
                long at = (p.position() / capacity) * capacity + PREFIX + 208;   // records of 104 from the prefix
                assertEquals(RingLayout.packHeader(96, 0), header(ring, at, capacity),
                        "no padding where the freed hole was: a record of the second lap");
            }
        }
    }

    @Test
    void aResumedHolderThatMustExtendItsReservationLearnsItLostThere() {
        ManualClock clock = new ManualClock();
        try (Region a = open(1, clock); Region b = open(2, clock)) {
            RingProducer old = a.attachProducer(0);
            byte[] big = new byte[2000];
            assertTrue(old.offer(big));                          // reserved [8192, 12288)
            assertTrue(old.offer(big));
            RingProducer taker = b.attachProducer(0);
            RegionException e = assertThrows(RegionException.class, () -> old.offer(big)); // needs a new chunk
            assertTrue(e.getMessage().contains("the reservation word changed under us"), e.getMessage());
            taker.close();
        }
    }

    @Test
    void aResumedHoldersCommitFailsOnTheHeaderItsTakerWroteThere() {
        ManualClock clock = new ManualClock();
        try (Region a = open(1, clock); Region b = open(2, clock)) {
            RingProducer old = a.attachProducer(0);
            ClaimedRecord claim = old.tryClaim(100);             // it stalls with its claim open
            claim.putLong(0, 1);
            RingProducer taker = b.attachProducer(0);
            assertTrue(taker.offer(new byte[10]));                // pads over old's reservation, the claim's slot
            RegionException e = assertThrows(RegionException.class, old::commit);
            assertTrue(e.getMessage().contains("the header word at index " + PREFIX + " changed under our held header"),
                    e.getMessage());
            taker.close();
        }
    }

    @Test
    void aPaddingThatCrossesTheRegionEndByOneSlotIsRefusedAnywhere() {
        TestRing ring = new TestRing(256, 120);
        assertTrue(ring.producer.offer(new byte[120]));          // [0, 128)
        assertEquals(1, ring.consumer.poll(r -> { }, 1));
        ring.shared.scribble(RingLayout.HEADER_LENGTH + 128, RingLayout.packHeader(128, RingLayout.PADDING_TYPE));
        ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, 384);
        RingCorruptedException e = assertThrows(RingCorruptedException.class, () -> ring.consumer.poll(r -> fail(), 10));
        assertTrue(e.getMessage().startsWith("ring corrupted: padding at position 128 has length 128 but the region end"
                + " is 120 bytes after its header"), e.getMessage());
    }

    @Test
    void aHeaderThatPassesOneLapAfterTheConsumerPositionByOneSlotIsRefused() {
        TestRing ring = new TestRing(256, 120);
        ring.shared.scribble(RingLayout.HEADER_LENGTH + 0, RingLayout.packHeader(120, 0));     // [0, 128)
        ring.shared.scribble(RingLayout.HEADER_LENGTH + 128, RingLayout.packHeader(112, 0));   // [128, 248)
        ring.shared.scribble(RingLayout.HEADER_LENGTH + 248, RingLayout.packHeader(0, RingLayout.PADDING_TYPE));
        int[] delivered = {0};
        RingCorruptedException e = assertThrows(RingCorruptedException.class,
                () -> ring.consumer.poll(r -> delivered[0]++, 10));
        assertTrue(e.getMessage().contains("passes the consumer position 0 + the capacity 256"), e.getMessage());
        assertEquals(2, delivered[0], "the records before it were within the lap: an end marker after them fits");
        TestRing exact = new TestRing(256, 120);
        exact.shared.scribble(RingLayout.HEADER_LENGTH + 0, RingLayout.packHeader(120, 0));
        exact.shared.scribble(RingLayout.HEADER_LENGTH + 128, RingLayout.packHeader(112, 0));
        exact.shared.scribble(RingLayout.HEADER_LENGTH + 248, RingLayout.END_MARKER);
        assertEquals(2, exact.consumer.poll(r -> { }, 10));
        assertEquals(248, exact.consumer.position(), "a full ring: 248 bytes of records and the end marker");
    }

    @Test
    void holeWordsAreValidatedAtTheirExactLimits() {
        SharedRing table = new SharedRing(java.nio.ByteBuffer.allocateDirect(RingLayout.HEADER_LENGTH));
        int capacity = 1024;
        Holes holes = new Holes(table, capacity);
        table.scribble(RingLayout.HOLE_TABLE_OFFSET, 3L << 48 | (long) (1016 / 8) << 24 | 8 / 8);
        table.scribble(RingLayout.HOLE_TABLE_OFFSET + 8, 3L << 48 | (1016 / 8));   // length: the rest of the ring
        assertNull(holes.load(), "the last unit, and a hole one unit short of the ring, are holes");
        assertEquals(8, holes.paddingAt(1016, 8, 8));
        table.scribble(RingLayout.HOLE_TABLE_OFFSET + 8, 3L << 48 | (long) (1024 / 8) << 24 | 1);
        assertTrue(holes.load().startsWith("hole table slot 1 holds"), "a start at the region end");
        table.scribble(RingLayout.HOLE_TABLE_OFFSET + 8, 3L << 48 | 1024 / 8);
        assertTrue(holes.load().contains("length 1024"), "a hole of the whole ring");
        table.scribble(RingLayout.HOLE_TABLE_OFFSET + 8, 3L << 48 | 8L << 24);
        assertTrue(holes.load().contains("length 0"), "an empty hole");
    }

    @Test
    void paddingStopsExactlyAtAHolesEndAndPicksTheNearestHoleAhead() {
        SharedRing table = new SharedRing(java.nio.ByteBuffer.allocateDirect(RingLayout.HEADER_LENGTH));
        int capacity = 1024;
        assertTrue(Holes.record(table, capacity, 4, 400, 40));       // [400, 440)
        assertTrue(Holes.record(table, capacity, 4, 200, 16));       // [200, 216)
        Holes holes = new Holes(table, capacity);
        assertNull(holes.load());
        assertEquals(0, holes.paddingAt(440, 64, capacity - 440), "at a hole's end: no padding");
        assertEquals(8, holes.paddingAt(432, 64, capacity - 432), "its last slot");
        assertEquals(0, holes.paddingAt(136, 64, capacity - 136), "a record that ends exactly at the next hole");
        assertEquals(56, holes.paddingAt(144, 64, capacity - 144), "the nearest hole ahead, not the farther one");
        assertEquals(0, holes.paddingAt(216, 184, capacity - 216), "up to the second hole exactly");
        assertEquals(184, holes.paddingAt(216, 192, capacity - 216));
        assertEquals(capacity - 1000, holes.paddingAt(1000, 32, capacity - 1000), "to the region end first");
        assertEquals(100, holes.paddingAt(100, 320, capacity - 100), "both holes ahead: the nearer one");
    }

    @Test
    void aRingFilesAttachFreesEveryHoleItsLockProvesStale() {
        TestRing first = new TestRing(1024, 256);
        assertTrue(Holes.record(first.shared, 1024, 9, 64, 64));
        assertTrue(Holes.record(first.shared, 1024, 10, 512, 64));
        RingProducer next = new RingProducer(first.shared, first.config, null);   // a ring file's attach, under its lock
        for (int slot = 0; slot < RingLayout.HOLE_SLOTS; slot++) {
            assertEquals(0, first.shared.readHole(slot), "slot " + slot);
        }
        for (int i = 0; i < 8; i++) {
            assertTrue(next.offer(new byte[56]));                // [0, 512): no padding where the holes were
        }
        assertEquals(512, next.position());
    }

    @Test
    void aFenceOfTheFencedWordsByASameEpochScribblerIsCorruptionNotALoss() {
        ManualClock clock = new ManualClock();
        try (Region a = open(1, clock)) {
            SharedRing ring = a.ring(0);
            try (RingProducer p = a.attachProducer(0)) {
                assertTrue(p.offer(new byte[8]));
                ring.scribble(RingLayout.PRODUCER_POSITION_OFFSET, RingLayout.packPosition(1, PREFIX + 8));
                // the hint's next CAS comes with the next reservation: a record larger than the chunk
                RingCorruptedException e = assertThrows(RingCorruptedException.class, () -> p.offer(new byte[8000]));
                assertTrue(e.getMessage().contains("yet the position and reservation words still hold our epoch 1"),
                        e.getMessage());
                assertFalse(p.lostRole());
            }
            try (RingProducer q = a.attachProducer(0)) {           // epoch 2; its reservation says epoch 2
                ring.scribble(RingLayout.RESERVATION_OFFSET, RingLayout.packPosition(7, PREFIX));
                RegionException e = assertThrows(RegionException.class, () -> q.offer(new byte[8000]));
                assertTrue(e.getMessage().contains("the reservation word changed under us"), e.getMessage());
                assertTrue(q.lostRole(), "another epoch in the reservation word: lost");
            }
        }
    }

    @Test
    void aReservationWordFarAheadOfThePositionPoisonsTheTaker() {
        ManualClock clock = new ManualClock();
        try (Region a = open(1, clock)) {
            SharedRing ring = a.ring(0);
            int capacity = RegionTest.PAIR.rings().get(0).capacity();
            ring.scribble(RingLayout.RESERVATION_OFFSET, RingLayout.packPosition(0, capacity + 8));
            RingCorruptedException e = assertThrows(RingCorruptedException.class, () -> a.attachProducer(0));
            assertTrue(e.getMessage().contains("the reservation end " + (capacity + 8) + " is more than the capacity"),
                    e.getMessage());
        }
    }

    @Test
    void aTakeoverRefusedForAFullTableSaysHowLargeTheRangeWas() {
        ManualClock clock = new ManualClock();
        try (Region a = open(1, clock); Region b = open(2, clock)) {
            SharedRing ring = a.ring(0);
            for (int i = 0; i < RingLayout.HOLE_SLOTS; i++) {
                assertTrue(Holes.record(ring, 1 << 16, 100 + i, 60000 + 8 * (i % 8), 8));
            }
            RingProducer old = a.attachProducer(0);
            assertTrue(old.offer(new byte[100]));                // its hint at 8192 (where it reserved), reserved to 12288
            RegionException e = assertThrows(RegionException.class, () -> b.attachProducer(0));
            assertTrue(e.getMessage().contains("unpublished range (4096 bytes)"), e.getMessage());
        }
    }
}
