package io.dataport.queue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The wake-up protocol (Dekker): the consumer runs the real sleeper's side
 * ({@link Wakeup#prepareToSleep}: SetNeedsWakeup, Fence, re-check the producer position) while the
 * producer publishes a record and runs the real waker's side ({@link Wakeup#readNeedsWakeup}: Fence,
 * ReadNeedsWakeup). "The consumer goes to sleep and the producer sees no sleeper" is a lost
 * wake-up: FORBIDDEN.
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

    @JCStressTest
    @Description("sleeper: flag, fence, re-check; waker: publish, fence, read flag")
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
}
