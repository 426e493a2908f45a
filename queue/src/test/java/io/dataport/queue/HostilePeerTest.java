package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A peer that writes nonsense into the shared region poisons our end with one clear exception
 * ({@link RingCorruptedException}), never an out-of-bounds access, a hang or another exception.
 *
 * <p>Layout version 3 (commit in the record): the consumer never reads the producer position; it
 * validates each header it reads (an end marker, a record, a padding, or corrupt) and never passes
 * its own published position + capacity, the end marker's slot included. An end marker is type -2
 * with its writer's 16-bit epoch in the length field; a type -2 word whose length is no 16-bit
 * epoch is corrupt. The producer validates the consumer position, the slot at its frontier (it
 * must hold an end marker), the word at a lap's first slot it CASes its end marker over, and, when
 * it attaches, the producer position hint and the headers of its recovery scan.
 */
class HostilePeerTest {

    private static final int CAPACITY = 256;
    private static final int MAX = 120;

    /** A release store of one header word at data index {@code index}. */
    private static void header(TestRing ring, int index, long word) {
        ring.shared.scribble(HEADER_LENGTH + index, word);
    }

    // ---- the consumer against a hostile producer: headers --------------------------------------

    @Test
    void recordLongerThanTheMaximumIsRefused() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        header(ring, 0, packHeader(MAX + 137, 0));
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> fail(), 10), "length 257");
    }

    @Test
    void negativeLengthAndReservedTypesAreRefused() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        header(ring, 0, packHeader(-8, 0));
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> fail(), 10), "length -8");
        TestRing typed = new TestRing(CAPACITY, MAX);
        header(typed, 0, packHeader(8, -3));
        assertPoisoned(typed.consumer, () -> typed.consumer.poll(r -> fail(), 10), "type -3");
        TestRing lowest = new TestRing(CAPACITY, MAX);
        header(lowest, 0, packHeader(0, Integer.MIN_VALUE));
        assertPoisoned(lowest.consumer, () -> lowest.consumer.poll(r -> fail(), 10), "type " + Integer.MIN_VALUE);
    }

    /**
     * A type -2 word is an end marker ("no record yet") only with a 16-bit epoch, its writer's, in
     * the length field: with any other length (negative, or 2^16 and more) it is corrupt.
     */
    @Test
    void anEndTypeWordWhoseLengthIsNoEpochIsCorrupt() {
        for (int length : new int[] {-1, EPOCH_MASK + 1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            TestRing ring = new TestRing(CAPACITY, MAX);
            header(ring, 0, packHeader(length, END_TYPE));
            assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> fail(), 10), "length " + length + " and type -2");
            assertEquals(0, ring.consumer.position(), "nothing consumed");
        }
        for (int epoch : new int[] {0, 1, 8, EPOCH_MASK}) {
            TestRing ring = new TestRing(CAPACITY, MAX);
            header(ring, 0, packHeader(epoch, END_TYPE));
            assertEquals(0, ring.consumer.poll(r -> fail(), 10), "the end marker of epoch " + epoch + ": no record yet");
            assertFalse(ring.consumer.isPoisoned());
        }
        TestRing ring = new TestRing(CAPACITY, MAX);
        assertTrue(ring.producer.offer(new byte[8]));                       // [0, 16), the end marker at 16
        header(ring, 16, packHeader(EPOCH_MASK + 1, END_TYPE));
        int[] delivered = {0};
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> delivered[0]++, 10), "type -2");
        assertEquals(1, delivered[0], "the valid record before the bad end-type word was delivered");
        assertEquals(16, ring.consumer.position(), "and only it was consumed");
    }

    /**
     * No end marker in reach: the consumer refuses the record whose end marker's slot would pass
     * its published position + capacity (an honest producer never writes there), after delivering
     * the valid ones before it; a batch never runs for ever.
     */
    @Test
    void recordsThatPassOneLapFromTheConsumerAreRefused() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        header(ring, 0, packHeader(120, 0));                                 // [0, 128)
        header(ring, 128, packHeader(112, 1));                               // [128, 248): its end marker's slot ends at 256
        header(ring, 248, packHeader(0, 2));                                 // [248, 256): the slot after it is the next lap's
        int[] delivered = {0};
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> delivered[0]++, 10), "capacity 256");
        assertEquals(2, delivered[0], "the records within the lap were delivered");
        assertEquals(248, ring.consumer.position(), "and only they were consumed");
    }

    /** Zeros read as headers are empty records: a ring of zeros (no end marker) is refused within one lap. */
    @Test
    void aLapOfZerosWithNoEndMarkerIsRefusedNotReadForEver() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        header(ring, 0, 0);                                                  // the creator's end marker gone
        int[] delivered = {0};
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> delivered[0]++, 1000), "passes the consumer position 0");
        assertEquals(CAPACITY / 8 - 1, delivered[0], "31 empty records fit with the end marker's slot after them");
        assertEquals(CAPACITY - 8, ring.consumer.position());
    }

    @Test
    void recordCrossingTheRegionEndIsRefusedAndValidRecordsBeforeItAreDelivered() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        ring.producer.offer(new byte[120]);
        ring.producer.offer(new byte[96]);                                   // ends at 232
        ring.drain();
        ring.producer.offer(new byte[8]);                                    // [232, 248), the end marker at 248
        header(ring, 248, packHeader(16, 0));                                // 24 bytes from 248: crosses 256
        int[] delivered = {0};
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> delivered[0]++, 10), "crosses");
        assertEquals(1, delivered[0], "the valid record before the bad one was delivered");
        assertEquals(248, ring.consumer.position(), "and only it was consumed");
    }

    @Test
    void paddingThatCrossesTheRegionEndIsRefused() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        header(ring, 0, packHeader(CAPACITY, PADDING_TYPE));
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> fail(), 10), "padding");
    }

    /** A padding over the whole lap leaves no slot for the end marker after it: no honest producer writes one. */
    @Test
    void paddingThatLeavesNoRoomForTheEndMarkerIsRefused() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        header(ring, 0, packHeader(CAPACITY - 8, PADDING_TYPE));             // [0, 256): inside the region
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> fail(), 10), "padding");
        TestRing fits = new TestRing(CAPACITY, MAX);
        header(fits, 0, packHeader(CAPACITY - 16, PADDING_TYPE));            // [0, 248), the slot [248, 256) free
        header(fits, 248, END_MARKER);
        assertEquals(0, fits.consumer.poll(r -> fail(), 10));
        assertEquals(248, fits.consumer.position(), "the padding was skipped");
    }

    /** A padding may end before the region end (it covers a hole, docs/decisions/0901): it is skipped. */
    @Test
    void aPaddingThatEndsBeforeTheRegionEndIsSkipped() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        header(ring, 0, packHeader(16, PADDING_TYPE));
        header(ring, 24, packHeader(4, 7));
        header(ring, 40, END_MARKER);
        int[] types = {-1};
        assertEquals(1, ring.consumer.poll(r -> types[0] = r.type(), 10));
        assertEquals(7, types[0]);
        assertEquals(40, ring.consumer.position());
        assertEquals(0, ring.consumer.poll(r -> fail(), 10), "the end marker: no record yet");
        assertEquals(40, ring.consumer.position());
    }

    /**
     * Bytes beyond the end marker never reach the consumer: a payload that imitates headers, stale
     * headers of an earlier lap, and a header a hostile producer forges beyond its frontier.
     */
    @Test
    void bytesThatImitateHeadersBeyondTheEndMarkerCannotBeReached() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        byte[] imitation = new byte[48];
        java.nio.ByteBuffer words = java.nio.ByteBuffer.wrap(imitation).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < imitation.length; at += 8) {
            words.putLong(at, packHeader(8, 5));                              // every word a plausible header
        }
        for (int lap = 0; lap < 3; lap++) {                                  // stale headers all over the region
            for (int i = 0; i < 3; i++) {
                assertTrue(ring.producer.offer(imitation));
            }
            List<TestRing.Seen> seen = ring.drain();
            assertEquals(3, seen.size(), "lap " + lap + ": exactly the records offered");
            for (TestRing.Seen record : seen) {
                assertArrayEquals(imitation, record.payload());
            }
            long frontier = ring.producer.position();
            assertEquals(frontier, ring.consumer.position());
            long marker = ring.shared.readRecordHeader((int) frontier & (CAPACITY - 1));
            assertTrue(isEndMarker(marker), "the end marker at the frontier, over whatever the lap before left there: 0x"
                    + Long.toHexString(marker));
        }
        int frontier = (int) ring.producer.position() & (CAPACITY - 1);
        header(ring, (frontier + 8) & (CAPACITY - 1), packHeader(8, 6));    // forged behind the end marker
        assertEquals(0, ring.consumer.poll(r -> fail(), 10), "the end marker stops the consumer first");
        assertFalse(ring.consumer.isPoisoned());
    }

    /**
     * A header a hostile producer forges at its frontier (over the end marker) is a record only if it
     * keeps every rule: then it is the producer's record, read inside the region and within the lap;
     * any rule broken and it is refused.
     */
    @Test
    void aHeaderForgedAtTheFrontierIsARecordOnlyWithinTheRules() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        assertTrue(ring.producer.offer(new byte[8]));                       // [0, 16), the end marker at 16
        ring.drain();
        header(ring, 16, packHeader(16, 3));                                 // [16, 40)
        header(ring, 40, END_MARKER);
        int[] seen = {-1, -1};
        assertEquals(1, ring.consumer.poll(r -> { seen[0] = r.length(); seen[1] = r.type(); }, 10));
        assertArrayEquals(new int[] {16, 3}, seen);
        assertEquals(40, ring.consumer.position());
        header(ring, 40, packHeader(MAX, 0));                                // [40, 168): a whole record...
        header(ring, 168, packHeader(MAX, 0));                               // ...and one that would cross the region end
        int[] delivered = {0};
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> delivered[0]++, 10), "crosses the region end or passes");
        assertEquals(1, delivered[0]);
    }

    /** The producer position is only the producer's recovery hint: whatever it holds, the consumer reads on. */
    @Test
    void theConsumerNeverReadsTheProducerPosition() {
        for (long word : new long[] {12, 1032, -8, 0, Long.MIN_VALUE}) {
            TestRing ring = new TestRing(CAPACITY, MAX);
            assertTrue(ring.producer.offer(new byte[8]));
            ring.shared.scribble(PRODUCER_POSITION_OFFSET, word);
            assertEquals(1, ring.consumer.poll(r -> { }, 10), "word " + word);
            assertEquals(0, ring.consumer.poll(r -> fail(), 10));
            assertEquals(16, ring.consumer.position());
        }
    }

    @Test
    void misalignedConsumerPositionIsRefusedAtAttach() {
        SharedRing shared = SharedRing.allocate(new RingConfig(CAPACITY, MAX), 0);
        shared.scribble(CONSUMER_POSITION_OFFSET, 12);
        RingCorruptedException e = assertThrows(RingCorruptedException.class,
                () -> new RingConsumer(shared, new RingConfig(CAPACITY, MAX), null));
        assertTrue(e.getMessage().contains("not 8-byte aligned"), e.getMessage());
    }

    // ---- the producer against a hostile consumer: the consumer position ------------------------

    @Test
    void consumerPositionThatPassesWhatWasMadeVisibleIsRefused() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        ring.producer.offer(new byte[112]);
        ring.producer.offer(new byte[112]);                                  // [0, 240), the end marker at 240
        ring.shared.scribble(CONSUMER_POSITION_OFFSET, 264);
        assertPoisoned(ring.producer, () -> ring.producer.tryClaim(16), "passed what we made visible");
    }

    /** Committed but not published: the held header keeps the end marker, so no consumer can be past it. */
    @Test
    void consumerPositionInsideAnUnpublishedBatchIsRefused() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        for (int i = 0; i < 2; i++) {
            assertNotNull(ring.producer.tryClaim(112));
            ring.producer.commitBatched();                                   // [0, 120) held back, [120, 240) behind it
        }
        ring.shared.scribble(CONSUMER_POSITION_OFFSET, 120);
        assertPoisoned(ring.producer, () -> ring.producer.tryClaim(16), "passed what we made visible, 0");
    }

    @Test
    void consumerPositionThatMovesBackOrIsMisalignedIsRefused() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        ring.producer.offer(new byte[112]);
        ring.producer.offer(new byte[112]);                                  // a claim of 16 needs a re-read
        ring.shared.scribble(CONSUMER_POSITION_OFFSET, -128);
        assertPoisoned(ring.producer, () -> ring.producer.tryClaim(8), "moved back");
        TestRing other = new TestRing(CAPACITY, MAX);
        other.producer.offer(new byte[112]);
        other.producer.offer(new byte[112]);
        other.shared.scribble(CONSUMER_POSITION_OFFSET, 3);
        assertPoisoned(other.producer, () -> other.producer.offer(new byte[1]), "misaligned");
    }

    // ---- the producer against a hostile consumer: the slot at its frontier ----------------------

    /** The slot where our next record goes must hold the end marker we left there: a forged header is refused. */
    @Test
    void aHeaderForgedAtTheProducersFrontierIsRefused() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        assertTrue(ring.producer.offer(new byte[8]));                       // the end marker at 16
        header(ring, 16, packHeader(8, 0));                                  // imitates a record
        assertPoisoned(ring.producer, () -> ring.producer.offer(new byte[8]), "is not the end marker our frontier must hold");
        assertEquals(1, ring.consumer.poll(r -> { }, 1), "the record committed before was not touched");
        TestRing marker = new TestRing(CAPACITY, MAX);
        assertTrue(marker.producer.offer(new byte[8]));
        header(marker, 16, packHeader(0, PADDING_TYPE));
        assertPoisoned(marker.producer, () -> marker.producer.tryClaim(8), "is not the end marker");
    }

    /**
     * The held header's slot is ours until publish. In a region's ring (commit by CAS) a peer that
     * writes there makes publish refuse; in a ring file (commit by a release store, decision 1703)
     * publish stores our header over the forgery, and the consumer gets our record.
     */
    @Test
    void aHeaderForgedOverTheHeldSlotIsRefusedAtPublishOrOverwritten() {
        RingConfig config = new RingConfig(CAPACITY, MAX);
        SharedRing shared = SharedRing.allocate(config, 0);
        RingProducer region = new RingProducer(shared, config, null, 1L);    // a region's producer: fenced
        assertNotNull(region.tryClaim(8));
        region.commitBatched();                                              // held back at 0
        shared.scribble(HEADER_LENGTH, packHeader(8, 9));
        assertPoisoned(region, region::publish, "changed under our held header");

        TestRing ring = new TestRing(CAPACITY, MAX);                         // a ring file's producer
        ring.producer.tryClaim(8).putLong(0, 42);
        ring.producer.commitBatched();
        header(ring, 0, packHeader(8, 9));
        ring.producer.publish();
        List<TestRing.Seen> seen = ring.drain();
        assertEquals(1, seen.size());
        assertEquals(0, seen.get(0).type(), "our header, not the forged type 9");
        assertFalse(ring.producer.isPoisoned());
    }

    /** An end marker of another writer's epoch at the frontier is still an end marker: the claim goes over it. */
    @Test
    void anEndMarkerOfAnotherEpochAtTheFrontierIsAnEndMarker() {
        TestRing ring = new TestRing(CAPACITY, MAX);
        assertTrue(ring.producer.offer(new byte[8]));                       // the end marker at 16
        header(ring, 16, endMarker(4711));
        assertTrue(ring.producer.offer(new byte[8]), "the claim CASes its header over exactly that word");
        assertEquals(2, ring.drain().size());
        assertFalse(ring.producer.isPoisoned());
    }

    /**
     * At a lap's first slot the end marker is CASed from the word read there before CheckEpoch: if
     * a peer changed that word meanwhile, another end marker there is enough, anything else is refused.
     */
    @Test
    void aWordChangedUnderTheEndMarkerAtALapsFirstSlotIsRefused() {
        long[] interloper = {packHeader(8, 0)};
        RingConfig config = new RingConfig(CAPACITY, MAX);
        SharedRing shared = new SharedRing(java.nio.ByteBuffer.allocateDirect((int) config.fileLength())) {
            @Override
            boolean casEndMarker(int index, long expected, long value) {
                if (interloper[0] != 0) {
                    scribble(HEADER_LENGTH + index, interloper[0]);          // the peer, between ReadEndSlot and the CAS
                    interloper[0] = 0;
                }
                return super.casEndMarker(index, expected, value);
            }
        };
        shared.initialiseHeader(config, 1, 0);
        TestRing ring = new TestRing(config, shared);
        assertTrue(ring.producer.offer(new byte[120]));                     // [0, 128)
        assertTrue(ring.producer.offer(new byte[112]));                     // [128, 248)
        ring.drain();
        assertPoisoned(ring.producer, () -> ring.producer.offer(new byte[0]), // [248, 256): its end marker at 0
                "the word at the lap's first slot changed under our end marker");
        interloper[0] = endMarker(77);
        SharedRing other = new SharedRing(java.nio.ByteBuffer.allocateDirect((int) config.fileLength())) {
            @Override
            boolean casEndMarker(int index, long expected, long value) {
                if (interloper[0] != 0) {
                    scribble(HEADER_LENGTH + index, interloper[0]);
                    interloper[0] = 0;
                }
                return super.casEndMarker(index, expected, value);
            }
        };
        other.initialiseHeader(config, 1, 0);
        TestRing fine = new TestRing(config, other);
        assertTrue(fine.producer.offer(new byte[120]));
        assertTrue(fine.producer.offer(new byte[112]));
        fine.drain();
        assertTrue(fine.producer.offer(new byte[0]), "another end marker at the lap's first slot is enough");
        assertTrue(fine.producer.offer(new byte[8]));                       // [256, 272): over that end marker
        assertEquals(2, fine.drain().size());
        assertFalse(fine.producer.isPoisoned());
    }

    // ---- the producer's attach: the hint, the positions and the recovery scan -------------------

    @Test
    void attachingToInconsistentPositionsIsRefused() {
        RingConfig config = new RingConfig(CAPACITY, MAX);
        SharedRing shared = SharedRing.allocate(config, 0);
        shared.scribble(PRODUCER_POSITION_OFFSET, 1024);
        RingCorruptedException e = assertThrows(RingCorruptedException.class, () -> new RingProducer(shared, config, null));
        assertTrue(e.getMessage().contains("1024") && e.getMessage().contains("not within the capacity"), e.getMessage());
        assertDoesNotThrow(() -> new RingConsumer(shared, config, null), "the consumer never reads the producer position");
        SharedRing full = SharedRing.allocate(config, 0);                   // a hint one capacity ahead: no room
        full.scribble(PRODUCER_POSITION_OFFSET, CAPACITY);                   // for the end marker's slot
        e = assertThrows(RingCorruptedException.class, () -> new RingProducer(full, config, null));
        assertTrue(e.getMessage().contains("not within the capacity"), e.getMessage());
        SharedRing misaligned = SharedRing.allocate(config, 0);
        misaligned.scribble(PRODUCER_POSITION_OFFSET, 12);
        e = assertThrows(RingCorruptedException.class, () -> new RingProducer(misaligned, config, null));
        assertTrue(e.getMessage().contains("not 8-byte aligned"), e.getMessage());
    }

    /**
     * The hint is lazy: it may lag behind the consumer (by up to the capacity). A restarted producer
     * then scans from the consumer position, the later of the two, and carries on from the end marker.
     */
    @Test
    void aHintThatLagsBehindTheConsumerIsFine() {
        RingConfig config = new RingConfig(CAPACITY, MAX);
        SharedRing shared = SharedRing.allocate(config, 0);
        TestRing ring = new TestRing(config, shared);
        for (int i = 0; i < 5; i++) {
            assertTrue(ring.producer.offer(TestRing.pattern(40, i)));       // [0, 240) in records of 48
        }
        assertEquals(5, ring.drain().size());
        shared.scribble(PRODUCER_POSITION_OFFSET, 48);                       // a boundary 192 behind the consumer
        RingProducer restarted = new RingProducer(shared, config, null);
        assertEquals(240, restarted.position(), "scanned from the consumer position to the end marker");
        assertTrue(restarted.offer(TestRing.pattern(40, 9)));
        List<TestRing.Seen> seen = ring.drain();
        assertEquals(1, seen.size());
        assertArrayEquals(TestRing.pattern(40, 9), seen.get(0).payload());
        assertFalse(restarted.isPoisoned());
    }

    /** A hint behind unread records: the scan steps over each of them, validated, to the end marker. */
    @Test
    void aHintBehindUnreadRecordsIsScannedForward() {
        RingConfig config = new RingConfig(CAPACITY, MAX);
        SharedRing shared = SharedRing.allocate(config, 0);
        TestRing ring = new TestRing(config, shared);
        for (int i = 0; i < 4; i++) {
            assertTrue(ring.producer.offer(TestRing.pattern(40, i)));       // [0, 192)
        }
        shared.scribble(PRODUCER_POSITION_OFFSET, 48);
        RingProducer restarted = new RingProducer(shared, config, null);
        assertEquals(192, restarted.position());
        assertTrue(restarted.offer(TestRing.pattern(8, 4)));
        assertEquals(5, ring.drain().size(), "the four records, then the restarted producer's");
    }

    /** Garbage on the way from the hint to the end marker poisons the restarting producer, within one lap. */
    @Test
    void aRecoveryScanOverGarbagePoisonsTheProducer() {
        RingConfig config = new RingConfig(CAPACITY, MAX);
        long[][] cases = {
            {0, packHeader(5, -7)},                       // neither a record, a padding nor the end marker
            {0, packHeader(EPOCH_MASK + 1, END_TYPE)},    // an end-type word whose length is no 16-bit epoch
            {0, packHeader(-8, END_TYPE)},
            {0, packHeader(MAX + 1, 0)},                  // longer than the maximum
            {0, packHeader(-16, PADDING_TYPE)},           // a negative padding
            {240, packHeader(16, 0)},                     // crosses the region end
            {0, 0},                                       // zeros up to the lap's end: no end marker in reach
        };
        for (long[] bad : cases) {
            SharedRing shared = SharedRing.allocate(config, 0);
            int at = (int) bad[0];
            shared.scribble(PRODUCER_POSITION_OFFSET, at);
            shared.scribble(CONSUMER_POSITION_OFFSET, at);
            shared.scribble(HEADER_LENGTH + at, bad[1]);
            RingCorruptedException e = assertThrows(RingCorruptedException.class, () -> new RingProducer(shared, config, null),
                    "header 0x" + Long.toHexString(bad[1]) + " at " + at);
            assertTrue(e.getMessage().contains("recovery scan"), e.getMessage());
        }
    }

    /** Paddings and records on the way are stepped over, but never past the consumer position + capacity. */
    @Test
    void aRecoveryScanStopsAtTheLapBound() {
        RingConfig config = new RingConfig(CAPACITY, MAX);
        SharedRing shared = SharedRing.allocate(config, 0);
        shared.scribble(HEADER_LENGTH, packHeader(120, 0));                  // [0, 128)
        shared.scribble(HEADER_LENGTH + 128, packHeader(112, PADDING_TYPE)); // [128, 248)
        shared.scribble(HEADER_LENGTH + 248, END_MARKER);
        assertEquals(248, new RingProducer(shared, config, null).position());
        shared.scribble(HEADER_LENGTH + 248, packHeader(0, 0));              // its end marker's slot would be the next lap's
        RingCorruptedException e = assertThrows(RingCorruptedException.class, () -> new RingProducer(shared, config, null));
        assertTrue(e.getMessage().contains("the capacity 256"), e.getMessage());
    }

    /**
     * The scan's two bounds, exactly: a record that ends at the region end is fine, one byte of a
     * record past it is not (even with an end marker right after it); records whose end marker's
     * slot ends exactly at the consumer position + capacity are fine, one record more is not. The
     * consumer position is 128 here, so a bound computed from the wrong side of it shows.
     */
    @Test
    void aRecoveryScanKeepsToTheRegionEndAndTheLapExactly() {
        RingConfig config = new RingConfig(CAPACITY, MAX);
        SharedRing shared = SharedRing.allocate(config, 0);
        shared.scribble(PRODUCER_POSITION_OFFSET, 128);
        shared.scribble(CONSUMER_POSITION_OFFSET, 128);
        shared.scribble(HEADER_LENGTH + 128, packHeader(120, 0));            // [128, 256): to the region end
        shared.scribble(HEADER_LENGTH, END_MARKER);                          // 256: index 0
        assertEquals(256, new RingProducer(shared, config, null).position());
        shared.scribble(HEADER_LENGTH, packHeader(112, 0));                  // [256, 376)
        shared.scribble(HEADER_LENGTH + 120, END_MARKER);                    // its slot ends at 128 + 256
        assertEquals(376, new RingProducer(shared, config, null).position(), "a full ring is not refused");
        shared.scribble(HEADER_LENGTH + 120, packHeader(0, 0));              // one record more: past the lap
        assertTrue(assertThrows(RingCorruptedException.class, () -> new RingProducer(shared, config, null))
                .getMessage().contains("recovery scan"));

        SharedRing crossing = SharedRing.allocate(config, 0);
        crossing.scribble(PRODUCER_POSITION_OFFSET, 240);
        crossing.scribble(CONSUMER_POSITION_OFFSET, 240);
        crossing.scribble(HEADER_LENGTH + 240, packHeader(16, 0));           // 24 bytes where 16 are left
        crossing.scribble(HEADER_LENGTH + 8, END_MARKER);                    // where it would end
        assertTrue(assertThrows(RingCorruptedException.class, () -> new RingProducer(crossing, config, null))
                .getMessage().contains("recovery scan"));
    }

    // ---- random garbage ---------------------------------------------------------------------------

    /**
     * A producer that writes random headers (end markers and end-type words among them) and garbage
     * positions: each poll returns only well-formed records inside the region and within its own lap,
     * or throws RingCorruptedException; a producer restarting over the same bytes attaches at an end
     * marker within one lap, or throws RingCorruptedException; never anything else.
     */
    @Test
    void randomGarbageNeverEscapesAsAnotherException() {
        long seed = Seeds.seed("HostilePeerTest.randomGarbageNeverEscapesAsAnotherException", 7);
        SplittableRandom random = new SplittableRandom(seed);
        RingConfig config = new RingConfig(CAPACITY, MAX);
        int poisoned = 0;
        int delivered = 0;
        int scansRefused = 0;
        int restarts = 0;
        for (int round = 0; round < 20_000; round++) {
            String where = " (seed=" + seed + ", round " + round + ")";
            TestRing ring = new TestRing(config, null);
            int records = random.nextInt(4);
            for (int i = 0; i < records; i++) {
                ring.producer.offer(new byte[random.nextInt(MAX)]);
            }
            ring.drain();
            for (int w = 0; w < 4; w++) {
                int index = random.nextInt(CAPACITY / 8) * 8;
                long word = switch (random.nextInt(5)) {
                    case 0 -> endMarker(random.nextInt(EPOCH_MASK + 1));
                    case 1 -> packHeader(random.nextInt(300) - 20, END_TYPE);
                    case 2 -> packHeader(EPOCH_MASK + 1 + random.nextInt(1 << 20), END_TYPE);
                    default -> packHeader(random.nextInt(300) - 20, random.nextInt(6) - 3);
                };
                ring.shared.scribble(HEADER_LENGTH + index, word);
            }
            ring.shared.scribble(PRODUCER_POSITION_OFFSET, ring.consumer.position() + (random.nextInt(80) - 8) * 4L);
            try {
                for (int p = 0; p < 10; p++) {
                    long before = ring.consumer.position();
                    int limit = 1 + random.nextInt(4);
                    int count = ring.consumer.poll(r -> {
                        assertTrue(r.length() >= 0 && r.length() <= MAX, "length " + r.length() + where);
                        assertTrue(r.type() >= 0, "type " + r.type() + where);
                        r.getBytes(0, new byte[r.length()], 0, r.length());
                    }, limit);
                    delivered += count;
                    long moved = ring.consumer.position() - before;
                    assertTrue(count <= limit && moved >= 8L * count && moved <= CAPACITY - 8,
                            "a poll stays within its lap: " + count + " records, " + moved + " bytes" + where);
                }
            } catch (RingCorruptedException expected) {
                poisoned++;
                assertTrue(ring.consumer.isPoisoned(), where);
                assertThrows(RingCorruptedException.class, () -> ring.consumer.poll(r -> fail(), 1), where);
            }
            long consumerPosition = ring.consumer.position();
            try {
                RingProducer restarted = new RingProducer(ring.shared, config, null);
                restarts++;
                long tail = positionNear(restarted.position(), consumerPosition); // positions are modulo 2^48
                assertTrue(tail - consumerPosition >= 0 && tail - consumerPosition <= CAPACITY,
                        "the scan ended within the lap: " + tail + ", consumer " + consumerPosition + where);
                assertTrue(isEndMarker(ring.shared.readRecordHeader((int) tail & (CAPACITY - 1))), "at an end marker" + where);
                try {
                    restarted.offer(new byte[random.nextInt(MAX)]);
                } catch (RingCorruptedException refused) {
                    assertTrue(restarted.isPoisoned(), where);
                }
            } catch (RingCorruptedException refused) {
                scansRefused++;
                assertTrue(refused.getMessage().contains("recovery scan") || refused.getMessage().contains("not within")
                                || refused.getMessage().contains("not 8-byte aligned"),
                        refused.getMessage() + where);
            }
        }
        System.out.println("HostilePeerTest: " + poisoned + " consumers poisoned, " + delivered + " records delivered, "
                + restarts + " restarts, " + scansRefused + " recovery scans refused (seed=" + seed + ")");
        assertTrue(poisoned > 1000, "the garbage really was hostile to the consumer: " + poisoned + " (seed=" + seed + ")");
        assertTrue(scansRefused > 1000, "and to the recovery scan: " + scansRefused + " (seed=" + seed + ")");
        assertTrue(delivered > 1000 && restarts > 1000, "and not only: " + delivered + " delivered, " + restarts
                + " restarts (seed=" + seed + ")");
    }

    private static void assertPoisoned(RingEnd end, Executable call, String expectedWords) {
        RingCorruptedException first = assertThrows(RingCorruptedException.class, call);
        assertTrue(first.getMessage().contains(expectedWords),
                "message should name the problem (" + expectedWords + "): " + first.getMessage());
        assertTrue(end.isPoisoned());
        RingCorruptedException again = assertThrows(RingCorruptedException.class, call);
        assertEquals(first.getMessage(), again.getMessage(), "every later call fails the same way");
    }
}
