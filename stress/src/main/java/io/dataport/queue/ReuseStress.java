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
 * Reuse: the producer never overwrites bytes that a zero-copy handler is still reading. The ring
 * is full: R0 (56 bytes, 64 with its header) at data offset 0, R1 (48 bytes, 56) at 64, and the end
 * marker at 120 (layout version 3: a claim needs room for the end marker after it, so 8 bytes
 * stay free). The consumer's handler reads R0 in place, byte by byte; meanwhile the producer tries
 * a few times to claim a third record of 48 bytes: it does not fit in the 8 bytes before the region
 * end, so it needs a padding there, the record at offset 0 and its end marker at 56, all over R0.
 * It may get the room only after the consumer published its position past R0, i.e. after the
 * handler returned.
 *
 * <p>Outcome {@code (r1, r2, r3)}: bad bytes the handler saw in R0 during the race, whether the
 * producer got the room (1) or found the ring full (0), and bad values in all once the arbiter
 * drained R1 (and the padding and the new record, if any).
 */
public class ReuseStress {
    static final RingConfig CONFIG = new RingConfig(128, 56);

    static final class Scenario {
        static final long START = 128;
        static final int[] LENGTHS = {56, 48, 48};
        static final byte[][] PAYLOADS = {
            StressRing.payload(0, LENGTHS[0]), StressRing.payload(1, LENGTHS[1]), StressRing.payload(2, LENGTHS[2])};
        static final int ATTEMPTS = 8;

        final StressRing ring;
        final Tally tally = new Tally(LENGTHS, new int[] {0, 1, 2});
        int claimed;
        int raceBad;

        Scenario(SharedRing shared) {
            ring = new StressRing(CONFIG, shared, START);
            for (int k = 0; k < 2; k++) {
                if (!ring.producer.offer(PAYLOADS[k], 0, LENGTHS[k], k)) {
                    throw new IllegalStateException("the harness could not fill the ring: record " + k);
                }
            }
        }

        void produce() {
            RingProducer producer = ring.producer;
            for (int i = 0; i < ATTEMPTS; i++) {
                ClaimedRecord record = producer.tryClaim(LENGTHS[2], 2);
                if (record != null) {
                    record.putBytes(0, PAYLOADS[2], 0, LENGTHS[2]);
                    producer.commit();
                    claimed = 1;
                    return;
                }
            }
        }

        void consume() {
            tally.poll(ring.consumer, 1);
            raceBad = tally.bad;
        }

        void settle(III_Result r) {
            tally.drain(ring.consumer, ring.producer, 2 + claimed);
            r.r1 = tally.poisoned ? -1 : raceBad;
            r.r2 = claimed;
            r.r3 = tally.bad;
        }
    }

    @JCStressTest
    @Description("a zero-copy handler's bytes are not overwritten before poll() publishes the consumer position")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "the producer found the ring full every time")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "the producer reused R0's bytes after the handler was done")
    @Outcome(expect = FORBIDDEN, desc = "the handler saw overwritten bytes, a record was torn or lost, or poisoned")
    @State
    public static class HandlerStillReading {
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
