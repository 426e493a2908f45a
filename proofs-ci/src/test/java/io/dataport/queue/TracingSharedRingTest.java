package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataport.queue.TraceEvent.Side;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@link TracingSharedRing} logs for the accesses of the fenced ring, and which DataportRing
 * event each is checked as ({@link TraceEvent#inDataportRing()}), without TLC: positions rebuilt as
 * 64-bit counters across the wrap of the words' 48-bit field, the attach's fences (no position
 * moves), ReadSlot and the epoch check after it, and a failed compare-and-set.
 */
class TracingSharedRingTest {
    private static final RingConfig CONFIG = new RingConfig(64, 24);
    /** Four records of 16 bytes before the position field wraps to 0. */
    private static final long BASE = (1L << POSITION_BITS) - 64;

    private final TracingSharedRing ring = new TracingSharedRing(ByteBuffer.allocateDirect((int) CONFIG.fileLength()));

    TracingSharedRingTest() {
        ring.initialiseHeader(CONFIG, 1, 0);
        ring.scribble(PRODUCER_POSITION_OFFSET, packPosition(0, BASE));
        ring.scribble(CONSUMER_POSITION_OFFSET, packPosition(0, BASE));
        ring.scribble(RESERVATION_OFFSET, packPosition(0, BASE));
        ring.positionsStartAt(BASE);
    }

    private RingProducer attachProducer() {
        ring.actor(Side.PRODUCER);
        return new RingProducer(ring, CONFIG, null);
    }

    private RingConsumer attachConsumer() {
        ring.actor(Side.CONSUMER);
        return new RingConsumer(ring, CONFIG, null);
    }

    private void trace() {
        ring.startTracing(side -> { });
    }

    private List<TraceEvent> events(String action) {
        return ring.log().stream().filter(e -> e.action().equals(action)).toList();
    }

    private List<String> actions(int from) {
        List<String> actions = new ArrayList<>();
        for (TraceEvent e : ring.log().subList(from, ring.events())) {
            actions.add(e.action());
        }
        return actions;
    }

    @Test
    void positionsAreRebuiltAsCountersAcrossTheWrapOfTheField() {
        RingProducer producer = attachProducer();
        RingConsumer consumer = attachConsumer();
        trace();
        for (int i = 0; i < 12; i++) {
            ring.actor(Side.PRODUCER);
            assertTrue(producer.offer(new byte[8]));
            ring.actor(Side.CONSUMER);
            assertEquals(1, consumer.poll(view -> { }, 10));
        }
        List<TraceEvent> acknowledged = events("PublishConsumerPosition");
        assertEquals(12, acknowledged.size());
        // the hint moves with every reservation (a chunk of 8 bytes in a ring of 64), to the frontier
        // where the claim starts: not for the first claim, which starts where the hint already is
        List<TraceEvent> hints = events("PublishProducerPosition");
        assertEquals(11, hints.size());
        for (int i = 0; i < 12; i++) {
            TraceEvent e = acknowledged.get(i);
            assertEquals(BASE + 16L * (i + 1), e.a(), e.toString());
            assertEquals(1, e.b(), "the epoch of the first attach: " + e);
            assertSame(e, e.inDataportRing(), "a publish is DataportRing's, unchanged: " + e);
            if (i < 11) {
                assertEquals(BASE + 16L * (i + 1), hints.get(i).a(), hints.get(i).toString());
                assertSame(hints.get(i), hints.get(i).inDataportRing());
            }
        }
        assertTrue(acknowledged.get(11).a() > 1L << POSITION_BITS, "the positions passed 2^48");
        assertTrue(hints.get(10).a() > 1L << POSITION_BITS, "the hint too");
        // a producer attaching after the wrap reads the hint word as the same counter, and scans
        // from the consumer position, which is ahead of it, to the end marker there
        producer.close();
        int from = ring.events();
        RingProducer restarted = attachProducer();
        List<TraceEvent> attach = ring.log().subList(from, ring.events());
        assertEquals(BASE + 16 * 11, attach.stream().filter(e -> e.action().equals("ReadProducerPosition"))
                .findFirst().orElseThrow().a());
        List<TraceEvent> scan = attach.stream().filter(e -> e.action().equals("ScanForEnd")).toList();
        assertEquals(1, scan.size(), "the consumer read everything: the end marker at once");
        assertEquals((int) (BASE + 16 * 12) & 63, scan.get(0).a());
        assertEquals(RingLayout.END_TYPE, scan.get(0).c());
        assertEquals((BASE + 16 * 12) & RingLayout.POSITION_MASK, restarted.position(),
                "an attach starts from the word's 48-bit field");
    }

    @Test
    void anAttachMovesTheEpochFencesItsWordsAndMovesNoPosition() {
        RingProducer first = attachProducer();
        attachConsumer();
        ring.actor(Side.PRODUCER);
        assertTrue(first.offer(new byte[8]));   // the hint stays at BASE: that is where the claim started
        trace();
        attachProducer(); // a ring file's attach: the lock proved `first` gone

        List<String> expected = new ArrayList<>();
        expected.add("AdvanceProducerEpoch");
        expected.addAll(Collections.nCopies(HOLE_SLOTS, "ReadHole"));           // Holes.releaseAll: all free
        expected.addAll(List.of("ReadReservation", "FenceReservation", "ReadProducerPosition",
                "FenceProducerPosition", "ReadConsumerPosition",
                "ScanForEnd", "ScanForEnd"));                                   // the record, then the end marker
        expected.addAll(Collections.nCopies(HOLE_SLOTS, "ReadHole"));           // the producer's copy
        assertEquals(expected, actions(0));

        TraceEvent fence = events("FenceProducerPosition").get(0);
        assertEquals(BASE, fence.a(), "the fence keeps the position (the hint)");
        assertEquals(2, fence.b(), "and puts the new epoch in the word");
        assertEquals(TraceEvent.of(Side.PRODUCER, "ReadProducerPosition", BASE, 2), fence.inDataportRing(),
                "checked as the attach's first read: DataportRingTrace skips it only when \"down\" and at the"
                        + " spec's producerPosition");
        for (String none : List.of("ReadHole", "ReadReservation", "FenceReservation")) {
            assertNull(events(none).get(0).inDataportRing(), none + " has no DataportRing counterpart");
        }
        assertEquals(events("AdvanceProducerEpoch").get(0), events("AdvanceProducerEpoch").get(0).inDataportRing(),
                "sent to TLC: DataportRingTrace skips it while the producer is \"down\" (the fenced attach moves the"
                        + " epoch first)");
        List<TraceEvent> scan = events("ScanForEnd");
        assertEquals(8, scan.get(0).b(), "a record of 8 bytes");
        assertEquals(1, scan.get(1).b(), "then the end marker, with its writer's epoch (1) in the length field");
        assertEquals(RingLayout.END_TYPE, scan.get(1).c());

        int from = ring.events();
        attachConsumer();
        assertEquals(List.of("AdvanceConsumerEpoch", "ReadConsumerPosition", "FenceConsumerPosition"), actions(from));
        TraceEvent consumerFence = events("FenceConsumerPosition").get(0);
        assertEquals(TraceEvent.of(Side.CONSUMER, "AttachConsumer", BASE, 2), consumerFence.inDataportRing(),
                "the consumer's last access of its attach: the step AttachConsumer");
    }

    @Test
    void aClaimReadsItsSlotThenTheEpochOfThePositionWord() {
        RingProducer producer = attachProducer();
        attachConsumer();
        trace();
        ring.actor(Side.PRODUCER);
        producer.tryClaim(8);
        // nothing reserved yet (the planted reservation ends at BASE): Reserve, then ReadSlot and the check
        assertEquals(List.of("Reserve", "ReadSlot", "CheckProducerEpoch"), actions(0));
        for (TraceEvent e : ring.log()) {
            assertNull(e.inDataportRing(), e + " has no DataportRing counterpart");
        }
        assertEquals(0, ring.steps());
        producer.commit();
        assertEquals(List.of("WriteEndMarker", "WriteRecordHeader"), actions(3),
                "the end marker after the record, then its header (held by commitBatched, written by publish)");
        assertEquals(2, ring.steps());
    }

    @Test
    void aFailedCompareAndSetIsLoggedAsSuchAndSentToTheTraceSpec() {
        // a region's producers (a ring file's commit is a release store: its lock forbids a takeover)
        ring.actor(Side.PRODUCER);
        RingProducer stale = new RingProducer(ring, CONFIG, null, 1L);
        attachConsumer();
        ring.actor(Side.PRODUCER);
        stale.tryClaim(8);
        RingProducer next = new RingProducer(ring, CONFIG, null, 2L); // takes over; `stale` resumes after it
        assertTrue(next.offer(new byte[8]));   // its padding over `stale`'s reserved range, then its record
        trace();
        ring.actor(Side.PRODUCER);
        assertThrows(RegionException.class, stale::commit);
        TraceEvent failed = events("WriteRecordHeaderFailed").get(0);
        assertEquals((int) BASE & 63, failed.a(), "the index of the header it tried to write");
        assertSame(failed, failed.inDataportRing(), "DataportRingTrace has no such action: TLC rejects it");
    }
}
