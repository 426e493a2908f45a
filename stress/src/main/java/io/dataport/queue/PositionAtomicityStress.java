package io.dataport.queue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.J_Result;

/**
 * 64-bit position words are never seen torn. Layout version 3 has two: the consumer position word,
 * which the producer reads (acquire) for back-pressure, and the producer position word, now only
 * a recovery hint, which a restarted or taking-over producer reads (ReadPosition at attach) to
 * start its scan for the end marker, and which the producer itself reads for its epoch (ReadSlot).
 * A position word is {@code epoch16 << 48 | position mod 2^48} (docs/decisions/0901); both
 * positions start at -64, and after the ends attach (epoch 1) both words hold {@link #BEFORE} =
 * {@code 0x0001FFFF_FFFFFFC0}. The store under test moves the position to 0 (across the 48-bit
 * wrap), so the word becomes {@link #AFTER} = {@code 0x00010000_00000000}: both 32-bit halves
 * change (the epoch, the same before and after, is the only part that cannot), and a torn read
 * would show {@code 0x0001FFFF_00000000} (562945658454016) or {@code 0x00010000_FFFFFFC0}
 * (281479271677888). The observer reads the raw word through the accessor method its readers use;
 * the outcome ids are the two whole words in decimal.
 */
public class PositionAtomicityStress {
    static final RingConfig CONFIG = new RingConfig(128, 56);
    static final long START = -64;
    /** The word before the store: epoch 1, position -64 mod 2^48 (outcome "562949953421248"). */
    static final long BEFORE = RingLayout.packPosition(1, START);
    /** The word after the store: epoch 1, position 0 (outcome "281474976710656"). */
    static final long AFTER = RingLayout.packPosition(1, START + 64);
    /** A 56-byte record: 64 bytes with its header, from -64 to exactly 0. */
    static final byte[] PAYLOAD = StressRing.payload(0, 56);
    static final byte[] SMALL = StressRing.payload(1, 8);

    /**
     * The producer moves its hint: before the race it commits a record that ends exactly at 0 (the
     * hint stays at -64: it moves only when the producer extends its reservation, and that claim's
     * Reserve found the hint at its frontier, -64, already). In the race it offers a small record
     * at 0, which needs more than it reserved: Reserve extends the reservation and moves the hint
     * to the frontier, 0 (PublishProducerPosition, a CAS).
     */
    static final class HintScenario {
        final StressRing ring;

        HintScenario(SharedRing shared) {
            ring = new StressRing(CONFIG, shared, START);
            if (!ring.producer.offer(PAYLOAD)) {
                throw new IllegalStateException("the harness could not commit the record before the race");
            }
            expectWord(ring.shared.readProducerPosition());
        }

        void produce() {
            ring.producer.offer(SMALL);
        }

        long observe() {
            return ring.shared.readProducerPosition();
        }
    }

    /** The consumer consumes a record that ends exactly at position 0. */
    static final class ConsumerScenario {
        final StressRing ring;
        final Tally tally = new Tally(new int[] {56}, new int[] {0});

        ConsumerScenario(SharedRing shared) {
            ring = new StressRing(CONFIG, shared, START);
            ring.producer.offer(PAYLOAD);
            expectWord(ring.shared.readConsumerPosition());
        }

        void consume() {
            tally.poll(ring.consumer, 1);
        }

        long observe() {
            return ring.shared.readConsumerPosition();
        }
    }

    /** The harness, not the race: the outcome ids are these words, so a drift is a test error naming the word, not a torn read. */
    static void expectWord(long word) {
        if (word != BEFORE) {
            throw new IllegalStateException(String.format("position word 0x%016x before the race, expected 0x%016x",
                    word, BEFORE));
        }
    }

    @JCStressTest
    @Description("the producer position word, the recovery hint (CAS at Reserve), is read whole by a restarting"
            + " producer's acquire load")
    @Outcome(id = "562949953421248", expect = ACCEPTABLE, desc = "before the Reserve: 0x0001FFFF_FFFFFFC0 (epoch 1, -64)")
    @Outcome(id = "281474976710656", expect = ACCEPTABLE, desc = "after the Reserve: 0x00010000_00000000 (epoch 1, 0)")
    @Outcome(expect = FORBIDDEN, desc = "a torn 64-bit position word")
    @State
    public static class ProducerHint {
        final HintScenario s = new HintScenario(StressRing.correct(CONFIG));

        @Actor
        public void producer() {
            s.produce();
        }

        @Actor
        public void observer(J_Result r) {
            r.r1 = s.observe();
        }
    }

    @JCStressTest
    @Description("the consumer position word (CAS) is read whole by the producer's acquire load")
    @Outcome(id = "562949953421248", expect = ACCEPTABLE, desc = "before the poll's publish: 0x0001FFFF_FFFFFFC0 (epoch 1, -64)")
    @Outcome(id = "281474976710656", expect = ACCEPTABLE, desc = "after the poll's publish: 0x00010000_00000000 (epoch 1, 0)")
    @Outcome(expect = FORBIDDEN, desc = "a torn 64-bit position word")
    @State
    public static class ConsumerPosition {
        final ConsumerScenario s = new ConsumerScenario(StressRing.correct(CONFIG));

        @Actor
        public void consumer() {
            s.consume();
        }

        @Actor
        public void observer(J_Result r) {
            r.r1 = s.observe();
        }
    }
}
