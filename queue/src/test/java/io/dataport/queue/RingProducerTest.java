package io.dataport.queue;

import static io.dataport.queue.RingLayout.recordSize;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingProducerTest {

    @Test
    void recordOfLengthZeroIsDelivered() {
        TestRing ring = new TestRing(1024, 256);
        assertNotNull(ring.producer.tryClaim(0, 5));
        ring.producer.commit();
        List<TestRing.Seen> seen = ring.drain();
        assertEquals(1, seen.size());
        assertEquals(0, seen.get(0).payload().length);
        assertEquals(5, seen.get(0).type());
        assertEquals(8, ring.producer.position(), "a zero-length record is one 8-byte header");
    }

    @Test
    void recordOfLengthOneIsPaddedToEightBytes() {
        TestRing ring = new TestRing(1024, 256);
        assertTrue(ring.producer.offer(new byte[] {42}));
        assertEquals(16, ring.producer.position());
        assertArrayEquals(new byte[] {42}, ring.drain().get(0).payload());
    }

    @Test
    void recordOfMaximumLengthIsDeliveredAndOneMoreIsRefused() {
        TestRing ring = new TestRing(1024, 504);
        byte[] max = TestRing.pattern(504, 3);
        assertTrue(ring.producer.offer(max));
        assertArrayEquals(max, ring.drain().get(0).payload());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ring.producer.tryClaim(505));
        assertTrue(e.getMessage().contains("505"), e.getMessage());
        assertFalse(ring.producer.hasOpenClaim());
    }

    @Test
    void maximumRecordAlwaysFitsAnEmptyRingWhereverThePositionIs() {
        int capacity = 256;
        TestRing ring = new TestRing(capacity, RingLayout.maxRecordLengthFor(capacity));
        for (int shift = 0; shift < capacity; shift += 8) {
            assertNotNull(ring.producer.tryClaim(RingLayout.maxRecordLengthFor(capacity)), "at " + shift);
            ring.producer.commit();
            assertEquals(1, ring.drain().size());
            ring.producer.offer(new byte[0]); // move by 8 bytes
            ring.drain();
        }
    }

    @Test
    void recordThatExactlyFillsToTheEndNeedsNoPadding() {
        TestRing ring = new TestRing(256, 120);
        assertTrue(ring.producer.offer(new byte[120]));    // 128 bytes: [0, 128)
        assertTrue(ring.producer.offer(new byte[112]));    // 120 bytes: [128, 248)
        ring.drain();
        byte[] last = TestRing.pattern(0, 1);
        assertTrue(ring.producer.offer(last));              // exactly [248, 256)
        assertEquals(256, ring.producer.position(), "no padding before an exact fit");
        byte[] next = TestRing.pattern(16, 2);
        assertTrue(ring.producer.offer(next));
        assertEquals(256 + recordSize(16), ring.producer.position());
        List<TestRing.Seen> seen = ring.drain();
        assertEquals(2, seen.size());
        assertArrayEquals(next, seen.get(1).payload());
    }

    @Test
    void recordThatDoesNotFitBeforeTheEndIsPrecededByPadding() {
        TestRing ring = new TestRing(256, 120);
        assertTrue(ring.producer.offer(new byte[120]));
        assertTrue(ring.producer.offer(new byte[96]));      // [128, 232): 24 bytes left
        ring.drain();
        byte[] big = TestRing.pattern(24, 9);                // 32 bytes: does not fit in 24
        assertTrue(ring.producer.offer(big));
        assertEquals(256 + 32, ring.producer.position(), "24 bytes of padding, then the record at 0");
        List<TestRing.Seen> seen = ring.drain();
        assertEquals(1, seen.size(), "padding is never delivered");
        assertArrayEquals(big, seen.get(0).payload());
        assertEquals(288, ring.consumer.position());
    }

    @Test
    void fullRingRefusesAClaimUntilTheConsumerFreesRoom() {
        TestRing ring = new TestRing(256, 120);
        assertTrue(ring.producer.offer(new byte[120]));
        assertTrue(ring.producer.offer(new byte[112]));
        assertNull(ring.producer.tryClaim(0), "ring full: 248 of 256 bytes used, and the end marker's 8");
        assertFalse(ring.producer.offer(new byte[1]));
        assertFalse(ring.producer.hasOpenClaim());
        assertEquals(1, ring.consumer.poll(r -> { }, 1));
        assertNull(ring.producer.tryClaim(120), "128 freed: not enough for 8 of padding, 128 and the end marker");
        assertNotNull(ring.producer.tryClaim(112), "8 of padding, 120 and the end marker: exactly the 136 free");
        ring.producer.commit();
        assertEquals(2, ring.drain().size());
    }

    @Test
    void abortedClaimIsNeverDelivered() {
        TestRing ring = new TestRing(1024, 256);
        ClaimedRecord claim = ring.producer.tryClaim(16);
        claim.putLong(0, 111).putLong(8, 222);
        ring.producer.abort();
        assertEquals(0, ring.producer.position());
        assertTrue(ring.producer.offer(TestRing.pattern(8, 1)));
        List<TestRing.Seen> seen = ring.drain();
        assertEquals(1, seen.size());
        assertArrayEquals(TestRing.pattern(8, 1), seen.get(0).payload());
    }

    @Test
    void abortAfterPaddingKeepsThePaddingForTheNextRecord() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.offer(new byte[120]);
        ring.producer.offer(new byte[96]);
        ring.drain();
        assertNotNull(ring.producer.tryClaim(24));          // writes padding [232, 256)
        ring.producer.abort();
        assertTrue(ring.producer.offer(TestRing.pattern(4, 4)));
        List<TestRing.Seen> seen = ring.drain();
        assertEquals(1, seen.size());
        assertArrayEquals(TestRing.pattern(4, 4), seen.get(0).payload());
    }

    @Test
    void batchedCommitsAreInvisibleUntilPublished() {
        TestRing ring = new TestRing(1024, 256);
        for (int i = 0; i < 3; i++) {
            ring.producer.tryClaim(8).putLong(0, i);
            ring.producer.commitBatched();
        }
        assertEquals(0, ring.consumer.poll(r -> fail("nothing was published"), 10));
        ring.producer.publish();
        List<TestRing.Seen> seen = ring.drain();
        assertEquals(3, seen.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, ByteBuffer.wrap(seen.get(i).payload()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
        }
    }

    @Test
    void claimStateIsEnforced() {
        TestRing ring = new TestRing(1024, 256);
        assertThrows(IllegalStateException.class, ring.producer::commit);
        assertThrows(IllegalStateException.class, ring.producer::abort);
        ClaimedRecord claim = ring.producer.tryClaim(8);
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> ring.producer.tryClaim(8));
        assertTrue(twice.getMessage().contains("already open"));
        ring.producer.commit();
        assertThrows(IllegalStateException.class, () -> claim.putLong(0, 1), "claim used after commit");
        assertThrows(IllegalArgumentException.class, () -> ring.producer.tryClaim(-1));
        assertThrows(IllegalArgumentException.class, () -> ring.producer.tryClaim(1, -1), "negative types are reserved");
    }

    @Test
    void claimedRecordChecksEveryWriteAgainstItsLength() {
        TestRing ring = new TestRing(1024, 256);
        ClaimedRecord claim = ring.producer.tryClaim(12);
        assertEquals(12, claim.length());
        claim.putInt(8, 7);
        assertThrows(IndexOutOfBoundsException.class, () -> claim.putLong(8, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> claim.putByte(-1, (byte) 1));
        assertThrows(IndexOutOfBoundsException.class, () -> claim.putBytes(0, new byte[13], 0, 13));
        assertThrows(IndexOutOfBoundsException.class, () -> claim.putBytes(0, new byte[4], 2, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> claim.putBytes(0, ByteBuffer.allocate(4), 0, 5));
        claim.putBytes(0, ByteBuffer.wrap(TestRing.pattern(8, 8)), 0, 8);
        ring.producer.commit();
        byte[] got = ring.drain().get(0).payload();
        assertArrayEquals(TestRing.pattern(8, 8), java.util.Arrays.copyOf(got, 8));
        assertEquals(7, got[8]);
    }

    @Test
    void offerFromByteBufferCopiesTheRemainingBytesAndLeavesThePosition() {
        TestRing ring = new TestRing(1024, 256);
        ByteBuffer src = ByteBuffer.allocateDirect(32);
        src.put(TestRing.pattern(32, 5)).position(4).limit(20);
        assertTrue(ring.producer.offer(src, 3));
        assertEquals(4, src.position());
        TestRing.Seen seen = ring.drain().get(0);
        assertEquals(3, seen.type());
        assertArrayEquals(java.util.Arrays.copyOfRange(TestRing.pattern(32, 5), 4, 20), seen.payload());
        assertTrue(ring.producer.offer(TestRing.pattern(10, 1), 2, 5, 0));
        assertArrayEquals(java.util.Arrays.copyOfRange(TestRing.pattern(10, 1), 2, 7), ring.drain().get(0).payload());
        assertThrows(IndexOutOfBoundsException.class, () -> ring.producer.offer(new byte[4], 2, 4, 0));
    }

    @Test
    void manySmallRecordsCrossTheWrapInOrder() {
        TestRing ring = new TestRing(512, 248);
        long next = 0;
        long expected = 0;
        long[] seen = {0};
        long seed = Seeds.seed("RingProducerTest.manySmallRecordsCrossTheWrapInOrder", 1);
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        while (expected < 200_000) {
            int length = 8 + random.nextInt(40);
            ClaimedRecord claim = ring.producer.tryClaim(length);
            if (claim != null) {
                claim.putLong(0, next++);
                ring.producer.commit();
                continue;
            }
            final long from = expected;
            seen[0] = 0;
            int n = ring.consumer.poll(r -> assertEquals(from + seen[0]++, r.getLong(0), "seed=" + seed),
                    1 + random.nextInt(8));
            expected += n;
        }
        assertTrue(ring.producer.position() > 100 * 512L, "the positions went round the ring many times");
    }

    @Test
    void producerReadsTheConsumerPositionOnlyWhenTheRingLooksFull() {
        int[] reads = {0};
        RingConfig config = new RingConfig(1024, 256);
        SharedRing counting = new SharedRing(java.nio.ByteBuffer.allocateDirect((int) config.fileLength())) {
            @Override
            long readConsumerPosition() {
                reads[0]++;
                return super.readConsumerPosition();
            }
        };
        counting.initialiseHeader(config, 1, 0);
        TestRing ring = new TestRing(config, counting);
        int atAttach = reads[0];
        for (int i = 0; i < 63; i++) {
            assertTrue(ring.producer.offer(new byte[8]));   // 63 x 16 bytes + the end marker: exactly the capacity
        }
        assertEquals(atAttach, reads[0], "no re-read while the cache says there is room");
        assertFalse(ring.producer.offer(new byte[8]));
        assertEquals(atAttach + 1, reads[0], "one re-read when the ring looks full");
    }

    @Test
    void producerRestartResumesFromThePublishedPosition() {
        TestRing ring = new TestRing(1024, 256);
        ring.producer.offer(TestRing.pattern(8, 1));
        ring.producer.tryClaim(8).putLong(0, 99);
        ring.producer.commitBatched();                         // committed, never published
        ring.producer.close();
        RingProducer restarted = new RingProducer(ring.shared, ring.config, null);
        assertEquals(16, restarted.position(), "the unpublished record is gone with the old producer");
        restarted.offer(TestRing.pattern(8, 2));
        List<TestRing.Seen> seen = ring.drain();
        assertEquals(2, seen.size());
        assertArrayEquals(TestRing.pattern(8, 2), seen.get(1).payload());
    }

    @Test
    void blockingClaimPublishesItsOwnBatchBeforeWaitingForRoom() throws Exception {
        TestRing ring = new TestRing(256, 120);
        for (int length : new int[] {120, 112}) {
            ring.producer.tryClaim(length);
            ring.producer.commitBatched();           // the ring is full of unpublished records
        }
        Thread consumer = new Thread(() -> {
            long deadline = System.nanoTime() + 120_000_000_000L; // only ends a hung test
            int seen = 0;
            while (seen < 3 && System.nanoTime() < deadline) {
                seen += ring.consumer.poll(r -> { }, 10);
            }
        });
        consumer.start();
        // TLC's BatchNotFlushed mutant: without publishing first this waits for room that never comes
        // (the generous timeout only ends such a hang; the verdict is the records counted below)
        assertNotNull(ring.producer.claim(112, 0, WaitStrategy.yielding(), 60_000_000_000L));
        ring.producer.commit();
        consumer.join(120_000);
        assertFalse(consumer.isAlive(), "the consumer hung");
        assertEquals(3, ring.consumer.records());
    }

    @Test
    void closedProducerRefusesCalls() {
        TestRing ring = new TestRing(1024, 256);
        ring.producer.close();
        ring.producer.close();
        assertThrows(IllegalStateException.class, () -> ring.producer.tryClaim(1));
        assertThrows(IllegalStateException.class, ring.producer::publish);
    }
}
