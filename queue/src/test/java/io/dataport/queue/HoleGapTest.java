package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A claim that fits in no gap between the holes takeovers left is refused at once (decision 1801):
 * without that, a record larger than every gap makes the producer pad round the ring for ever,
 * every claim returning "full" while the consumer sees only paddings. Ring 0 of a region: capacity
 * 65536, lap prefix 8192, max record length (65536 - 8192) / 2 - 8 = 28664 (a record of 28672
 * bytes); ring 1: lap prefix 4096.
 */
class HoleGapTest {
    private static final int CAPACITY = 1 << 16;
    private static final int PREFIX = 8192;
    private static final int PREFIX1 = 4096;

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();

    private Region open(String name, int holder) {
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            Region.createFile(file, RegionTest.SIZE);
        }
        return Region.open(file, RegionTest.PAIR, RegionTest.quiet(holder).withClock(clock));
    }

    private static byte[] dataRegion(SharedRing ring) {
        byte[] copy = new byte[CAPACITY];
        ring.readPayload(0, copy, 0, CAPACITY);
        return copy;
    }

    /** Polls everything there is; returns the records' payloads. */
    private static List<byte[]> drain(RingConsumer consumer) {
        List<byte[]> seen = new ArrayList<>();
        while (consumer.poll(r -> {
            byte[] bytes = new byte[r.length()];
            r.getBytes(0, bytes, 0, bytes.length);
            seen.add(bytes);
        }, 16) > 0) {
            // keep polling
        }
        return seen;
    }

    /**
     * Claims, commits and delivers one record of {@code length} bytes: when the ring is full of the
     * claim's own paddings, the consumer skips them and the claim is tried again (at most 3 times).
     * Returns the position the record starts at.
     */
    private static long sendAndReceive(RingProducer p, RingConsumer c, int length, int seed) {
        byte[] payload = TestRing.pattern(length, seed);
        ClaimedRecord claim = null;
        for (int attempt = 0; claim == null && attempt < 3; attempt++) {
            claim = p.tryClaim(length);
            if (claim == null) {
                assertEquals(0, drain(c).size(), "only paddings stand in the way");
            }
        }
        assertNotNull(claim, "a record of " + length + " bytes was placed");
        claim.putBytes(0, payload, 0, length);
        p.commit();
        long start = p.position() - RingLayout.recordSize(length);
        List<byte[]> seen = drain(c);
        assertEquals(1, seen.size());
        assertArrayEquals(payload, seen.get(0));
        return start;
    }

    private static void assertRefused(RingProducer p, int length, int largestGap, int holes) {
        long position = p.position();
        RegionException e = null;
        ClaimedRecord claim = null;
        try {
            claim = p.tryClaim(length);
        } catch (RegionException refused) {
            e = refused;
        }
        if (e == null) {
            fail("tryClaim(" + length + ") from position " + position + " returned " + (claim == null ? "null (full)"
                    : "a claim") + " with the producer at " + p.position() + ": expected a RegionException, nothing"
                    + " written");
        }
        assertEquals("a record of " + RingLayout.recordSize(length) + " bytes fits in no gap between the " + holes
                + " holes takeovers left (largest gap " + largestGap + " bytes): send records of at most "
                + (largestGap - 8) + " payload bytes, or reset the region when no peer runs (dataport region zero)",
                e.getMessage());
        assertEquals(position, p.position(), "nothing claimed");
        assertFalse(p.hasOpenClaim());
        assertFalse(p.isPoisoned(), "not poison: the end stays usable for smaller records");
        assertFalse(p.lostRole());
    }

    @Test
    void aMaxRecordLargerThanEveryGapATakeoverLeftIsRefusedAtOnceAndSmallOnesStillFlow() {
        try (Region a = open("takeover.region", 1); Region b = open("takeover.region", 2)) {
            SharedRing ring = a.ring(0);
            RingProducer old = a.attachProducer(0);
            int max = old.maxRecordLength();
            assertEquals(28664, max);
            assertNotNull(old.tryClaim(max));                    // it stalls with a max record claimed
            assertEquals(RingLayout.packPosition(1, PREFIX + 28672 + 8), ring.readReservation(),
                    "its reservation covers the record and its end marker: [8192, 36872)");

            RingProducer taker = b.attachProducer(0);
            assertEquals(1L << 48 | (long) (PREFIX / 8) << 24 | (28672 + 8) / 8, ring.readHole(0),
                    "the hole [8192, 36872): the gap after it, [36872, 65536), is 28664 bytes, 8 short");
            try (RingConsumer consumer = a.attachConsumer(0)) {
                byte[] before = dataRegion(ring);
                long reservation = ring.readReservation();
                long hint = ring.readProducerPosition();

                assertRefused(taker, max, 28664, 1);
                assertArrayEquals(before, dataRegion(ring), "no byte of the data region was written");
                assertEquals(reservation, ring.readReservation(), "no reservation for a refused claim");
                assertEquals(hint, ring.readProducerPosition());
                assertEquals(0, drain(consumer).size(), "nothing to read");

                assertEquals(PREFIX + 28672 + 8, sendAndReceive(taker, consumer, 100, 1),
                        "a small record: a padding over the hole, then the record right after it");

                // the ring is empty of records and the consumer has read all: without the check the
                // claim pads round the ring and says "full" (null) for ever; it is refused instead
                assertEquals(taker.position(), consumer.position());
                assertRefused(taker, max, 28664, 1);
                assertThrows(RegionException.class, () -> taker.offer(new byte[max]), "offer too, at once");
                assertEquals(CAPACITY + PREFIX + 28672 + 8, sendAndReceive(taker, consumer, 28656, 2),
                        "the largest payload the message names fits: in the gap after the hole, on the next lap"
                                + " (the small record took 112 bytes of this lap's)");
            }
        }
    }

    @Test
    void aRecordExactlyTheLargestGapIsPlacedAndOneEightBytesLargerIsRefused() {
        try (Region a = open("boundary.region", 1)) {
            // ring 0: a hole [28192, 48192) leaves [8192, 28192) = 20000 and [48192, 65536) = 17344
            assertTrue(Holes.record(a.ring(0), CAPACITY, 77, PREFIX + 20000, 20000));
            try (RingProducer p = a.attachProducer(0); RingConsumer c = a.attachConsumer(0)) {
                assertRefused(p, 20000, 20000, 1);
                assertEquals(PREFIX, sendAndReceive(p, c, 20000 - 8, 3), "from the prefix up to the hole's start");
                assertEquals(PREFIX + 20000, p.position());
            }
            // ring 1 (lap prefix 4096): a hole [12096, 42096) leaves 8000 and [42096, 65536) = 23440,
            // the largest gap ending at the region end; two holes, the other inside the first gap
            SharedRing ring1 = a.ring(1);
            assertTrue(Holes.record(ring1, CAPACITY, 78, PREFIX1 + 8000, 30000));
            assertTrue(Holes.record(ring1, CAPACITY, 79, PREFIX1 + 1000, 8));
            try (RingProducer p = a.attachProducer(1); RingConsumer c = a.attachConsumer(1)) {
                assertRefused(p, 23440, 23440, 2);
                assertEquals(CAPACITY - 23440, sendAndReceive(p, c, 23440 - 8, 4), "up to the region end exactly");
                assertEquals(CAPACITY, p.position());
                assertRefused(p, 23440, 23440, 2);
            }
        }
    }

    @Test
    void aHoleThatWrapsIntoTheNextLapNarrowsTheGapAfterThePrefix() {
        try (Region a = open("wrap.region", 1)) {
            SharedRing ring = a.ring(0);
            // [61440, 65536) and, in the next lap, [0, 20192): after the prefix it covers [8192, 20192)
            assertTrue(Holes.record(ring, CAPACITY, 80, CAPACITY - 4096, 4096 + PREFIX + 12000));
            assertTrue(Holes.record(ring, CAPACITY, 81, 44192, 8000));   // [44192, 52192)
            // gaps: [20192, 44192) = 24000 and [52192, 61440) = 9248; ignoring the wrapped part it
            // would be [8192, 44192) = 36000, and the max record (28672 bytes) would fit
            try (RingProducer p = a.attachProducer(0); RingConsumer c = a.attachConsumer(0)) {
                assertRefused(p, p.maxRecordLength(), 24000, 2);
                assertRefused(p, 24000, 24000, 2);
                assertEquals(20192, sendAndReceive(p, c, 24000 - 8, 5), "after the wrapped part, up to the next hole");
            }
        }
    }

    @Test
    void aHolderThatComesBackFreesItsHoleAndTheMaxRecordFitsFromTheNextLap() {
        try (Region a = open("back.region", 1); Region b = open("back.region", 2)) {
            RingProducer old = a.attachProducer(0);
            int max = old.maxRecordLength();
            assertNotNull(old.tryClaim(max));
            RingProducer taker = b.attachProducer(0);
            try (RingConsumer consumer = a.attachConsumer(0)) {
                assertRefused(taker, max, 28664, 1);
                sendAndReceive(taker, consumer, 100, 6);         // pads over the old holder's claim
                assertThrows(RegionException.class, old::commit, "it resumes, learns it lost and frees its hole");
                assertEquals(0, a.ring(0).readHole(0));
                assertRefused(taker, max, 28664, 1);             // this lap's copy still has it
                int seed = 7;
                while (taker.position() < CAPACITY) {
                    sendAndReceive(taker, consumer, 1000, seed++);
                }
                long at = taker.position();
                assertEquals(CAPACITY + PREFIX + 1008, at, "the next lap's first record: no padding at the prefix");
                assertEquals(at, sendAndReceive(taker, consumer, max, seed),
                        "the next lap reloaded the table: no hole, and the max record fits where the tail is");
            }
        }
    }

    @Test
    void theLargestGapOfHandMadeTables() {
        int capacity = 1024;                                     // units of 8 bytes: every hole below is whole units
        int prefix = 64;
        SharedRing table = new SharedRing(java.nio.ByteBuffer.allocateDirect(RingLayout.HEADER_LENGTH));
        Holes holes = new Holes(table, capacity, prefix);
        assertNull(holes.load());
        assertEquals(0, holes.count());
        assertEquals(capacity - prefix, holes.largestGap(), "no holes: the whole lap after the prefix");
        Holes noPrefix = new Holes(table, capacity);
        assertNull(noPrefix.load());
        assertEquals(capacity, noPrefix.largestGap(), "no holes, no prefix: the whole ring");

        assertGap(table, capacity, prefix, 584, new int[][] {{400, 40}}, "in the middle: [440, 1024) beats [64, 400)");
        assertGap(table, capacity, prefix, 624, new int[][] {{688, 40}}, "[64, 688) beats [728, 1024)");
        assertGap(table, capacity, prefix, 824, new int[][] {{64, 136}}, "at the prefix: [200, 1024)");
        assertGap(table, capacity, prefix, 920, new int[][] {{0, 104}}, "from inside the prefix: [104, 1024)");
        assertGap(table, capacity, prefix, 960, new int[][] {{0, 64}}, "inside the prefix: covers no data");
        assertGap(table, capacity, prefix, 832, new int[][] {{896, 128}}, "up to the region end: [64, 896)");
        assertGap(table, capacity, prefix, 480, new int[][] {{696, 40}, {200, 16}},
                "two holes in the table out of order: [216, 696) between them");
        assertGap(table, capacity, prefix, 720, new int[][] {{200, 104}, {248, 16}}, "one inside another: [304, 1024)");
        assertGap(table, capacity, prefix, 664, new int[][] {{200, 104}, {280, 80}}, "overlapping: [360, 1024) after both");
        assertGap(table, capacity, prefix, 856, new int[][] {{960, 168}}, "wrapping: [960, 1024) and [0, 104)");
        assertGap(table, capacity, 0, 856, new int[][] {{960, 168}}, "wrapping, no prefix: [104, 960)");
        assertGap(table, capacity, prefix, 936, new int[][] {{1000, 40}}, "wrapping into the prefix only");
        assertGap(table, capacity, prefix, 0, new int[][] {{64, 960}}, "every byte after the prefix");
        assertGap(table, capacity, prefix, 8, new int[][] {{64, 480}, {552, 472}}, "one slot between them");

        int big = 1 << 30;                                       // the largest ring: units of 64 bytes
        assertGap(table, big, 8192, 1 << 29, new int[][] {{big - (1 << 20), 1 << 29}},
                "wrapping in a 1 GiB ring: [2^30 - 2^20, 2^30) and [0, 2^29 - 2^20) leave [2^29 - 2^20, 2^30 - 2^20)");
    }

    private static void assertGap(SharedRing table, int capacity, int prefix, int expected, int[][] holeList,
            String what) {
        Holes.releaseAll(table);
        for (int[] hole : holeList) {
            assertTrue(Holes.record(table, capacity, 5, hole[0], hole[1]), what);
        }
        Holes holes = new Holes(table, capacity, prefix);
        assertNull(holes.load(), what);
        assertEquals(holeList.length, holes.count(), what);
        assertEquals(expected, holes.largestGap(), what);
        Holes.releaseAll(table);
        assertNull(holes.load());
        assertEquals(capacity - prefix, holes.largestGap(), what + ": freed, reloaded");
    }
}
