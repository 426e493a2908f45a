package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingConsumerTest {

    @Test
    void pollOnAnEmptyRingReturnsZeroAndPublishesNothing() {
        int[] publishes = {0};
        TestRing ring = countingPublishes(publishes);
        assertEquals(0, ring.consumer.poll(r -> fail("empty"), 10));
        assertEquals(0, publishes[0]);
        assertThrows(IllegalArgumentException.class, () -> ring.consumer.poll(r -> { }, 0));
    }

    @Test
    void pollRespectsTheLimitAndPublishesOncePerBatch() {
        int[] publishes = {0};
        TestRing ring = countingPublishes(publishes);
        for (int i = 0; i < 10; i++) {
            ring.producer.tryClaim(4).putInt(0, i);
            ring.producer.commit();
        }
        List<Integer> got = new ArrayList<>();
        assertEquals(4, ring.consumer.poll(r -> got.add(r.getInt(0)), 4));
        assertEquals(1, publishes[0], "one release store for a batch of four");
        assertEquals(6, ring.consumer.poll(r -> got.add(r.getInt(0)), 100));
        assertEquals(2, publishes[0]);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), got);
    }

    @Test
    void paddingDoesNotCountTowardTheLimit() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.offer(new byte[120]);
        ring.producer.offer(new byte[96]);
        ring.drain();
        ring.producer.offer(TestRing.pattern(24, 1));   // padding then record
        assertEquals(1, ring.consumer.poll(r -> assertEquals(24, r.length()), 1));
        assertEquals(ring.producer.position(), ring.consumer.position());
    }

    @Test
    void aHandlerThatThrowsConsumesItsRecordAndStopsTheBatch() {
        TestRing ring = new TestRing(1024, 256);
        for (int i = 0; i < 3; i++) {
            ring.producer.offer(new byte[] {(byte) i});
        }
        IllegalStateException boom = assertThrows(IllegalStateException.class, () -> ring.consumer.poll(r -> {
            if (r.getByte(0) == 1) {
                throw new IllegalStateException("boom");
            }
        }, 10));
        assertEquals("boom", boom.getMessage());
        List<TestRing.Seen> rest = ring.drain();
        assertEquals(1, rest.size());
        assertEquals(2, rest.get(0).payload()[0]);
        assertEquals(ring.producer.position(), ring.consumer.position());
    }

    @Test
    void recordViewChecksBoundsAndIsInvalidOutsideTheHandler() {
        TestRing ring = new TestRing(1024, 256);
        ring.producer.offer(TestRing.pattern(12, 3), 0, 12, 9);
        RecordView[] kept = new RecordView[1];
        ring.consumer.poll(r -> {
            kept[0] = r;
            assertEquals(12, r.length());
            assertEquals(9, r.type());
            assertThrows(IndexOutOfBoundsException.class, () -> r.getLong(8));
            assertThrows(IndexOutOfBoundsException.class, () -> r.getInt(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> r.getBytes(0, new byte[20], 0, 13));
            assertThrows(IndexOutOfBoundsException.class, () -> r.getBytes(0, ByteBuffer.allocate(4), 0, 8));
            ByteBuffer dst = ByteBuffer.allocate(12);
            r.getBytes(0, dst, 0, 12);
            assertArrayEquals(TestRing.pattern(12, 3), dst.array());
        }, 1);
        assertThrows(IllegalStateException.class, () -> kept[0].length());
    }

    @Test
    void copyingReadCopiesOneRecordAndAdvancesTheDestination() {
        TestRing ring = new TestRing(1024, 64);
        ring.producer.offer(TestRing.pattern(5, 1));
        ring.producer.offer(TestRing.pattern(7, 2));
        ByteBuffer dst = ByteBuffer.allocate(200);
        assertEquals(5, ring.consumer.read(dst));
        assertEquals(7, ring.consumer.read(dst));
        assertEquals(-1, ring.consumer.read(dst));
        assertEquals(12, dst.position());
        byte[] got = new byte[12];
        dst.flip().get(got);
        assertArrayEquals(TestRing.pattern(5, 1), java.util.Arrays.copyOf(got, 5));
        assertArrayEquals(TestRing.pattern(7, 2), java.util.Arrays.copyOfRange(got, 5, 12));
    }

    @Test
    void copyingReadRefusesADestinationTooSmallForTheMaximumAndConsumesNothing() {
        TestRing ring = new TestRing(1024, 64);
        ring.producer.offer(TestRing.pattern(5, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ring.consumer.read(ByteBuffer.allocate(63)));
        assertTrue(e.getMessage().contains("64"), e.getMessage());
        assertEquals(1, ring.drain().size());
    }

    @Test
    void consumerRestartResumesFromThePublishedPosition() {
        TestRing ring = new TestRing(1024, 256);
        for (int i = 0; i < 4; i++) {
            ring.producer.offer(new byte[] {(byte) i});
        }
        assertEquals(2, ring.consumer.poll(r -> { }, 2));
        ring.consumer.close();
        RingConsumer restarted = new RingConsumer(ring.shared, ring.config, null);
        List<Byte> got = new ArrayList<>();
        restarted.poll(r -> got.add(r.getByte(0)), 10);
        assertEquals(List.of((byte) 2, (byte) 3), got);
    }

    private static TestRing countingPublishes(int[] publishes) {
        RingConfig config = new RingConfig(1024, 256);
        SharedRing counting = new SharedRing(ByteBuffer.allocateDirect((int) config.fileLength())) {
            @Override
            boolean publishConsumerPosition(long expected, long value) {
                publishes[0]++;
                return super.publishConsumerPosition(expected, value);
            }
        };
        counting.initialiseHeader(config, 1, 0);
        TestRing ring = new TestRing(config, counting);
        assertEquals(1, publishes[0], "attaching fences the consumer position word once");
        publishes[0] = 0;
        return ring;
    }
}
