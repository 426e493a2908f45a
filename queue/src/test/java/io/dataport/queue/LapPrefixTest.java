package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lap prefix (decision 0906, spec/DataportRing.tla with PREFIX > 0): the first bytes of every
 * lap hold no record, so a region ring's header page (and the directory) can live inside its
 * power-of-two span. Both ends skip them; neither ever writes there.
 */
class LapPrefixTest {
    @TempDir
    Path dir;

    @Test
    void recordsOfEveryLengthGoAroundManyLapsAndThePrefixIsNeverWritten() {
        long seed = Seeds.seed("LapPrefixTest", 20261207L);
        SplittableRandom random = new SplittableRandom(seed);
        RingConfig config = new RingConfig(1024, RingLayout.maxRecordLengthFor(1024, 256), 256);
        assertEquals(376, config.maxRecordLength());
        TestRing ring = new TestRing(config, null);
        ArrayDeque<byte[]> sent = new ArrayDeque<>();
        int seq = 0;
        long delivered = 0;
        while (delivered < 20_000) {
            int burst = 1 + random.nextInt(6);
            for (int i = 0; i < burst; i++) {
                int length = random.nextInt(4) == 0 ? config.maxRecordLength() : random.nextInt(config.maxRecordLength() + 1);
                byte[] payload = TestRing.pattern(length, seq);
                if (!ring.producer.offer(payload, 0, length, seq & 0x7fff)) {
                    break;
                }
                sent.add(payload);
                seq++;
            }
            int limit = 1 + random.nextInt(4);
            delivered += ring.consumer.poll(r -> {
                byte[] expected = sent.poll();
                byte[] got = new byte[r.length()];
                r.getBytes(0, got, 0, got.length);
                assertArrayEquals(expected, got, "seed " + seed);
            }, limit);
        }
        assertTrue(ring.producer.position() > 1000L * config.capacity(), "many laps");
        for (int index = 0; index < config.lapPrefix(); index += 8) {
            assertEquals(0, ring.shared.readPayloadLong(index), "prefix byte " + index + " was written (seed " + seed + ")");
        }
        assertFalse(ring.consumer.isPoisoned());
    }

    @Test
    void aRegionsDirectoryAndHeaderPagesSurviveLapsOfBothRings() {
        Path file = dir.resolve("laps.region");
        Region.createFile(file, RegionTest.SIZE);
        byte[] payload = new byte[1000];
        try (Region region = Region.open(file, RegionTest.PAIR, RegionTest.quiet(1));
             RingProducer p0 = region.attachProducer(0); RingConsumer c0 = region.attachConsumer(0);
             RingProducer p1 = region.attachProducer(1); RingConsumer c1 = region.attachConsumer(1)) {
            long[] got = {0, 0};
            for (int i = 0; i < 2000; i++) {
                java.util.Arrays.fill(payload, (byte) i);
                assertTrue(p0.offer(payload));
                assertTrue(p1.offer(payload));
                int expect = i;
                c0.poll(r -> assertEquals((byte) expect, r.getByte(999)), 1);
                c1.poll(r -> assertEquals((byte) expect, r.getByte(999)), 1);
                got[0]++;
                got[1]++;
            }
            assertTrue(p0.position() > 20L * RegionTest.PAIR.rings().get(0).capacity());
        }
        // the directory (inside ring 0's prefix) and both header pages are intact: a fresh open validates them
        try (Region again = Region.open(file, RegionTest.PAIR, RegionTest.quiet(2).withTakeOver(false))) {
            assertEquals(1, again.generation());
            assertNotNull(again.status(0));
            assertNotNull(again.status(1));
        }
    }

    @Test
    void aRecoveryHintInsideThePrefixIsSkippedByTheScan() {
        RingConfig config = new RingConfig(1024, RingLayout.maxRecordLengthFor(1024, 256), 256);
        TestRing ring = new TestRing(config, null);
        ring.producer.close();
        ring.shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, 128);   // inside the first lap's prefix
        RingProducer restarted = new RingProducer(ring.shared, ring.config, null);
        assertEquals(256, restarted.position(), "the scan starts past the prefix, at the end marker");
        assertTrue(restarted.offer(new byte[8]));
        assertEquals(1, ring.consumer.poll(r -> assertEquals(8, r.length()), 10));
    }

    @Test
    void aPrefixLargerThanAQuarterOrUnalignedIsRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RingConfig(1024, 8, 264)).getMessage()
                .contains("lap prefix 264"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RingConfig(1024, 8, 12)).getMessage()
                .contains("lap prefix 12"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RingConfig(1024, 377, 256)).getMessage()
                .contains("less its lap prefix 256"));
    }

    /** A blocked claim's re-check (RingProducer.hasWork) counts the prefix it will skip, as tryClaim does. */
    @Test
    void aBlockedClaimAtALapEndWaitsForRoomForThePrefixAndTheRecord() {
        RingConfig config = new RingConfig(1024, RingLayout.maxRecordLengthFor(1024, 256), 256);
        TestRing ring = new TestRing(config, null);
        for (int i = 0; i < 2; i++) {
            assertTrue(ring.producer.offer(new byte[248]));     // [256, 512), [512, 768)
        }
        assertEquals(768, ring.producer.position());
        java.util.List<Boolean> rechecks = new java.util.ArrayList<>();
        WaitStrategy makeRoomOnce = new WaitStrategy(null) {
            @Override
            void idle(RingEnd end, long deadlineNanos) {
                rechecks.add(end.hasWork());                      // no room: [768, 1024) is an exact fit, but its
                                                                  // end marker goes after the next lap's prefix, at 1280
                assertEquals(1, ring.consumer.poll(r -> { }, 1));
                rechecks.add(end.hasWork());                      // room now
            }
        };
        ClaimedRecord claim = ring.producer.claim(248, 0, makeRoomOnce, 10_000_000_000L);
        assertNotNull(claim);
        assertEquals(java.util.List.of(false, true), rechecks);
        ring.producer.commit();
        assertEquals(1024, ring.producer.position(), "an exact fit to the lap end");
        assertEquals(3, ring.drain().size() + 1, "both records after the first one polled");
    }

    /** The same for a claim that needs a padding to the end, the next lap's prefix and the record. */
    @Test
    void aBlockedClaimThatPadsWaitsForRoomForThePaddingThePrefixAndTheRecord() {
        RingConfig config = new RingConfig(1024, RingLayout.maxRecordLengthFor(1024, 256), 256);
        TestRing ring = new TestRing(config, null);
        assertTrue(ring.producer.offer(new byte[248]));         // [256, 512)
        assertTrue(ring.producer.offer(new byte[248]));         // [512, 768): 256 bytes left before the end
        java.util.List<Boolean> rechecks = new java.util.ArrayList<>();
        WaitStrategy oneRecordAtATime = new WaitStrategy(null) {
            @Override
            void idle(RingEnd end, long deadlineNanos) {
                rechecks.add(end.hasWork());
                ring.consumer.poll(r -> { }, 1);
                rechecks.add(end.hasWork());
            }
        };
        // 264 bytes: a padding of 256, the prefix of 256, the record: 776 bytes from 768, room only
        // once the consumer is at 768
        ClaimedRecord claim = ring.producer.claim(256, 0, oneRecordAtATime, 10_000_000_000L);
        assertNotNull(claim);
        assertEquals(java.util.List.of(false, false, false, true), rechecks);
        ring.producer.commit();
        assertEquals(1024 + 256 + 264, ring.producer.position());
    }
}
