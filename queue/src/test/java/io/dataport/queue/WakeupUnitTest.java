package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link Wakeup}'s two halves in one thread, with a notifier that records every call: the sleeper
 * (flag set while asleep, cleared after, no sleep when the re-check finds work, one sleep for a group
 * of rings) and the waker (a kick only for a sleep not kicked yet). {@link WakeupTest} runs the same
 * protocol across processes with real doorbells; this one is what mutation testing sees.
 */
class WakeupUnitTest {
    private static final long FIVE_SECONDS = TimeUnit.SECONDS.toNanos(5);

    /** Counts calls; while "asleep" it runs {@link #duringAwait}, which reads what the sleeper published. */
    static final class RecordingNotifier implements Notifier {
        int awaits;
        int kicks;
        long lastTimeout = -1;
        boolean kickSucceeds = true;
        Runnable duringAwait = () -> { };

        @Override
        public boolean await(long timeoutNanos) {
            awaits++;
            lastTimeout = timeoutNanos;
            duringAwait.run();
            return false;
        }

        @Override
        public boolean kick() {
            kicks++;
            return kickSucceeds;
        }

        @Override
        public void close() {
        }
    }

    private static void commitOne(TestRing ring) {
        assertTrue(ring.producer.offer(new byte[8]), "room for one record");
    }

    @Test
    void aConsumerWithNothingToReadSleepsWithItsFlagSetAndClearsItAfter() {
        TestRing ring = new TestRing(1024, 64);
        RecordingNotifier notifier = new RecordingNotifier();
        int[] flagWhileAsleep = {0};
        notifier.duringAwait = () -> flagWhileAsleep[0] = ring.shared.readConsumerNeedsWakeup();

        Wakeup.sleep(ring.consumer, notifier, System.nanoTime() + FIVE_SECONDS);

        assertEquals(1, notifier.awaits);
        assertNotEquals(0, flagWhileAsleep[0], "the producer must see the consumer asleep");
        assertTrue(notifier.lastTimeout > 0 && notifier.lastTimeout <= FIVE_SECONDS,
                "waits what is left until the deadline, not " + notifier.lastTimeout + " ns");
        assertEquals(0, ring.shared.readConsumerNeedsWakeup(), "awake again: flag withdrawn");
        assertEquals(1, ring.consumer.sleeps());
    }

    @Test
    void aDeadlineInThePastWaitsZeroNanoseconds() {
        TestRing ring = new TestRing(1024, 64);
        RecordingNotifier notifier = new RecordingNotifier();
        Wakeup.sleep(ring.consumer, notifier, System.nanoTime() - FIVE_SECONDS);
        assertEquals(0, notifier.lastTimeout);
    }

    @Test
    void aConsumerWithARecordWaitingDoesNotSleep() {
        TestRing ring = new TestRing(1024, 64);
        commitOne(ring);
        RecordingNotifier notifier = new RecordingNotifier();

        Wakeup.sleep(ring.consumer, notifier, System.nanoTime() + FIVE_SECONDS);

        assertEquals(0, notifier.awaits, "the re-check found the record");
        assertEquals(0, ring.consumer.sleeps());
        assertEquals(0, ring.shared.readConsumerNeedsWakeup(), "the flag set before the re-check is withdrawn");
    }

    @Test
    void aGroupSleepsOnceWithEveryFlagSetAndClearsThemAll() {
        TestRing a = new TestRing(1024, 64);
        TestRing b = new TestRing(1024, 64);
        RecordingNotifier notifier = new RecordingNotifier();
        int[] flags = new int[2];
        notifier.duringAwait = () -> {
            flags[0] = a.shared.readConsumerNeedsWakeup();
            flags[1] = b.shared.readConsumerNeedsWakeup();
        };

        Wakeup.sleep(new RingEnd[] {a.consumer, b.consumer}, notifier, System.nanoTime() + FIVE_SECONDS);

        assertEquals(1, notifier.awaits);
        assertNotEquals(0, flags[0], "ring a's producer must see the node asleep");
        assertNotEquals(0, flags[1], "ring b's producer must see the node asleep");
        assertTrue(notifier.lastTimeout > 0 && notifier.lastTimeout <= FIVE_SECONDS, "timeout " + notifier.lastTimeout);
        assertEquals(0, a.shared.readConsumerNeedsWakeup());
        assertEquals(0, b.shared.readConsumerNeedsWakeup());
        assertEquals(1, a.consumer.sleeps());
        assertEquals(1, b.consumer.sleeps());
    }

