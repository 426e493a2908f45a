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
 * 64-bit positions are never seen torn. Both positions start at -64 ({@code 0xFFFFFFFF_FFFFFFC0})
 * and the publish moves them to 0, flipping every bit of both 32-bit halves: a torn read would show
 * {@code 0xFFFFFFFF_00000000} or {@code 0x00000000_FFFFFFC0}. The observer reads the word through the
 * same accessor method the peer end uses.
 */
public class PositionAtomicityStress {
    static final RingConfig CONFIG = new RingConfig(128, 56);
    static final long START = -64;
    static final byte[] PAYLOAD = StressRing.payload(0, 56);

    /** The producer publishes a record that ends exactly at position 0. */
    static final class ProducerScenario {
        final StressRing ring;

        ProducerScenario(SharedRing shared) {
            ring = new StressRing(CONFIG, shared, START);
        }

        void produce() {
            ring.producer.offer(PAYLOAD);
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
        }

        void consume() {
            tally.poll(ring.consumer, 1);
        }

        long observe() {
            return ring.shared.readConsumerPosition();
        }
    }

    @JCStressTest
    @Description("the producer position (release store) is read whole by the consumer's acquire load")
    @Outcome(id = "-64", expect = ACCEPTABLE, desc = "before the publish")
    @Outcome(id = "0", expect = ACCEPTABLE, desc = "after the publish")
    @Outcome(expect = FORBIDDEN, desc = "a torn 64-bit position")
    @State
    public static class ProducerPosition {
        final ProducerScenario s = new ProducerScenario(StressRing.correct(CONFIG));

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
    @Description("the consumer position (release store) is read whole by the producer's acquire load")
    @Outcome(id = "-64", expect = ACCEPTABLE, desc = "before the publish")
    @Outcome(id = "0", expect = ACCEPTABLE, desc = "after the publish")
    @Outcome(expect = FORBIDDEN, desc = "a torn 64-bit position")
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
