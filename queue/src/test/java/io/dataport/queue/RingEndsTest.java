package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both ends in one thread, deterministically: the blocking {@code claim} and {@code take} driven by a
 * wait strategy that acts for the peer when the end idles, the wake-up flags, kicks and counters,
 * padding that ends exactly at the published position, and the poison and closed paths. What the
 * cross-process and wake-up tests show with real processes and sleeps, shown here step by step.
 */
class RingEndsTest {
    private static final long HOUR = 3_600_000_000_000L;

    @TempDir
    Path dir;

    /** A wait strategy that runs {@code peer} each time the end idles, instead of waiting. */
    private static final class ActingPeer extends WaitStrategy {
        private final java.util.function.Consumer<RingEnd> peer;
        int idles;
        int resets;

        ActingPeer(java.util.function.Consumer<RingEnd> peer) {
            super(null);
            this.peer = peer;
        }

        @Override
        void idle(RingEnd end, long deadlineNanos) {
            end.countIdle();
            idles++;
            step++;
            peer.accept(end);
        }

        @Override
        public void reset() {
            resets++;
            super.reset();
        }
    }

    @Test
    void takeWaitsWhileTheRingIsEmptyAndReturnsWhatArrived() {
        TestRing ring = new TestRing(1024, 256);
        List<Long> got = new ArrayList<>();
        ActingPeer wait = new ActingPeer(end -> {
            assertFalse(ring.consumer.hasWork(), "nothing yet when the consumer idles");
            ring.producer.tryClaim(8).putLong(0, 41);
            ring.producer.commitBatched();
            ring.producer.tryClaim(8).putLong(0, 42);
            ring.producer.commit();
            assertTrue(ring.consumer.hasWork(), "the re-check sees the publication");
        });
        assertEquals(2, ring.consumer.take(r -> got.add(r.getLong(0)), 10, wait, HOUR));
        assertEquals(List.of(41L, 42L), got);
        assertEquals(1, wait.idles);
        assertEquals(1, ring.consumer.idles());
        assertEquals(1, wait.resets, "a take that got records starts the next idle streak afresh");
        assertEquals(0, wait.step);
        assertEquals(1, ring.consumer.take(r -> { }, 1, new ActingPeer(end -> ring.producer.offer(new byte[3])), HOUR),
                "one more record, one more take");
    }

    @Test
    void takeTimesOutOnAnEmptyRingWithoutWaitingPastItsDeadline() {
        TestRing ring = new TestRing(1024, 256);
        ActingPeer wait = new ActingPeer(end -> fail("a zero timeout never idles"));
        PeerTimeoutException e = assertThrows(PeerTimeoutException.class,
                () -> ring.consumer.take(r -> fail(), 1, wait, 0));
        assertEquals("in-memory ring: no record arrived within 0 ms", e.getMessage());
        assertEquals(0, ring.consumer.idles());
    }

