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
 * Wrap-around: the producer stands 32 bytes before the region end and claims a 48-byte record, so
 * it writes a padding record over the last 32 bytes and the record at data offset 0. Layout
 * version 3: the padding is committed at the claim, on its own (the end marker at data offset 0,
 * where a previous lap left a stale header, then the padding header by CAS); the record is
 * committed later by its own header CAS (after its payload and the end marker at offset 48).
 * A consumer polling with limit 1 may thus find the end marker at 96, or the padding and then the
 * end marker at 0 (it moves past the padding and delivers nothing), or the padding and the record:
 * it must skip the padding (it does not count toward the limit) and deliver the record whole. The
 * stale header a previous lap left where the padding goes, or at offset 0 after it, must never be
 * delivered. Outcome as in {@link PublicationStress}.
 */
public class WrapAroundStress {
    static final RingConfig CONFIG = new RingConfig(128, 56);

    static final class Scenario extends TalliedScenario {
        /** Second lap, data offset 96: 32 bytes to the region end. */
        static final long START = 128 + 96;
        static final int LENGTH = 40;
        static final int TYPE = 3;
        static final byte[] PAYLOAD = StressRing.payload(0, LENGTH);

        Scenario(SharedRing shared) {
            super(CONFIG, shared, START, new int[] {LENGTH}, new int[] {TYPE});
        }

        @Override
        void produce() {
            ClaimedRecord record = ring.producer.tryClaim(LENGTH, TYPE);
            StressRing.writeInPlace(record, PAYLOAD);
            ring.producer.commit();
        }

        @Override
        void consume() {
            tally.poll(ring.consumer, 1);
        }
    }

    @JCStressTest
    @Description("a record after a padding record is seen whole and the padding is skipped")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "the end marker at 96, or the padding and the end marker"
            + " at 0; the arbiter then reads the record whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "padding skipped, record read whole")
    @Outcome(expect = FORBIDDEN, desc = "stale header (after the padding too) or byte, padding delivered, record lost,"
            + " or poisoned")
    @State
    public static class AfterPadding {
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
