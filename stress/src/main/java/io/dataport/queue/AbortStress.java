package io.dataport.queue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Abort: an aborted claim is never delivered. The producer claims a record A that needs a padding
 * record (layout version 3: the padding is committed at the claim, with the end marker after it at
 * data offset 0, so the abort leaves the padding behind), fills A, aborts it and calls
 * {@code publish()} (nothing to publish: A's header was never written, its slot keeps the end
 * marker), then claims a shorter record B at the same place and commits it over A's bytes. The only
 * record ever delivered is B, whole: the consumer finds the end marker where A was until B's
 * header is stored. Outcome as in {@link PublicationStress}.
 */
public class AbortStress {
    static final RingConfig CONFIG = new RingConfig(128, 56);

    static final class Scenario extends TalliedScenario {
        /** Second lap, data offset 96: A (48 bytes) needs padding; B lands where A was. */
        static final long START = 128 + 96;
        static final int ABORTED_LENGTH = 40;
        static final int ABORTED_TYPE = 4;
        static final byte[] ABORTED = StressRing.payload(9, ABORTED_LENGTH);
        static final int LENGTH = 12;
        static final int TYPE = 6;
        static final byte[] PAYLOAD = StressRing.payload(0, LENGTH);

        Scenario(SharedRing shared) {
            super(CONFIG, shared, START, new int[] {LENGTH}, new int[] {TYPE});
        }

        @Override
        void produce() {
            RingProducer producer = ring.producer;
            StressRing.writeInPlace(producer.tryClaim(ABORTED_LENGTH, ABORTED_TYPE), ABORTED);
            producer.abort();
            producer.publish();
            StressRing.writeInPlace(producer.tryClaim(LENGTH, TYPE), PAYLOAD);
            producer.commit();
        }

        @Override
        void consume() {
            tally.poll(ring.consumer, 8);
        }
    }

    @JCStressTest
    @Description("claim A, abort, publish, claim B, commit: A is never delivered, B is, whole")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "B not yet published (perhaps the padding skipped); the"
            + " arbiter then reads B whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "B read whole, A never")
    @Outcome(expect = FORBIDDEN, desc = "the aborted record (or its bytes) delivered, B torn or lost, or poisoned")
    @State
    public static class AbortThenCommit {
        final Scenario s = new Scenario(StressRing.correct(CONFIG));

        @Actor
        public void producer() {
            s.produce();
        }

        @Actor
        public void consumer() {
            s.consume();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            s.settle(r);
        }
    }
}
