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
 * Batches: three records committed with {@code commitBatched()} and published with one
 * {@code publish()} are all seen, in order, or none is. Layout version 3: the first record's header
 * is held back (its slot keeps the end marker, which stops the consumer there); the second and
 * third headers, the padding the third one needs (it does not fit before the region end) and
 * every end marker are written behind it, and {@code publish()}'s CAS of the first header makes
 * the whole batch visible at once. A consumer that sees any record of the batch sees all three,
 * whole, and the end marker after them. Outcome as in {@link PublicationStress}.
 */
public class BatchStress {
    static final RingConfig CONFIG = new RingConfig(256, 120);

    static final class Scenario extends TalliedScenario {
        /**
         * Second lap, data offset 200: records of 16 and 24 bytes fit (headers at 200 and 216), the
         * 40-byte one wraps (padding at 240, header at 0, end marker at 40).
         */
        static final long START = 256 + 200;
        static final int[] LENGTHS = {5, 16, 27};
        static final int[] TYPES = {1, 2, 3};
        static final byte[][] PAYLOADS = {
            StressRing.payload(0, LENGTHS[0]), StressRing.payload(1, LENGTHS[1]), StressRing.payload(2, LENGTHS[2])};

        Scenario(SharedRing shared) {
            super(CONFIG, shared, START, LENGTHS, TYPES);
        }

        @Override
        void produce() {
            RingProducer producer = ring.producer;
            for (int k = 0; k < LENGTHS.length; k++) {
                ClaimedRecord record = producer.tryClaim(LENGTHS[k], TYPES[k]);
                StressRing.writeInPlace(record, PAYLOADS[k]);
                producer.commitBatched();
            }
            producer.publish();
        }

        @Override
        void consume() {
            tally.poll(ring.consumer, 8);
        }
    }

    @JCStressTest
    @Description("commitBatched() x3 + publish(): all three records are seen, in order, or none")
    @Outcome(id = "0, 3, 0", expect = ACCEPTABLE, desc = "batch not yet published; the arbiter then reads all three")
    @Outcome(id = "3, 3, 0", expect = ACCEPTABLE, desc = "whole batch read in order")
    @Outcome(expect = FORBIDDEN, desc = "part of a batch, out of order, stale or torn bytes, or poisoned")
    @State
    public static class ThreeRecords {
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
