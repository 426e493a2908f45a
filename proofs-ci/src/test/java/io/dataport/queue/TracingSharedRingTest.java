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
        for (String publish : List.of("PublishProducerPosition", "PublishConsumerPosition")) {
            List<TraceEvent> published = events(publish);
            assertEquals(12, published.size(), publish);
            for (int i = 0; i < published.size(); i++) {
                TraceEvent e = published.get(i);
                assertEquals(BASE + 16L * (i + 1), e.a(), e.toString());
                assertEquals(1, e.b(), "the epoch of the first attach: " + e);
                assertSame(e, e.inDataportRing(), "a publish is DataportRing's, unchanged: " + e);
            }
            assertTrue(published.get(11).a() > 1L << POSITION_BITS, "the positions passed 2^48");
        }
        // the consumer's refreshes read the producer word after the wrap as the same counter
        List<TraceEvent> refreshes = events("ReadProducerPosition");
        assertEquals(BASE + 16 * 12, refreshes.get(refreshes.size() - 1).a());
        assertEquals(ring.producerPosition(), BASE + 16 * 12);
    }

    @Test
    void anAttachMovesTheEpochFencesItsWordsAndMovesNoPosition() {
        RingProducer first = attachProducer();
        attachConsumer();
        ring.actor(Side.PRODUCER);
        assertTrue(first.offer(new byte[8]));
        trace();
        attachProducer(); // a ring file's attach: the lock proved `first` gone

        List<String> expected = new ArrayList<>();
        expected.add("AdvanceProducerEpoch");
        expected.addAll(Collections.nCopies(HOLE_SLOTS, "ReadHole"));           // Holes.releaseAll: all free
        expected.addAll(List.of("ReadReservation", "FenceReservation", "ReadProducerPosition",
                "FenceProducerPosition", "ReadConsumerPosition"));
        expected.addAll(Collections.nCopies(HOLE_SLOTS, "ReadHole"));           // the producer's copy
        assertEquals(expected, actions(0));

        TraceEvent fence = events("FenceProducerPosition").get(0);
        assertEquals(BASE + 16, fence.a(), "the fence keeps the position");
        assertEquals(2, fence.b(), "and puts the new epoch in the word");
        assertEquals(TraceEvent.of(Side.PRODUCER, "ReadProducerPosition", BASE + 16, 2), fence.inDataportRing(),
                "checked as the attach's first read: DataportRingTrace skips it only when \"down\" and at the"
                        + " spec's producerPosition");
        for (String none : List.of("ReadHole", "ReadReservation", "FenceReservation")) {
            assertNull(events(none).get(0).inDataportRing(), none + " has no DataportRing counterpart");
        }
        assertEquals(events("AdvanceProducerEpoch").get(0), events("AdvanceProducerEpoch").get(0).inDataportRing(),
                "sent to TLC: DataportRingTrace skips it while the producer is \"down\" (the fenced attach moves the"
                        + " epoch first)");

        int from = ring.events();
        attachConsumer();
        assertEquals(List.of("AdvanceConsumerEpoch", "ReadConsumerPosition", "FenceConsumerPosition",
                "ReadProducerPosition"), actions(from));
        TraceEvent consumerFence = events("FenceConsumerPosition").get(0);
        assertEquals(TraceEvent.of(Side.CONSUMER, "ReadConsumerPosition", BASE, 2), consumerFence.inDataportRing());
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
        assertEquals(List.of("WriteRecordHeader", "PublishProducerPosition"), actions(3));
        assertEquals(2, ring.steps());
    }

    @Test
    void aFailedCompareAndSetIsLoggedAsSuchAndSentToTheTraceSpec() {
        RingProducer stale = attachProducer();
        attachConsumer();
        ring.actor(Side.PRODUCER);
        stale.tryClaim(8);
        attachProducer(); // a takeover that a ring file's lock forbids: `stale` resumes after it
        trace();
        ring.actor(Side.PRODUCER);
        assertThrows(RegionException.class, stale::commit);
        TraceEvent failed = events("PublishProducerPositionFailed").get(0);
        assertEquals(BASE + 16, failed.a(), "the position it tried to publish");
        assertSame(failed, failed.inDataportRing(), "DataportRingTrace has no such action: TLC rejects it");
        assertEquals(BASE, ring.producerPosition(), "the word did not move");
    }
}
