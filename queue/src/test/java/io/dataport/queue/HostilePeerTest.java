package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** A peer that writes nonsense into the shared region poisons our end with one clear exception. */
class HostilePeerTest {

    @Test
    void producerPositionThatIsMisalignedIsRefused() {
        TestRing ring = new TestRing(1024, 256);
        ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, 12);
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> fail(), 10), "misaligned");
    }

    @Test
    void producerPositionMoreThanTheCapacityAheadIsRefused() {
        TestRing ring = new TestRing(1024, 256);
        ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, 1032);
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> fail(), 10), "capacity");
    }

    @Test
    void producerPositionThatMovesBackIsRefused() {
        TestRing ring = new TestRing(1024, 256);
        ring.producer.offer(new byte[8]);
        ring.drain();
        ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, -8);
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> fail(), 10), "moved back");
    }

    @Test
    void recordLongerThanTheMaximumIsRefused() {
        TestRing ring = new TestRing(1024, 256);
        ring.shared.scribble(RingLayout.HEADER_LENGTH + 0, RingLayout.packHeader(257, 0));
        ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, 512);
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> fail(), 10), "length 257");
    }

    @Test
    void negativeLengthAndReservedTypesAreRefused() {
        TestRing ring = new TestRing(1024, 256);
        ring.shared.scribble(RingLayout.HEADER_LENGTH + 0, RingLayout.packHeader(-8, 0));
        ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, 64);
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> fail(), 10), "length -8");
        TestRing typed = new TestRing(1024, 256);
        typed.shared.scribble(RingLayout.HEADER_LENGTH + 0, RingLayout.packHeader(8, -2));
        typed.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, 64);
        assertPoisoned(typed.consumer, () -> typed.consumer.poll(r -> fail(), 10), "type -2");
    }

    @Test
    void recordBeyondThePublishedPositionIsRefused() {
        TestRing ring = new TestRing(1024, 256);
        ring.shared.scribble(RingLayout.HEADER_LENGTH + 0, RingLayout.packHeader(100, 0));          // 112 bytes, but only 64 published
        ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, 64);
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> fail(), 10), "crosses");
    }

    @Test
    void recordCrossingTheRegionEndIsRefusedAndValidRecordsBeforeItAreDelivered() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.offer(new byte[120]);
        ring.producer.offer(new byte[96]);                  // ends at 232
        ring.drain();
        ring.producer.offer(new byte[8]);                   // [232, 248)
        ring.shared.scribble(RingLayout.HEADER_LENGTH + 248, RingLayout.packHeader(16, 0));          // 24 bytes from 248: crosses 256
        ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, 232 + 16 + 24);
        int[] delivered = {0};
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> delivered[0]++, 10), "crosses");
        assertEquals(1, delivered[0], "the valid record before the bad one was delivered");
        assertEquals(248, ring.consumer.position(), "and only it was consumed");
    }

    @Test
    void paddingThatCrossesTheRegionEndIsRefused() {
        TestRing ring = new TestRing(256, 120);
        ring.shared.scribble(RingLayout.HEADER_LENGTH + 0, RingLayout.packHeader(256, RingLayout.PADDING_TYPE));
        ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, 256);
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> fail(), 10), "padding");
    }

    @Test
    void paddingThatPassesThePublishedPositionIsRefused() {
        TestRing ring = new TestRing(256, 120);
        ring.shared.scribble(RingLayout.HEADER_LENGTH + 0, RingLayout.packHeader(16, RingLayout.PADDING_TYPE));
        ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, 16);
        assertPoisoned(ring.consumer, () -> ring.consumer.poll(r -> fail(), 10), "padding");
    }

    /** A padding may end before the region end (it covers a hole, docs/decisions/0901): it is skipped. */
    @Test
    void aPaddingThatEndsBeforeTheRegionEndIsSkipped() {
        TestRing ring = new TestRing(256, 120);
        ring.shared.scribble(RingLayout.HEADER_LENGTH + 0, RingLayout.packHeader(16, RingLayout.PADDING_TYPE));
        ring.shared.scribble(RingLayout.HEADER_LENGTH + 24, RingLayout.packHeader(4, 7));
        ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, 40);
        int[] types = {-1};
        assertEquals(1, ring.consumer.poll(r -> types[0] = r.type(), 10));
        assertEquals(7, types[0]);
        assertEquals(40, ring.consumer.position());
    }

    @Test
    void consumerPositionThatPassesTheProducerIsRefused() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.offer(new byte[120]);
        ring.producer.offer(new byte[120]);
        ring.shared.scribble(RingLayout.CONSUMER_POSITION_OFFSET, 264);
        assertPoisoned(ring.producer, () -> ring.producer.tryClaim(8), "passed the producer");
    }

    @Test
    void consumerPositionThatMovesBackOrIsMisalignedIsRefused() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.offer(new byte[120]);
        ring.producer.offer(new byte[120]);
        ring.shared.scribble(RingLayout.CONSUMER_POSITION_OFFSET, -128);
        assertPoisoned(ring.producer, () -> ring.producer.tryClaim(8), "moved back");
        TestRing other = new TestRing(256, 120);
        other.producer.offer(new byte[120]);
        other.producer.offer(new byte[120]);
        other.shared.scribble(RingLayout.CONSUMER_POSITION_OFFSET, 3);
        assertPoisoned(other.producer, () -> other.producer.offer(new byte[1]), "misaligned");
    }

    @Test
    void attachingToInconsistentPositionsIsRefused() {
        TestRing ring = new TestRing(256, 120);
        ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, 1024);
        RingCorruptedException e = assertThrows(RingCorruptedException.class,
                () -> new RingConsumer(ring.shared, ring.config, null));
        assertTrue(e.getMessage().contains("1024"), e.getMessage());
        assertThrows(RingCorruptedException.class, () -> new RingProducer(ring.shared, ring.config, null));
    }

    /**
     * A producer that writes random headers, garbage and positions: the consumer returns only
     * records inside what was published, or throws RingCorruptedException; never anything else.
     */
    @Test
    void randomGarbageNeverEscapesAsAnotherException() {
        long seed = Seeds.seed("HostilePeerTest.randomGarbageNeverEscapesAsAnotherException", 7);
        SplittableRandom random = new SplittableRandom(seed);
        int poisoned = 0;
        for (int round = 0; round < 20_000; round++) {
            TestRing ring = new TestRing(256, 120);
            int records = random.nextInt(4);
            for (int i = 0; i < records; i++) {
                ring.producer.offer(new byte[random.nextInt(120)]);
            }
            ring.drain();
            for (int w = 0; w < 4; w++) {
                int index = random.nextInt(32) * 8;
                ring.shared.scribble(RingLayout.HEADER_LENGTH + index, RingLayout.packHeader(random.nextInt(300) - 20, random.nextInt(6) - 3));
            }
            long start = ring.consumer.position();
            long published = start + (random.nextInt(80) - 8) * 4L;
            ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, published);
            try {
                for (int polls = 0; polls < 10; polls++) {
                    ring.consumer.poll(r -> {
                        assertTrue(r.length() >= 0 && r.length() <= 120);
                        assertTrue(r.type() >= 0);
                        r.getBytes(0, new byte[r.length()], 0, r.length());
                    }, 1 + random.nextInt(4));
                }
                long consumed = ring.consumer.position() - start;
                assertTrue(consumed >= 0 && consumed <= published - start,
                        "consumed within what was published (seed=" + seed + ", round " + round + ")");
            } catch (RingCorruptedException expected) {
                poisoned++;
                assertTrue(ring.consumer.isPoisoned());
            }
        }
        assertTrue(poisoned > 1000, "the garbage really was hostile: " + poisoned + " (seed=" + seed + ")");
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