    @Test
    void hasWorkIsTrueWhileRecordsAreLeftInTheCachedBatch() {
        TestRing ring = new TestRing(1024, 256);
        ring.producer.offer(new byte[1]);
        ring.producer.offer(new byte[1]);
        assertEquals(1, ring.consumer.poll(r -> { }, 1));
        SharedRing shared = ring.shared;
        shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, ring.consumer.position()); // a re-read would now say "empty"
        assertTrue(ring.consumer.hasWork(), "the second record is already known: no re-read needed");
    }

    @Test
    void claimWaitsWhileTheRingIsFullAndReturnsWhenRoomIsMade() {
        TestRing ring = new TestRing(256, 120);
        assertTrue(ring.producer.offer(new byte[120]));
        assertTrue(ring.producer.offer(new byte[112]));      // 248 bytes and the end marker: full
        ActingPeer wait = new ActingPeer(end -> {
            assertFalse(ring.producer.hasWork(), "still full when the producer idles");
            assertEquals(1, ring.consumer.poll(r -> { }, 1));
            assertTrue(ring.producer.hasWork(), "the re-check sees the room");
        });
        ClaimedRecord claim = ring.producer.claim(112, 4, wait, HOUR);
        assertNotNull(claim);
        assertEquals(112, claim.length());
        ring.producer.commit();
        assertEquals(1, wait.idles);
        assertEquals(1, ring.producer.idles());
        assertEquals(1, wait.resets);
        assertEquals(2, ring.drain().size());
    }

    @Test
    void claimNeedsRoomForThePaddingToo() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.offer(new byte[104]);  // [0, 112)
        ring.producer.offer(new byte[112]);  // [112, 232): 24 bytes to the end
        assertEquals(1, ring.consumer.poll(r -> { }, 1)); // frees [0, 112): 136 bytes free
        int[] step = {0};
        ActingPeer wait = new ActingPeer(end -> {
            // a 128-byte record and its end marker fit in 136 free bytes, but not with its 24 bytes of padding (160)
            assertFalse(ring.producer.hasWork(), "room for the record but not for its padding: no work");
            assertEquals(1, ring.consumer.poll(r -> { }, 1));
            assertTrue(ring.producer.hasWork());
            step[0]++;
        });
        assertNull(ring.producer.tryClaim(120), "no room for padding and record");
        assertNotNull(ring.producer.claim(120, 0, wait, HOUR));
        ring.producer.commit();
        assertEquals(1, step[0]);
        assertEquals(256 + 128, ring.producer.position(), "24 bytes of padding, then the record at 0");
    }

    @Test
    void claimTimesOutWhenNoRoomAppearsAndSaysWhatItWaitedFor() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.offer(new byte[120]);
        ring.producer.offer(new byte[112]);
        PeerTimeoutException e = assertThrows(PeerTimeoutException.class,
                () -> ring.producer.claim(1, 0, new ActingPeer(end -> fail()), 0));
        assertEquals("in-memory ring: no room for a record of 1 bytes within 0 ms", e.getMessage());
        assertFalse(ring.producer.hasOpenClaim());
    }

    @Test
    void wakeUpFlagsAnnounceAndWithdrawEachSleep() {
        TestRing ring = new TestRing(1024, 256);
        assertEquals(0, ring.producer.ring.readConsumerNeedsWakeup());
        ring.consumer.wakeup.setNeedsWakeup();
        int first = ring.producer.ring.readConsumerNeedsWakeup();
        assertNotEquals(0, first, "the consumer's sleep number is in its flag");
        ring.consumer.wakeup.clearNeedsWakeup();
        assertEquals(0, ring.producer.ring.readConsumerNeedsWakeup());
        ring.consumer.wakeup.setNeedsWakeup();
        assertNotEquals(first, ring.producer.ring.readConsumerNeedsWakeup(), "each sleep has a new number");

        assertEquals(0, ring.consumer.ring.readProducerNeedsWakeup());
        ring.producer.wakeup.setNeedsWakeup();
        assertNotEquals(0, ring.consumer.ring.readProducerNeedsWakeup());
        ring.producer.wakeup.clearNeedsWakeup();
        assertEquals(0, ring.consumer.ring.readProducerNeedsWakeup());
    }

    @Test
    void eachPublicationKicksASleepingPeerOnceAndCountsTheRest() throws Exception {
        TestRing ring = new TestRing(1024, 256);
        try (Doorbell consumerBell = Doorbell.bind(dir.resolve("c.bell"));
             Doorbell producerBell = Doorbell.bind(dir.resolve("p.bell"));
             Kicker toConsumer = Kicker.connect(consumerBell.path());
             Kicker toProducer = Kicker.connect(producerBell.path())) {
            ring.producer.wakePeerWith(toConsumer);
            ring.consumer.wakePeerWith(toProducer);

            ring.producer.offer(new byte[8]);                  // the consumer is awake: no kick
            assertEquals(0, ring.producer.kicksSent());
            assertEquals(1, ring.producer.kicksSuppressed());
            ring.consumer.wakeup.setNeedsWakeup();                     // it goes to sleep
            ring.producer.offer(new byte[8]);
            ring.producer.offer(new byte[8]);
            assertEquals(1, ring.producer.kicksSent(), "one kick for one sleep, however many publications");
            assertEquals(2, ring.producer.kicksSuppressed());
            assertTrue(consumerBell.await(HOUR), "the kick arrived");
            ring.consumer.wakeup.clearNeedsWakeup();

            ring.producer.wakeup.setNeedsWakeup();                     // the producer sleeps, waiting for room
            assertEquals(3, ring.consumer.poll(r -> { }, 10));
            assertEquals(1, ring.consumer.kicksSent());
            assertTrue(producerBell.await(HOUR), "the consumer's publication kicked the producer");
            assertEquals(0, ring.consumer.poll(r -> { }, 10));
            assertEquals(1, ring.consumer.kicksSent(), "an empty poll publishes nothing and kicks nobody");
            assertEquals(0, ring.consumer.kicksSuppressed());
            assertEquals(0, ring.producer.kickFailures());
        }
    }

    @Test
    void withoutANotifierNothingIsKickedOrCounted() {
        TestRing ring = new TestRing(1024, 256);
        ring.consumer.wakeup.setNeedsWakeup();
        ring.producer.wakeup.setNeedsWakeup();
        ring.producer.offer(new byte[8]);
        assertEquals(1, ring.consumer.poll(r -> { }, 10));
        assertEquals(0, ring.producer.kicksSent() + ring.producer.kicksSuppressed());
        assertEquals(0, ring.consumer.kicksSent() + ring.consumer.kicksSuppressed());
    }

    @Test
    void countersCountRecordsAndPayloadBytesOnBothEnds() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.offer(new byte[5]);
        ring.producer.tryClaim(7);
        ring.producer.abort();                                  // an abort counts nothing
        ring.producer.tryClaim(100);
        ring.producer.commitBatched();
        ring.producer.publish();
        ring.producer.offer(ByteBuffer.allocate(11));
        assertEquals(3, ring.producer.records());
        assertEquals(116, ring.producer.bytes());
        assertEquals(3, ring.drain().size());
        ring.producer.offer(new byte[120]);                     // after padding: padding is not a record
        ring.drain();
        assertEquals(4, ring.consumer.records());
        assertEquals(236, ring.consumer.bytes());
        assertEquals(4, ring.producer.records());
        assertEquals(236, ring.producer.bytes());
    }

    @Test
    void aPaddingFollowedByNoRecordIsConsumedUpToTheEndMarker() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.offer(new byte[120]);
        ring.producer.offer(new byte[96]);                      // ends at 232
        ring.drain();
        assertNotNull(ring.producer.tryClaim(24));              // padding [232, 256), the claim at 0
        ring.producer.abort();                                  // the padding stays, visible at once
        assertEquals(0, ring.consumer.poll(r -> fail("padding is never delivered"), 10));
        assertEquals(256, ring.consumer.position(), "the padding was consumed");
        assertFalse(ring.consumer.isPoisoned());
        assertEquals(256, ring.shared.readConsumerPosition() & RingLayout.POSITION_MASK, "and its consumption published");
    }

    @Test
    void aRecordThatEndsExactlyAtThePublishedPositionAndTheRegionEndIsAccepted() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.offer(new byte[120]);
        ring.producer.offer(new byte[112]);                     // [128, 248)
        ring.drain();
        ring.producer.offer(new byte[0]);                       // exactly [248, 256)
        assertEquals(1, ring.consumer.poll(r -> assertEquals(0, r.length()), 10));
        assertEquals(256, ring.consumer.position());
        assertFalse(ring.consumer.isPoisoned());
    }

    @Test
    void theProducerReadsTheConsumerPositionOnlyWhenItsCacheSaysFullAlsoAfterTheFirstLap() {
        int[] reads = {0};
        RingConfig config = new RingConfig(256, 120);
        SharedRing counting = new SharedRing(ByteBuffer.allocateDirect((int) config.fileLength())) {
            @Override
            long readConsumerPosition() {
                reads[0]++;
                return super.readConsumerPosition();
            }
        };
        counting.initialiseHeader(config, 1, 0);
        TestRing ring = new TestRing(config, counting);
        ring.producer.offer(new byte[120]);
        ring.producer.offer(new byte[112]);
        ring.drain();
        int before = reads[0];
        assertTrue(ring.producer.offer(new byte[120]), "room after the consumer freed it: one re-read");
        assertEquals(before + 1, reads[0]);
        assertTrue(ring.producer.offer(new byte[104]), "the cache (248) already says there is room");
        assertEquals(before + 1, reads[0], "no re-read while the cache says there is room");
    }

    @Test
    void aConsumerPositionThatMovesBackAfterTheFirstLapIsRefused() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.offer(new byte[120]);
        ring.producer.offer(new byte[112]);
        ring.drain();
        assertTrue(ring.producer.offer(new byte[120]));          // the producer caches 248
        ring.producer.offer(new byte[104]);                      // [384, 496), the end marker at 496
        ring.shared.scribble(RingLayout.CONSUMER_POSITION_OFFSET, 128);                // back from 248, aligned, behind the producer
        RingCorruptedException e = assertThrows(RingCorruptedException.class, () -> ring.producer.offer(new byte[8]));
        assertEquals("ring corrupted: consumer position 128 is misaligned, moved back from 248 or passed what we"
                + " made visible, 496", e.getMessage());
    }

    @Test
    void poisonedAndClosedEndsRefuseEveryCall() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.tryClaim(8);
        ring.producer.close();
        String closed = "this ring end is closed";
        assertEquals(closed, assertThrows(IllegalStateException.class, ring.producer::commitBatched).getMessage());
        assertEquals(closed, assertThrows(IllegalStateException.class, ring.producer::abort).getMessage());
        assertEquals(closed, assertThrows(IllegalStateException.class, ring.producer::commit).getMessage());
        assertEquals(closed, assertThrows(IllegalStateException.class, () -> ring.producer.offer(new byte[1])).getMessage());
        ring.consumer.close();
        assertEquals(closed, assertThrows(IllegalStateException.class, () -> ring.consumer.poll(r -> { }, 1)).getMessage());
        assertEquals(closed, assertThrows(IllegalStateException.class,
                () -> ring.consumer.read(ByteBuffer.allocate(120))).getMessage());
    }

    @Test
    void aPoisonedProducerRefusesToCommitItsOpenClaim() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.offer(new byte[120]);
        ring.producer.offer(new byte[112]);
        ring.shared.scribble(RingLayout.CONSUMER_POSITION_OFFSET, 3);
        assertThrows(RingCorruptedException.class, () -> ring.producer.tryClaim(8));
        assertTrue(ring.producer.isPoisoned());
        RingCorruptedException commit = assertThrows(RingCorruptedException.class, ring.producer::commit);
        assertTrue(commit.getMessage().contains("consumer position 3"), commit.getMessage());
        assertThrows(RingCorruptedException.class, ring.producer::publish);
        assertThrows(RingCorruptedException.class, () -> ring.producer.offer(ByteBuffer.allocate(1)));
    }

    @Test
    void aFailedOfferLeavesNoClaimOpen() {
        TestRing ring = new TestRing(1024, 256);
        assertThrows(IndexOutOfBoundsException.class, () -> ring.producer.offer(new byte[4], 2, 4, 0));
        assertFalse(ring.producer.hasOpenClaim(), "the source was checked before anything was claimed");
        assertTrue(ring.producer.offer(new byte[4], 0, 4, 0));
        assertEquals(1, ring.drain().size());
    }

    @Test
    void offeringAByteBufferToAFullRingReturnsFalseAndLeavesTheBuffer() {
        TestRing ring = new TestRing(256, 120);
        ByteBuffer src = ByteBuffer.allocate(112);               // 120 bytes a record: two, and the end marker
        assertTrue(ring.producer.offer(src));
        assertTrue(ring.producer.offer(src, 1));
        assertFalse(ring.producer.offer(src), "full");
        assertFalse(ring.producer.offer(src, 2), "full");
        assertEquals(0, src.position());
        assertFalse(ring.producer.hasOpenClaim());
    }

    @Test
    void aClaimAtIndexZeroIsOpen() {
        TestRing ring = new TestRing(256, 120);
        assertFalse(ring.producer.hasOpenClaim());
        ring.producer.tryClaim(8);                              // the first claim is at index 0
        assertTrue(ring.producer.hasOpenClaim());
        ring.producer.abort();
        assertFalse(ring.producer.hasOpenClaim());
    }

    @Test
    void aCopyingReadAcceptsADestinationOfExactlyTheMaximum() {
        TestRing ring = new TestRing(256, 120);
        ring.producer.offer(TestRing.pattern(120, 4));
        ByteBuffer dst = ByteBuffer.allocate(120);
        assertEquals(120, ring.consumer.read(dst));
        assertArrayEquals(TestRing.pattern(120, 4), dst.array());
        assertEquals(-1, ring.consumer.read(ByteBuffer.allocate(120)));
    }

    @Test
    void hostilePaddingIsRefusedWithWhereTheRegionEnds() {
        TestRing ring = new TestRing(256, 120);
        ring.shared.scribble(RingLayout.HEADER_LENGTH + 0, RingLayout.packHeader(256, RingLayout.PADDING_TYPE));
        RingCorruptedException e = assertThrows(RingCorruptedException.class, () -> ring.consumer.poll(r -> fail(), 10));
        assertEquals("ring corrupted: padding at position 0 has length 256 but the region end is 248 bytes after its"
                + " header, or it passes the consumer position 0 + the capacity 256", e.getMessage());
    }

    /**
     * What {@code MappingFaultTest} shows with a really truncated file (run in the default build, not
     * under PIT, whose instrumentation changes where the JVM raises the fault), step by step: the
     * JVM's "unsafe memory access" {@link InternalError} from any shared access becomes the end's
     * poison, on each entry point; any other InternalError passes through unchanged.
     */
    @Test
    void aFaultOfTheMappingPoisonsTheEndThatMetIt() {
        String[] faultAt = {""};
        RingConfig config = new RingConfig(256, 120);
        class Faulty extends SharedRing {
            Faulty() {
                super(ByteBuffer.allocateDirect((int) config.fileLength()));
                initialiseHeader(config, 1, 0);
            }

            private void maybeFault(String access) {
                if (faultAt[0].equals(access)) {
                    throw new InternalError("a fault occurred in an unsafe memory access operation");
                }
                if (faultAt[0].equals("other " + access)) {
                    throw new InternalError("something else");
                }
            }

            @Override
            long readRecordHeader(int index) {
                maybeFault("readRecordHeader");
                return super.readRecordHeader(index);
            }

            @Override
            void writeEndMarker(int index, long value) {
                maybeFault("writeEndMarker");
                super.writeEndMarker(index, value);
            }

            @Override
            void writePayloadLong(int index, long value) {
                maybeFault("writePayloadLong");
                super.writePayloadLong(index, value);
            }

            @Override
            void releaseRecordHeader(int index, int length, int type) {
                maybeFault("releaseRecordHeader");
                super.releaseRecordHeader(index, length, type);
            }

            @Override
            void writeConsumerNeedsWakeup(int value) {
                maybeFault("writeConsumerNeedsWakeup");
                super.writeConsumerNeedsWakeup(value);
            }
        }
        // four rings, attached before any fault (an attach is not among the entry points that convert one)
        TestRing ring = new TestRing(config, new Faulty());
        TestRing second = new TestRing(config, new Faulty());
        TestRing third = new TestRing(config, new Faulty());
        TestRing fourth = new TestRing(config, new Faulty());

        faultAt[0] = "other readRecordHeader";
        assertEquals("something else",
                assertThrows(InternalError.class, () -> ring.consumer.poll(r -> { }, 1)).getMessage());
        assertFalse(ring.consumer.isPoisoned(), "not a fault of the mapping: passed through, nothing poisoned");

        faultAt[0] = "";
        ClaimedRecord claim = ring.producer.tryClaim(16);
        faultAt[0] = "writePayloadLong";
        assertMappingFault(ring.producer, () -> claim.putLong(0, 1));
        assertThrows(RingCorruptedException.class, ring.producer::commit, "poisoned for good");
        faultAt[0] = "";
        assertThrows(RingCorruptedException.class, () -> claim.putLong(0, 1),
                "a poisoned producer's claim is closed: no more stores into the mapping");

        faultAt[0] = "releaseRecordHeader";                   // a ring file's commit: a release store
        second.producer.tryClaim(8);
        assertMappingFault(second.producer, second.producer::commit);

        faultAt[0] = "writeEndMarker";
        assertMappingFault(third.producer, () -> third.producer.offer(new byte[1]));

        faultAt[0] = "readRecordHeader";
        assertMappingFault(ring.consumer, () -> ring.consumer.poll(r -> { }, 1));

        faultAt[0] = "writeConsumerNeedsWakeup";
        assertMappingFault(fourth.consumer, fourth.consumer.wakeup::prepareToSleep);
    }

    private static void assertMappingFault(RingEnd end, org.junit.jupiter.api.function.Executable call) {
        RingCorruptedException e = assertThrows(RingCorruptedException.class, call);
        assertEquals("ring corrupted: " + RingEnd.MAPPING_FAULT, e.getMessage());
        assertTrue(e.getCause() instanceof InternalError);
        assertTrue(end.isPoisoned());
    }
}