    @Test
    void aGroupDoesNotSleepWhenAnyOfItsRingsHasWork() {
        for (int withWork = 0; withWork < 2; withWork++) {
            TestRing a = new TestRing(1024, 64);
            TestRing b = new TestRing(1024, 64);
            commitOne(withWork == 0 ? a : b);
            RecordingNotifier notifier = new RecordingNotifier();

            Wakeup.sleep(new RingEnd[] {a.consumer, b.consumer}, notifier, System.nanoTime() + FIVE_SECONDS);

            assertEquals(0, notifier.awaits, "ring " + withWork + " has a record");
            assertEquals(0, a.shared.readConsumerNeedsWakeup());
            assertEquals(0, b.shared.readConsumerNeedsWakeup());
            assertEquals(0, a.consumer.sleeps() + b.consumer.sleeps());
        }
    }

    @Test
    void aPublisherKicksEachSleepOnceAndCountsWhatItDid() {
        TestRing ring = new TestRing(1024, 64);
        RecordingNotifier notifier = new RecordingNotifier();
        ring.producer.wakePeerWith(notifier);

        commitOne(ring); // consumer awake
        assertEquals(0, notifier.kicks);
        assertEquals(1, ring.producer.kicksSuppressed());

        ring.consumer.wakeup.setNeedsWakeup(); // consumer's sleep #1
        commitOne(ring);
        assertEquals(1, notifier.kicks);
        assertEquals(1, ring.producer.kicksSent());

        commitOne(ring); // still sleep #1: already kicked
        assertEquals(1, notifier.kicks);
        assertEquals(2, ring.producer.kicksSuppressed());

        ring.consumer.wakeup.setNeedsWakeup(); // sleep #2
        notifier.kickSucceeds = false;
        commitOne(ring);
        assertEquals(2, notifier.kicks);
        assertEquals(2, ring.producer.kicksSent());
        assertEquals(1, ring.producer.kickFailures());
    }

    @Test
    void aConsumerFreeingRoomKicksASleepingProducer() {
        TestRing ring = new TestRing(1024, 64);
        RecordingNotifier notifier = new RecordingNotifier();
        ring.consumer.wakePeerWith(notifier);
        commitOne(ring);
        ring.producer.wakeup.setNeedsWakeup();
        assertEquals(1, ring.drain().size());
        assertEquals(1, notifier.kicks);
        assertEquals(1, ring.consumer.kicksSent());
    }

    @Test
    void aPollingPeerIsNeverKickedSoNoFenceOrFlagReadFollowsAPublication() {
        TestRing ring = new TestRing(1024, 64);
        ring.producer.wakePeerWith(Notifier.polling());
        ring.consumer.wakeup.setNeedsWakeup();
        commitOne(ring);
        assertEquals(0, ring.producer.kicksSent() + ring.producer.kicksSuppressed(), "no kick decision at all");
    }

    @Test
    void sleepNumbersCountUpAndSkipZero() {
        assertEquals(2, Wakeup.nextSleepNumber(1));
        assertEquals(1, Wakeup.nextSleepNumber(-1), "0 means awake: skipped");
        assertEquals(Integer.MIN_VALUE, Wakeup.nextSleepNumber(Integer.MAX_VALUE));
        for (int previous : new int[] {Integer.MIN_VALUE, -2, -1, 1, 2, Integer.MAX_VALUE}) {
            int next = Wakeup.nextSleepNumber(previous);
            assertNotEquals(0, next, "after " + previous);
            assertNotEquals(previous, next);
        }
    }

    @Test
    void aPollingNotifierNeverKicksAndWakesItselfWithinItsBound() {
        Notifier polling = Notifier.polling(1_000);
        assertFalse(polling.kicks(), "the waker must not fence and kick for a polling peer");
        assertTrue(polling.kick(), "a kick is harmless");
        assertFalse(polling.await(0), "a polling notifier reports no kick");
        // Long.MAX_VALUE asked, at most 1 µs slept: the test would hang (and be ended) if the bound were ignored.
        assertFalse(assertTimeoutPreemptively(Duration.ofSeconds(60), () -> polling.await(Long.MAX_VALUE)));
        assertEquals("polling notifier (sleeps at most 1 µs)", polling.toString());
        assertEquals("polling notifier (sleeps at most 1000 µs)", Notifier.polling().toString());
        polling.close();
    }

    @Test
    void aPollingNotifiersBoundMustBeOneMicrosecondToOneSecond() {
        Notifier.polling(1_000).close();
        Notifier.polling(1_000_000_000L).close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Notifier.polling(999));
        assertEquals("a polling notifier's longest sleep must be 1 µs to 1 s, not 999 ns", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Notifier.polling(1_000_000_001L));
    }
}
