package io.dataport.queue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The wake-up protocol (Dekker), in both directions.
 *
 * <p>{@link SleepVersusPublish}: the consumer waits for records. It runs the real sleeper's side
 * ({@link Wakeup#prepareToSleep}: SetNeedsWakeup, Fence, re-check; layout version 3: the re-check,
 * {@link RingConsumer#hasWork}, is one acquire load of the next record's header slot, which holds
 * the end marker until the record is committed) while the producer commits a record (its header's
 * CAS is the publication) and runs the real waker's side ({@link Wakeup#readNeedsWakeup}: Fence,
 * ReadNeedsWakeup). "The consumer goes to sleep and the producer sees no sleeper" is a lost
 * wake-up: FORBIDDEN.
 *
 * <p>{@link SleepForRoomVersusPoll}: the producer waits for room. The ring is full; the producer
 * runs the real blocking {@link RingProducer#claim} (tryClaim finds no room, publish, note the size
 * it waits for, then the wait strategy's {@link Wakeup#sleep}: SetNeedsWakeup, Fence, re-check the
 * consumer position for room for that size) while the consumer frees room with a real
 * {@link RingConsumer#poll} (which publishes the consumer position) and runs the waker's side
 * ({@link Wakeup#readNeedsWakeup}). "The producer goes to sleep and the consumer sees no sleeper"
 * is a lost wake-up: FORBIDDEN.
 */
public class WakeupStress {
    static final RingConfig CONFIG = new RingConfig(128, 56);
    static final byte[] PAYLOAD = StressRing.payload(0, 16);

    /** The scenario over any accessor: the real one, or the fence-less negative control. */
    static final class Scenario {
        final StressRing ring;

        Scenario(SharedRing shared) {
            ring = new StressRing(CONFIG, shared, 0);
        }

        int sleeper() {
            return ring.consumer.wakeup.prepareToSleep() ? 1 : 0;
        }

        int waker() {
            ring.producer.offer(PAYLOAD);
            return ring.producer.wakeup.readNeedsWakeup() != 0 ? 1 : 0;
        }
    }

    /**
     * The other direction: the producer waits for room. The ring is full (second lap: R0, 56 bytes,
     * 64 with its header, at data offset 0; R1, 48 bytes, 56 with its header, at 64; the end marker at
     * 120, as layout version 3 keeps 8 bytes for it); the producer's next record (48 bytes) needs a
     * padding over the last 8 bytes, then the record and its end marker where R0 is, i.e. it fits once
     * the consumer has consumed R0 and published its position.
     *
     * <p>The producer runs the real blocking {@link RingProducer#claim} with {@link RoomProbe}, a
     * wait strategy that is {@link WaitStrategy#blocking} without its 2 ms back-off: its idle goes
     * straight to the real {@link Wakeup#sleep} (SetNeedsWakeup, Fence, re-check with
     * {@link RingProducer#hasWork} the room for the size claim noted in {@code waitingFor}). The
     * notifier's {@code await} is where a real producer would block: {@link WakeupStress#SLEEPS_HERE}
     * throws {@link Asleep} instead, so the actor leaves claim with its flag still set, as a sleeping
     * producer's is. When the re-check finds room, Wakeup withdraws the flag and claim's next
     * tryClaim gets the room (the record is then aborted: this test is about the wake-up).
     */
    static final class RoomScenario {
        static final long START = 128;
        static final int R0_LENGTH = 56;
        static final int R1_LENGTH = 48;
        static final int LENGTH = 48;
        static final long TIMEOUT_NANOS = 10_000_000_000L;

        final StressRing ring;
        final RoomProbe probe = new RoomProbe();

        RoomScenario(SharedRing shared) {
            ring = new StressRing(CONFIG, shared, START);
            if (!ring.producer.offer(StressRing.payload(0, R0_LENGTH), 0, R0_LENGTH, 0)
                    || !ring.producer.offer(StressRing.payload(1, R1_LENGTH), 0, R1_LENGTH, 1)) {
                throw new IllegalStateException("the harness could not fill the ring");
            }
        }

        /** The sleeper: (whether the producer went to sleep, how many sleeps it announced). */
        void sleeper(III_Result r) {
            RingProducer producer = ring.producer;
            try {
                producer.claim(LENGTH, 2, probe, TIMEOUT_NANOS);
                producer.abort();
                r.r1 = 0;
            } catch (Asleep e) {
                r.r1 = 1;
            }
            r.r3 = probe.announced;
        }

        /** The waker: consumes R0 (publishing the consumer position), then Fence, ReadNeedsWakeup. */
        int waker() {
            RingConsumer consumer = ring.consumer;
            if (consumer.poll(record -> { }, 1) != 1) {
                return -1;                       // R0 must be there: -1 falls to the catch-all FORBIDDEN
            }
            return consumer.wakeup.readNeedsWakeup() != 0 ? 1 : 0;
        }
    }

    /** Thrown where a producer would block in {@link Notifier#await}: it announced a sleep and found no room. */
    static final class Asleep extends RuntimeException {
        static final Asleep INSTANCE = new Asleep();

        private Asleep() {
            super("asleep", null, false, false);
        }
    }

    /** The notifier of {@link RoomProbe}: the producer is asleep once it gets here. */
    static final Notifier SLEEPS_HERE = new Notifier() {
        @Override
        public boolean await(long timeoutNanos) {
            throw Asleep.INSTANCE;
        }

        @Override
        public boolean kick() {
            throw new UnsupportedOperationException("the sleeper's side only");
        }

        @Override
        public void close() {
        }
    };

    /** {@link WaitStrategy#blocking} without the back-off: every idle is one real {@link Wakeup#sleep}. */
    static final class RoomProbe extends WaitStrategy {
        /** Sleeps announced (SetNeedsWakeup) by this claim: 0 when its first tryClaim found room. */
        int announced;

        RoomProbe() {
            super(SLEEPS_HERE);
        }

        @Override
        void idle(RingEnd end, long deadlineNanos) {
            announced++;
            end.countIdle();
            Wakeup.sleep(end, notifier, deadlineNanos);
        }
    }

    @JCStressTest
    @Description("sleeper: flag, fence, re-check the next header; waker: commit (header CAS), fence, read flag")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the consumer's re-check saw the record; the producer saw no sleeper")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the re-check saw the record; the producer also saw the flag (a spare kick)")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the consumer sleeps; the producer saw the flag and kicks")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "lost wake-up: the consumer sleeps, the producer saw no sleeper")
    @State
    public static class SleepVersusPublish {
        final Scenario s = new Scenario(StressRing.correct(CONFIG));

        @Actor
        public void consumer(II_Result r) {
            r.r1 = s.sleeper();
        }

        @Actor
        public void producer(II_Result r) {
            r.r2 = s.waker();
        }
    }

    @JCStressTest
    @Description("producer waits for room: claim's sleep (flag, fence, re-check room) versus poll, fence, read flag")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "claim's first tryClaim found room: no sleep announced")
    @Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "the producer's re-check saw the room; the consumer saw no sleeper")
    @Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "the re-check saw the room; the consumer also saw the flag (a spare kick)")
    @Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the producer sleeps; the consumer saw the flag and kicks")
    @Outcome(id = "1, 0, 1", expect = FORBIDDEN, desc = "lost wake-up: the producer sleeps, the consumer saw no sleeper")
    @Outcome(expect = FORBIDDEN, desc = "anything else: R0 not consumed, two sleeps announced, a flag without a sleep")
    @State
    public static class SleepForRoomVersusPoll {
        final RoomScenario s = new RoomScenario(StressRing.correct(CONFIG));

        @Actor
        public void producer(III_Result r) {
            s.sleeper(r);
        }

        @Actor
        public void consumer(III_Result r) {
            r.r2 = s.waker();
        }
    }
}
